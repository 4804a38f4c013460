/**
 * Keyward's N-API helper for CKM_RSA_AES_KEY_WRAP (native/rsa-aes-key-wrap) passes the parameters exactly
 * as PKCS#11 2.40 §2.1.21 lays them out on this platform (CK_ULONG and pointers of 8 bytes, no padding):
 * CK_RSA_AES_KEY_WRAP_PARAMS { ulAESKeyBits; pOAEPParams } and CK_RSA_PKCS_OAEP_PARAMS { hashAlg; mgf;
 * source; pSourceData; ulSourceDataLen }, with OAEP's label empty and MGF1 given by the caller.
 */
import nativeHelper from 'keyward-rsa-aes-key-wrap';
import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';

const ulong = (value: number): Buffer => {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return bytes;
};

describe('the CKM_RSA_AES_KEY_WRAP helper', () => {
  it('lays the parameters out as PKCS#11 defines them', () => {
    expect(nativeHelper.layout()).toEqual({
      ulongSize: 8,
      pointerSize: 8,
      paramsSize: 16,
      aesKeyBitsOffset: 0,
      oaepParamsOffset: 8,
      oaepSize: 40,
      hashAlgOffset: 0,
      mgfOffset: 8,
      sourceOffset: 16,
      sourceDataOffset: 24,
      sourceDataLenOffset: 32,
      mechanism: 0x1054,
    });
  });

  it.each([
    ['SHA-1', pkcs11js.CKM_SHA_1, pkcs11js.CKG_MGF1_SHA1],
    ['SHA-256', pkcs11js.CKM_SHA256, pkcs11js.CKG_MGF1_SHA256],
  ])('passes an AES-256 ephemeral and OAEP with %s, MGF1 to match and an empty label', (_name, hash, mgf) => {
    const encoded = nativeHelper.encodeParams(256, hash, mgf);
    expect(encoded.params).toEqual(Buffer.concat([ulong(256), ulong(0)]));
    expect(encoded.pointsToOaep).toBe(true);
    const CKZ_DATA_SPECIFIED = 1;
    expect(encoded.oaep).toEqual(
      Buffer.concat([ulong(hash), ulong(mgf), ulong(CKZ_DATA_SPECIFIED), ulong(0), ulong(0)]),
    );
  });

  it('refuses what is not a number or a handle, before calling any module', () => {
    expect(() => nativeHelper.encodeParams(-1, 0, 0)).toThrow(TypeError);
    expect(() => nativeHelper.encodeParams(256.5, 0, 0)).toThrow(TypeError);
    const handle = Buffer.alloc(8);
    expect(() =>
      nativeHelper.wrapKey('/usr/lib/softhsm/libsofthsm2.so', Buffer.alloc(4), 256, 0, 0, handle, handle),
    ).toThrow(TypeError);
  });
});
