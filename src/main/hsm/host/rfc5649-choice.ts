/** What a token's known-answer test found of RFC 5649 (./rfc5649.ts), kept with its session. */
export interface Rfc5649Choice {
  /** The mechanism that gave RFC 5649's bytes, or null when none did. */
  mechanism: { mechanism: number; name: string } | null;
  /**
   * Whether it gives RFC 5649 for a key of any length; false when it does so only for keys of whole 8-octet
   * blocks (AES, HMAC) and zero-pads any other (a PKCS#8 private key) first, as SoftHSM does: such a key
   * would reach a provider, or a restore, with trailing zero octets.
   */
  anyLength: boolean;
  /** What each candidate gave, in words. */
  findings: string[];
}
