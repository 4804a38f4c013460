/**
 * Key check values computed inside the token, for tokens that leave CKA_CHECK_VALUE empty. The key's
 * wrapped form is unwrapped once more into a probe: a session key that may only encrypt the zero block
 * (AES) or be digested (HMAC), never readable or extractable, destroyed at once. The key itself keeps
 * every protection, and its value never reaches this process.
 */
import pkcs11js from 'pkcs11js';
import type { Pkcs11Module } from './module';
import { kwpOf } from './rfc5649';
import type { TokenSession } from './sessions';

type Handle = Buffer;

/**
 * AES: the first 3 bytes of AES-ECB over a zero block; HMAC (generic secret): of SHA-1 over the key. The
 * probe's template meets the CKA_UNWRAP_TEMPLATE of every key it is unwrapped with (the key-check key, a
 * backup KEK): SoftHSM refuses an unwrap whose template omits or contradicts one of its attributes.
 */
export function checkValueOfWrapped(
  module: Pkcs11Module,
  session: TokenSession,
  mechanism: pkcs11js.Mechanism,
  unwrappingKey: Handle,
  wrapped: Buffer,
  aes: boolean,
): string {
  const lib = module.lib;
  return module.guard(session.where, () => {
    const probe = lib.C_UnwrapKey(session.handle, mechanism, unwrappingKey, wrapped, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: aes ? pkcs11js.CKK_AES : pkcs11js.CKK_GENERIC_SECRET },
      { type: pkcs11js.CKA_TOKEN, value: false }, // a session object, destroyed below
      { type: pkcs11js.CKA_PRIVATE, value: true }, // only this login sees it
      { type: pkcs11js.CKA_SENSITIVE, value: true }, // its value is never readable
      { type: pkcs11js.CKA_EXTRACTABLE, value: false }, // and never leaves the token
      { type: pkcs11js.CKA_WRAP_WITH_TRUSTED, value: true }, // asked for by a backup KEK's unwrap template (wrapping.ts)
      { type: pkcs11js.CKA_ENCRYPT, value: aes }, // its one use: encrypting the zero block
      // No other use; the unwrap templates of the check key and of a restore KEK ask for these too.
      { type: pkcs11js.CKA_DECRYPT, value: false },
      { type: pkcs11js.CKA_SIGN, value: false },
      { type: pkcs11js.CKA_VERIFY, value: false },
      { type: pkcs11js.CKA_WRAP, value: false },
      { type: pkcs11js.CKA_UNWRAP, value: false },
      { type: pkcs11js.CKA_DERIVE, value: false },
    ]);
    try {
      if (aes) {
        lib.C_EncryptInit(session.handle, { mechanism: pkcs11js.CKM_AES_ECB }, probe);
        return lib.C_Encrypt(session.handle, Buffer.alloc(16), Buffer.alloc(16)).subarray(0, 3).toString('hex');
      }
      lib.C_DigestInit(session.handle, { mechanism: pkcs11js.CKM_SHA_1 });
      lib.C_DigestKey(session.handle, probe);
      return lib.C_DigestFinal(session.handle, Buffer.alloc(20)).subarray(0, 3).toString('hex');
    } finally {
      lib.C_DestroyObject(session.handle, probe);
    }
  });
}

/** The check value of a key on the token: wrapped under the SO-prepared trusted check key, then probed. */
export function checkValueByWrapping(
  module: Pkcs11Module,
  session: TokenSession,
  checkKey: Handle,
  target: Handle,
  aes: boolean,
): string {
  const kwp = kwpOf(module, session, 'a key check value computed in the token');
  const wrapped = module.guard(session.where, () =>
    module.lib.C_WrapKey(session.handle, kwp, checkKey, target, Buffer.alloc(1024)),
  );
  return checkValueOfWrapped(module, session, kwp, checkKey, wrapped, aes);
}
