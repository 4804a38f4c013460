/**
 * The known-answer self-test run before every export: the same wrap functions the export uses wrap a
 * throw-away test key, in the token, under a throw-away RSA key the caller made in software; the caller
 * unwraps it in software and compares check values. Only session objects are used, all destroyed.
 */
import { createPublicKey } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import type { OaepHash, RsaAesWrapped } from '../../../shared/keys';
import type { Keys } from './keys';
import type { Pkcs11Module } from './module';
import type { Sessions } from './sessions';
import { composedRsaAes, oaepWrap } from './wrapping';

type Handle = Buffer;

const sessionAes = (extra: pkcs11js.Template): pkcs11js.Template => [
  { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
  { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
  { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
  { type: pkcs11js.CKA_TOKEN, value: false }, // a session object, destroyed below
  { type: pkcs11js.CKA_PRIVATE, value: true },
  { type: pkcs11js.CKA_SENSITIVE, value: true }, // even a test key is never read in clear
  { type: pkcs11js.CKA_EXTRACTABLE, value: true }, // it leaves only wrapped
  { type: pkcs11js.CKA_ENCRYPT, value: false },
  { type: pkcs11js.CKA_DECRYPT, value: false },
  ...extra,
];

export function selfTestWrap(
  module: Pkcs11Module,
  sessions: Sessions,
  keys: Keys,
  uri: string,
  kind: 'oaep' | 'rsa-aes',
  hash: OaepHash,
  spki: Uint8Array,
): { wrapped: Uint8Array; kcv: string } {
  const session = sessions.require(uri, 'user');
  const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  const lib = module.lib;
  const created: Handle[] = [];
  const make = (create: () => Handle): Handle => {
    const handle = module.guard(session.where, create);
    created.push(handle);
    return handle;
  };
  try {
    const testKey = make(() =>
      lib.C_GenerateKey(session.handle, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, sessionAes([])),
    );
    const wrappingKey = make(() =>
      lib.C_CreateObject(session.handle, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
        { type: pkcs11js.CKA_TOKEN, value: false }, // a session object, destroyed below
        { type: pkcs11js.CKA_WRAP, value: true }, // its only use
        { type: pkcs11js.CKA_ENCRYPT, value: false },
        { type: pkcs11js.CKA_VERIFY, value: false },
        { type: pkcs11js.CKA_MODULUS, value: Buffer.from(jwk.n ?? '', 'base64url') },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from(jwk.e ?? '', 'base64url') },
      ]),
    );
    const kcv = keys.checkValue(session, testKey);
    if (kind === 'oaep') return { wrapped: oaepWrap(module, session, wrappingKey, testKey, hash), kcv };
    const ephemeral = make(() =>
      lib.C_GenerateKey(
        session.handle,
        { mechanism: pkcs11js.CKM_AES_KEY_GEN },
        sessionAes([{ type: pkcs11js.CKA_WRAP, value: true }]),
      ),
    );
    const result: RsaAesWrapped = composedRsaAes(module, session, wrappingKey, testKey, ephemeral, hash);
    return { wrapped: result.wrapped, kcv };
  } finally {
    keys.destroyHandles(session, created);
  }
}
