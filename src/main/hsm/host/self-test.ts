/**
 * The known-answer self-test run before every export: the same wrap functions the export uses wrap a
 * published test key of the CMK's own type and size (created in the token as a session object from the
 * value the caller gives), under the published test RSA key of the provider key's size; the caller opens
 * the result in software and compares it with the test key, byte for byte (src/main/bundles/self-test.ts).
 * Only session objects are used, all destroyed.
 */
import { createPublicKey } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import type { OaepHash, RsaAesWrapped } from '../../../shared/keys';
import type { SelfTestKey } from '../protocol';
import type { Keys } from './keys';
import type { Pkcs11Module } from './module';
import { nativeRsaAes, nativeRsaAesOf } from './native-rsa-aes';
import type { Sessions } from './sessions';
import { curveParams } from './templates';
import { composedRsaAes, modulusBytesOf, oaepWrap } from './wrapping';

type Handle = Buffer;

const testObject: pkcs11js.Template = [
  { type: pkcs11js.CKA_TOKEN, value: false }, // a session object, destroyed below
  { type: pkcs11js.CKA_PRIVATE, value: true },
  { type: pkcs11js.CKA_SENSITIVE, value: true }, // as a CMK: never read in clear...
  { type: pkcs11js.CKA_EXTRACTABLE, value: true }, // ...it leaves only wrapped
];

const b64 = (text: string): Buffer => Buffer.from(text, 'base64url');

/** The test key as the token's object: a secret key, or an RSA or EC private key. */
function testKeyTemplate(key: SelfTestKey): pkcs11js.Template {
  if ('secret' in key)
    return [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: key.aes ? pkcs11js.CKK_AES : pkcs11js.CKK_GENERIC_SECRET },
      { type: pkcs11js.CKA_VALUE, value: Buffer.from(key.secret) },
      ...testObject,
    ];
  if ('rsa' in key)
    return [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_MODULUS, value: b64(key.rsa.n) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: b64(key.rsa.e) },
      { type: pkcs11js.CKA_PRIVATE_EXPONENT, value: b64(key.rsa.d) },
      { type: pkcs11js.CKA_PRIME_1, value: b64(key.rsa.p) },
      { type: pkcs11js.CKA_PRIME_2, value: b64(key.rsa.q) },
      { type: pkcs11js.CKA_EXPONENT_1, value: b64(key.rsa.dp) },
      { type: pkcs11js.CKA_EXPONENT_2, value: b64(key.rsa.dq) },
      { type: pkcs11js.CKA_COEFFICIENT, value: b64(key.rsa.qi) },
      ...testObject,
    ];
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
    { type: pkcs11js.CKA_EC_PARAMS, value: curveParams[key.ec.crv] },
    { type: pkcs11js.CKA_VALUE, value: b64(key.ec.d) },
    ...testObject,
  ];
}

export function selfTestWrap(
  module: Pkcs11Module,
  sessions: Sessions,
  keys: Keys,
  uri: string,
  kind: 'oaep' | 'rsa-aes',
  hash: OaepHash,
  spki: Uint8Array,
  key: SelfTestKey,
): { wrapped: Uint8Array } {
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
    const testKey = make(() => lib.C_CreateObject(session.handle, testKeyTemplate(key)));
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
    if (kind === 'oaep') return { wrapped: oaepWrap(module, session, wrappingKey, testKey, hash) };
    // The same wrap the export makes: the token's own mechanism where it was proven, else composed.
    if (nativeRsaAesOf(module, session).use)
      return {
        wrapped: nativeRsaAes(module, session, wrappingKey, testKey, hash, modulusBytesOf(module, session, wrappingKey))
          .wrapped,
      };
    const ephemeral = make(() =>
      lib.C_GenerateKey(session.handle, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        ...testObject,
        { type: pkcs11js.CKA_WRAP, value: true }, // it wraps the test key under AES-KWP
        { type: pkcs11js.CKA_ENCRYPT, value: false },
        { type: pkcs11js.CKA_DECRYPT, value: false },
      ]),
    );
    const result: RsaAesWrapped = composedRsaAes(module, session, wrappingKey, testKey, ephemeral, hash);
    return { wrapped: result.wrapped };
  } finally {
    keys.destroyHandles(session, created);
  }
}
