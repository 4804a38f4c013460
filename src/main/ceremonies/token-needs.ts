/**
 * What a plan needs of the token, checked against its capability sheet when the plan is made, so that a
 * ceremony the token cannot carry out is refused before anyone checks in or approves: each function gives
 * the reason the token cannot, in words, or undefined when it can.
 */
import type { Capabilities, CmkSpec } from '../../shared/keys';
import { wrapMethods, type WrapAlgorithm } from '../../shared/providers';

export interface TokenNeed {
  /** What the plan asks of the token, e.g. "generate an AES_256 key". */
  what: string;
  whyNot: (c: Capabilities) => string | undefined;
}

const family = (spec: CmkSpec): string => spec.replace(/_.*$/, '');

export const generates = (spec: CmkSpec): TokenNeed => ({
  what: `generate a ${spec} key`,
  whyNot: (c) =>
    c.cmkSpecs.includes(spec)
      ? undefined
      : (c.missing[family(spec)] ??
        `the token does not generate ${spec} keys (it generates: ${c.cmkSpecs.join(', ') || 'none of the types Keyward offers'})`),
});

export const wraps = (algorithm: WrapAlgorithm): TokenNeed => ({
  what: `wrap with ${algorithm}`,
  whyNot: (c) => {
    const { kind, hash } = wrapMethods[algorithm];
    const oaep = hash === 'sha1' ? c.wrapping.rsaOaepSha1 : c.wrapping.rsaOaepSha256;
    const oaepWhy = c.missing[hash === 'sha1' ? 'rsaOaepSha1' : 'rsaOaepSha256'];
    if (!oaep) return oaepWhy ?? `the token cannot wrap with RSA-OAEP ${hash === 'sha1' ? 'SHA-1' : 'SHA-256'}`;
    if (kind === 'rsa-aes' && !c.wrapping.rsaAesKeyWrapComposed)
      return c.missing.rsaAesKeyWrapComposed ?? 'the token cannot compose RSA-AES key wrap';
    return undefined;
  },
});

export const wrapsWithRfc5649: TokenNeed = {
  what: 'wrap and unwrap with RFC 5649 (AES key wrap with padding)',
  whyNot: (c) =>
    c.rfc5649.mechanism ? undefined : (c.missing.aesKeyWrapPad ?? 'no mechanism of the token gives RFC 5649'),
};
