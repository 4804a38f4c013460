/**
 * What a plan needs of the token, against capability sheets like SoftHSM's and NSS's: a key that RFC 5649
 * would not carry exactly (HMAC-SHA224's 28 octets on a token that zero-pads) is refused before anyone
 * approves, for exports and backups alike (a backup that restores another key would lose the key); so is an
 * EC key under plain RSA-OAEP on a token that wraps only secret keys so, and a curve the token cannot make.
 */
import { describe, expect, it } from 'vitest';
import { generates, wraps, wrapsExactly } from '../../src/main/ceremonies/token-needs';
import type { Capabilities } from '../../src/shared/keys';

const base: Capabilities = {
  mechanisms: [],
  cmkSpecs: ['AES_256', 'HMAC_SHA224', 'EC_P256'],
  signingKeySpecs: ['ECDSA_P256'],
  wrapping: {
    rsaOaepSha1: true,
    rsaOaepSha256: true,
    rsaOaepSha512: true,
    oaepPrivateKeys: true,
    rsaAesKeyWrapNative: false,
    rsaAesKeyWrapComposed: true,
    aesKeyWrapPad: true,
  },
  rfc5649: { mechanism: 'CKM_AES_KEY_WRAP_KWP (0x210B)', anyLength: true, findings: [] },
  enforcement: [],
  digestKey: true,
  checkValue: false,
  missing: {},
};
const softhsmLike: Capabilities = {
  ...base,
  wrapping: { ...base.wrapping, rsaOaepSha256: false, rsaOaepSha512: false, oaepPrivateKeys: false },
  rfc5649: { mechanism: 'CKM_AES_KEY_WRAP_PAD (0x210A)', anyLength: false, findings: [] },
  missing: {
    oaepPrivateKeys: 'it does not wrap private keys with RSA-OAEP (CKR_KEY_NOT_WRAPPABLE)',
    EC_SECP256K1: 'the token does not make EC key pairs on secp256k1',
  },
};

describe('what a plan needs of the token', () => {
  it('refuses an HMAC-SHA224 key where RFC 5649 would zero-pad it, and not where it pads as the RFC says', () => {
    expect(wrapsExactly('HMAC_SHA224').whyNot(softhsmLike)).toMatch(
      /28-octet value is not a whole number of 8-octet blocks, and CKM_AES_KEY_WRAP_PAD \(0x210A\) zero-pads/,
    );
    expect(wrapsExactly('HMAC_SHA224').whyNot(base)).toBeUndefined();
    expect(wrapsExactly('AES_256').whyNot(softhsmLike)).toBeUndefined();
    expect(wrapsExactly('HMAC_SHA384').whyNot(softhsmLike)).toBeUndefined();
  });

  it('refuses an EC key under plain RSA-OAEP on a token that wraps only secret keys so', () => {
    expect(wraps('RSAES_OAEP_SHA_1', 'EC_P256').whyNot(softhsmLike)).toMatch(/CKR_KEY_NOT_WRAPPABLE/);
    expect(wraps('RSAES_OAEP_SHA_1', 'AES_256').whyNot(softhsmLike)).toBeUndefined();
    expect(wraps('RSAES_OAEP_SHA_1', 'EC_P256').whyNot(base)).toBeUndefined();
    expect(wraps('RSAES_OAEP_SHA_512', 'AES_256').whyNot(softhsmLike)).toMatch(/RSA-OAEP SHA-512/);
  });

  it('names the curve the token cannot make', () => {
    expect(generates('EC_SECP256K1').whyNot(softhsmLike)).toBe('the token does not make EC key pairs on secp256k1');
    expect(generates('EC_P256').whyNot(softhsmLike)).toBeUndefined();
  });
});
