/**
 * What a plan needs of the token, against capability sheets like SoftHSM's and NSS's: a key that RFC 5649
 * would not carry exactly (HMAC-SHA224's 28 octets on a token that zero-pads) is refused before anyone
 * approves, for exports and backups alike (a backup that restores another key would lose the key); so is an
 * EC key under plain RSA-OAEP on a token that wraps only secret keys so, and a curve the token cannot make.
 * The app's forms ask the same questions, so they offer only what the token and the provider can do.
 */
import { describe, expect, it } from 'vitest';
import { providerForms } from '../../src/main/providers/registry';
import { availableValue, whyUnavailable } from '../../src/shared/choice-option';
import type { Capabilities, CmkSpec } from '../../src/shared/keys';
import { generates, wraps, wrapsExactly } from '../../src/shared/token-needs';

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

describe('what the forms offer, asked the same questions', () => {
  const aws = providerForms.find((p) => p.id === 'aws-kms');
  const algorithms = aws?.fields.find((f) => f.name === 'algorithm')?.options ?? [];

  it("offers AWS's algorithms the token can do for the key, defaulting to one it can", () => {
    expect(algorithms.map((o) => o.value)).toContain('RSAES_OAEP_SHA_256');
    const unavailable = (spec: CmkSpec, capabilities: Capabilities) =>
      algorithms.filter((o) => whyUnavailable(o, { capabilities, spec })).map((o) => o.value);
    // SoftHSM has no OAEP SHA-256, and AWS takes AES material only under OAEP: only RSAES_OAEP_SHA_1 is left.
    expect(unavailable('AES_256', softhsmLike)).toEqual([
      'RSAES_OAEP_SHA_256',
      'RSA_AES_KEY_WRAP_SHA_256',
      'RSA_AES_KEY_WRAP_SHA_1',
    ]);
    expect(availableValue(algorithms, 'RSAES_OAEP_SHA_256', { capabilities: softhsmLike, spec: 'AES_256' })).toBe(
      'RSAES_OAEP_SHA_1',
    );
    // On a token that does all, the officer's choice stands; RSA material is AWS's RSA-AES only.
    expect(availableValue(algorithms, 'RSAES_OAEP_SHA_256', { capabilities: base, spec: 'AES_256' })).toBe(
      'RSAES_OAEP_SHA_256',
    );
    expect(unavailable('RSA_2048', base).sort()).toEqual(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    // Before the token's sheet is read and the key chosen, nothing is taken away (the plan is judged in full).
    expect(algorithms.filter((o) => whyUnavailable(o, {}))).toEqual([]);
  });

  it('takes a provider off the list for a key type it never imports, and a key type the token cannot make', () => {
    const salesforce = providerForms.find((p) => p.id === 'salesforce-shield');
    const option = { value: 'salesforce-shield', label: 'Salesforce Shield', refusedFor: salesforce?.refusedFor ?? {} };
    expect(whyUnavailable(option, { spec: 'RSA_2048' })).toMatch(/does not import RSA_2048/);
    expect(whyUnavailable(option, { spec: 'AES_256' })).toBeUndefined();
    expect(
      whyUnavailable({ value: 'EC_SECP256K1', label: '', generates: 'EC_SECP256K1' }, { capabilities: softhsmLike }),
    ).toMatch(/secp256k1/);
    // When nothing can be served, the value is left for the plan to refuse with its reasons.
    expect(availableValue([option], 'salesforce-shield', { spec: 'RSA_2048' })).toBe('salesforce-shield');
  });
});
