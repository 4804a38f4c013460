/**
 * The token's own CKM_RSA_AES_KEY_WRAP is used only when a known answer shows it gives what providers
 * read: RSA-OAEP(ephemeral AES-256 key) || RFC 5649(key), under the published test RSA-2048 key, for
 * OAEP with SHA-1 and with SHA-256. Here the helper stands in for tokens that answer rightly, and for
 * tokens that answer otherwise (PKCS#7 padding and RFC 3394 instead of RFC 5649; OAEP with the other hash).
 */
import { constants, createCipheriv, publicEncrypt, randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { testKeyOf, testWrappingKey } from '../../src/main/bundles/self-test-vectors';
import type { Pkcs11Module } from '../../src/main/hsm/host/module';
import { learnNativeRsaAes } from '../../src/main/hsm/host/native-rsa-aes';

type Answer = (hashAlg: number) => Buffer;
let answer: Answer;
vi.mock('keyward-rsa-aes-key-wrap', () => ({
  default: { wrapKey: (_path: string, _session: Buffer, _bits: number, hashAlg: number) => answer(hashAlg) },
}));

const rsa = testWrappingKey(2048);
const key = testKeyOf('AES_256');
if (!rsa || !('secret' in key)) throw new Error('the published test keys are missing');
const hashOf = (hashAlg: number) => (hashAlg === pkcs11js.CKM_SHA256 ? 'sha256' : 'sha1');
const oaep = (ephemeral: Buffer, hash: string) =>
  publicEncrypt({ key: rsa, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ephemeral);
const rfc5649 = (ephemeral: Buffer) => {
  const cipher = createCipheriv('id-aes256-wrap-pad', ephemeral, Buffer.from('A65959A6', 'hex'));
  return Buffer.concat([cipher.update(key.secret), cipher.final()]);
};

/** A token offering the mechanism for wrapping; its session objects are counted, to see each destroyed. */
function fakeToken(flags: number) {
  const live = new Set<string>();
  let next = 1;
  const lib = {
    C_GetMechanismInfo: () => ({ flags, minKeySize: 2048, maxKeySize: 4096 }),
    C_CreateObject: () => {
      const handle = Buffer.alloc(8);
      handle.writeUInt32LE(next++);
      live.add(handle.toString('hex'));
      return handle;
    },
    C_DestroyObject: (_session: Buffer, handle: Buffer) => live.delete(handle.toString('hex')),
  };
  return { module: { lib, path: '/usr/lib/vendor/libfake.so' } as unknown as Pkcs11Module, live };
}

describe('the known answer of a token’s own CKM_RSA_AES_KEY_WRAP', () => {
  beforeEach(() => {
    answer = () => Buffer.alloc(0);
  });

  it('is used where it gives RSA-OAEP(ephemeral) || RFC 5649(key) with both hashes', () => {
    answer = (hashAlg) => {
      const ephemeral = randomBytes(32);
      return Buffer.concat([oaep(ephemeral, hashOf(hashAlg)), rfc5649(ephemeral)]);
    };
    const { module, live } = fakeToken(pkcs11js.CKF_WRAP);
    expect(learnNativeRsaAes(module, Buffer.alloc(8), Buffer.alloc(8))).toEqual({
      use: true,
      finding: 'CKM_RSA_AES_KEY_WRAP gives RSA-OAEP(ephemeral) || RFC 5649(key), by known answer',
    });
    expect(live.size).toBe(0);
  });

  it('is not used where the key is padded as PKCS#7 and wrapped by RFC 3394', () => {
    answer = (hashAlg) => {
      const ephemeral = randomBytes(32);
      const cipher = createCipheriv('id-aes256-wrap', ephemeral, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
      const padded = Buffer.concat([key.secret, Buffer.alloc(16, 16)]);
      return Buffer.concat([oaep(ephemeral, hashOf(hashAlg)), cipher.update(padded), cipher.final()]);
    };
    const { module, live } = fakeToken(pkcs11js.CKF_WRAP);
    const choice = learnNativeRsaAes(module, Buffer.alloc(8), Buffer.alloc(8));
    expect(choice.use).toBe(false);
    expect(choice.finding).toContain('does not give RSA-OAEP(ephemeral) || RFC 5649(key): it does not open');
    expect(live.size).toBe(0);
  });

  it('is not used where OAEP takes another hash than the one asked for', () => {
    answer = () => {
      const ephemeral = randomBytes(32);
      return Buffer.concat([oaep(ephemeral, 'sha1'), rfc5649(ephemeral)]);
    };
    const choice = learnNativeRsaAes(fakeToken(pkcs11js.CKF_WRAP).module, Buffer.alloc(8), Buffer.alloc(8));
    expect(choice).toMatchObject({ use: false });
    expect(choice.finding).toContain('with OAEP sha256');
  });

  it('is not tried where the token offers it for other uses only', () => {
    expect(learnNativeRsaAes(fakeToken(pkcs11js.CKF_ENCRYPT).module, Buffer.alloc(8), Buffer.alloc(8))).toEqual({
      use: false,
      finding: 'the token offers CKM_RSA_AES_KEY_WRAP, but not for wrapping',
    });
  });
});
