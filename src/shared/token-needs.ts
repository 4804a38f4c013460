/**
 * What a plan needs of the token, checked against its capability sheet when the plan is made, so that a
 * ceremony the token cannot carry out is refused before anyone checks in or approves: each function gives
 * the reason the token cannot, in words, or undefined when it can. The app's forms ask the same questions,
 * so they offer only what the token can do.
 */
import { isSecretSpec, secretBytesOf, type Capabilities, type CmkSpec } from './keys';
import { oaepCapability, oaepHashWords, wrapMethods, type WrapAlgorithm } from './providers';

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
      : (c.missing[spec] ??
        c.missing[family(spec)] ??
        `the token does not generate ${spec} keys (it generates: ${c.cmkSpecs.join(', ') || 'none of the types Keyward offers'})`),
});

/** Wrapping with the algorithm; of a key of this type, when given (RSA-OAEP of a private key is a capability of its own). */
export const wraps = (algorithm: WrapAlgorithm, spec?: CmkSpec): TokenNeed => ({
  what: `wrap ${spec ? `a ${spec} key ` : ''}with ${algorithm}`,
  whyNot: (c) => {
    const { kind, hash } = wrapMethods[algorithm];
    if (!c.wrapping[oaepCapability[hash]])
      return c.missing[oaepCapability[hash]] ?? `the token cannot wrap with RSA-OAEP ${oaepHashWords[hash]}`;
    if (kind === 'oaep' && spec && !isSecretSpec(spec) && !c.wrapping.oaepPrivateKeys)
      return c.missing.oaepPrivateKeys ?? 'the token does not wrap private keys with RSA-OAEP';
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

/**
 * A key put through RFC 5649 comes out exactly as it is: a token that zero-pads keys that are not whole
 * 8-octet blocks (SoftHSM) would hand out an HMAC-SHA224 key of 32 octets, and back up one that restores
 * as another key.
 */
export const wrapsExactly = (spec: CmkSpec): TokenNeed => ({
  what: `wrap a ${spec} key with RFC 5649 exactly`,
  whyNot: (c) => {
    const bytes = secretBytesOf(spec);
    if (bytes === undefined || bytes % 8 === 0 || c.rfc5649.anyLength) return undefined;
    return `its ${bytes}-octet value is not a whole number of 8-octet blocks, and ${c.rfc5649.mechanism ?? 'the token'} zero-pads such keys before wrapping (its RFC 5649 known answer)`;
  },
});
