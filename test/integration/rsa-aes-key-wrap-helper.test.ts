/**
 * The CKM_RSA_AES_KEY_WRAP helper calls the module pkcs11js loaded, on pkcs11js's own session and key
 * handles, and never loads a module itself. No implementation here offers the mechanism, so the module's
 * answer is CKR_MECHANISM_INVALID (0x70): it reached C_WrapKey with handles it knew (an unknown session
 * would be CKR_SESSION_HANDLE_INVALID, an unknown key CKR_KEY_HANDLE_INVALID or CKR_WRAPPING_KEY_HANDLE_INVALID).
 * The probe then says why the token's own mechanism is not used, and RSA-AES is composed in the token.
 */
import nativeHelper from 'keyward-rsa-aes-key-wrap';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Module } from '../../src/main/hsm/host/module';
import { probe } from '../../src/main/hsm/host/probe';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';

let tokens: TestTokens;
let module: Pkcs11Module;
const savedConf = process.env.SOFTHSM2_CONF;

beforeAll(() => {
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Helper', '4321', 'so-4321');
  process.env.SOFTHSM2_CONF = tokens.conf;
  module = Pkcs11Module.open(softhsmModule);
});
afterAll(() => {
  module.close();
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
  tokens.cleanup();
});

const codeOf = (work: () => unknown): string => {
  try {
    work();
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'none';
};

describe('the helper on a module pkcs11js loaded', () => {
  it('reaches C_WrapKey with pkcs11js’s session and key handles', () => {
    const { lib } = module;
    const slot = module.findToken('pkcs11:token=Helper').slot;
    const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      const key = lib.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_PRIVATE, value: false }, // no login in this test
        { type: pkcs11js.CKA_EXTRACTABLE, value: true },
      ]);
      const pair = lib.C_GenerateKeyPair(
        session,
        { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          { type: pkcs11js.CKA_TOKEN, value: false },
          { type: pkcs11js.CKA_WRAP, value: true },
          { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        ],
        [
          { type: pkcs11js.CKA_TOKEN, value: false },
          { type: pkcs11js.CKA_PRIVATE, value: false },
        ],
      );
      const wrap = (sessionHandle: Buffer, wrappingKey: Buffer) => () =>
        nativeHelper.wrapKey(
          softhsmModule,
          sessionHandle,
          256,
          pkcs11js.CKM_SHA_1,
          pkcs11js.CKG_MGF1_SHA1,
          wrappingKey,
          key,
        );
      expect(codeOf(wrap(session, pair.publicKey))).toBe('0x00000070'); // CKR_MECHANISM_INVALID
      const unknown = Buffer.alloc(8, 0x7f);
      expect(codeOf(wrap(unknown, pair.publicKey))).toBe('0x000000b3'); // CKR_SESSION_HANDLE_INVALID
    } finally {
      lib.C_CloseSession(session);
    }
  });

  it('never loads a module of its own', () => {
    const handle = Buffer.alloc(8);
    expect(
      codeOf(() =>
        nativeHelper.wrapKey('/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so', handle, 256, 0, 0, handle, handle),
      ),
    ).toBe('NOT_LOADED');
  });

  it('the probe says why the token’s own mechanism is not used, and composes RSA-AES in the token', () => {
    const capabilities = probe(module, 'pkcs11:token=Helper');
    expect(capabilities.wrapping.rsaAesKeyWrapNative).toBe(false);
    expect(capabilities.missing.rsaAesKeyWrapNative).toBe('the token does not offer CKM_RSA_AES_KEY_WRAP');
    expect(capabilities.wrapping.rsaAesKeyWrapComposed).toBe(true);
  });
});
