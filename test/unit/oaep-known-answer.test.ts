/**
 * The probe believes RSA-OAEP with SHA-1, SHA-256 or SHA-512 only by known answer: a published AES key wrapped in
 * the token under the published test RSA-2048 key must open in software with that hash to exactly that key.
 * A token that accepts SHA-256's parameters but hashes with SHA-1 (or pads otherwise) is caught, not only
 * one that refuses them. Here a stand-in module answers rightly and wrongly; SoftHSM and NSS run the same
 * code in test/integration/token-matrix.test.ts.
 */
import { constants, publicEncrypt, type KeyObject } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import { testKeyOf, testWrappingKey } from '../../src/main/bundles/self-test-vectors';
import { oaepKnownAnswers } from '../../src/main/hsm/host/probe';

const published = testWrappingKey(2048);
const key = testKeyOf('AES_256');
if (!published || !('secret' in key)) throw new Error('the published test keys are missing');
const rsa: KeyObject = published;
const secret = key.secret;

/** A stand-in module whose OAEP wrap of the key it was given hashes with `hashFor(asked)`, or refuses. */
type Hash = 'sha1' | 'sha256' | 'sha512';
function fakeLib(hashFor: (asked: Hash) => Hash | 'refuse') {
  const values = new Map<string, Buffer>();
  let next = 1;
  return {
    C_CreateObject: (_session: Buffer, template: pkcs11js.Template) => {
      const handle = Buffer.alloc(8);
      handle.writeUInt32LE(next++);
      const value = template.find((a) => a.type === pkcs11js.CKA_VALUE)?.value;
      if (Buffer.isBuffer(value)) values.set(handle.toString('hex'), value);
      return handle;
    },
    C_DestroyObject: () => undefined,
    C_WrapKey: (_session: Buffer, mechanism: pkcs11js.Mechanism, _wrapping: Buffer, target: Buffer) => {
      const { hashAlg } = mechanism.parameter as pkcs11js.RsaOAEP;
      const asked: Hash =
        hashAlg === pkcs11js.CKM_SHA256 ? 'sha256' : hashAlg === pkcs11js.CKM_SHA512 ? 'sha512' : 'sha1';
      const hash = hashFor(asked);
      if (hash === 'refuse') throw new Error('CKR_ARGUMENTS_BAD');
      return publicEncrypt(
        { key: rsa, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash },
        values.get(target.toString('hex')) ?? Buffer.alloc(0),
      );
    },
  } as unknown as pkcs11js.PKCS11;
}

describe('RSA-OAEP by known answer', () => {
  it('is believed for each hash the token applies as asked', () => {
    expect(
      oaepKnownAnswers(
        fakeLib((asked) => asked),
        Buffer.alloc(8),
      ),
    ).toEqual({ sha1: true, sha256: true, sha512: true });
    expect(secret).toHaveLength(32);
  });

  it('is refused for SHA-256 where the token accepts its parameters but hashes with SHA-1', () => {
    const answers = oaepKnownAnswers(
      fakeLib(() => 'sha1'),
      Buffer.alloc(8),
    );
    expect(answers.sha1).toBe(true);
    expect(answers.sha256).toBe(
      'CKM_RSA_PKCS_OAEP with SHA-256 gives bytes that RSA-OAEP with SHA-256 does not open to the published test key (it does not open)',
    );
  });

  it('names the refusal where the token refuses the parameters (SoftHSM and SHA-256)', () => {
    const answers = oaepKnownAnswers(
      fakeLib((asked) => (asked === 'sha1' ? asked : 'refuse')),
      Buffer.alloc(8),
    );
    expect(answers).toEqual({
      sha1: true,
      sha256: 'CKM_RSA_PKCS_OAEP with SHA-256 (MGF1 to match) was refused by the token (CKR_ARGUMENTS_BAD)',
      sha512: 'CKM_RSA_PKCS_OAEP with SHA-512 (MGF1 to match) was refused by the token (CKR_ARGUMENTS_BAD)',
    });
  });
});
