/**
 * The published test keys as session objects, for the known answers of wraps (RSA-OAEP in probe.ts, the
 * token's own RSA-AES key wrap in native-rsa-aes.ts): the test RSA-2048 public key to wrap under, and the
 * published AES-256 test value to wrap (src/main/bundles/self-test-vectors.ts). Public session objects,
 * usable without a login and gone with the session at the latest; `destroy` removes them at once.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { testKeyOf, testWrappingKey } from '../../bundles/self-test-vectors';
import { curveParams } from './templates';

type Handle = Buffer;

export interface PublishedTestKeys {
  wrappingKey: Handle;
  testKey: Handle;
  /** The private half of the wrapping key, which opens the wraps in software. */
  privateKey: KeyObject;
  /** The value of the test key, which a wrap must open to. */
  secret: Buffer;
  destroy(): void;
}

/** The published EC P-256 test key as a public session private key (extractable, as a CMK is): what a token's RSA-OAEP of a private key is tried on. */
export function publishedEcTestKey(
  lib: Pick<pkcs11js.PKCS11, 'C_CreateObject'>,
  session: Handle,
): { handle: Handle; privateKey: KeyObject } {
  const known = testKeyOf('EC_P256');
  if (!('privateKey' in known)) throw new Error('the published EC test key is missing');
  const jwk = known.privateKey.export({ format: 'jwk' });
  const handle = lib.C_CreateObject(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
    { type: pkcs11js.CKA_TOKEN, value: false }, // gone with the session
    { type: pkcs11js.CKA_PRIVATE, value: false }, // usable without a login
    { type: pkcs11js.CKA_SENSITIVE, value: true }, // as a CMK: never read in clear...
    { type: pkcs11js.CKA_EXTRACTABLE, value: true }, // ...it leaves only wrapped
    { type: pkcs11js.CKA_EC_PARAMS, value: curveParams['P-256'] },
    { type: pkcs11js.CKA_VALUE, value: Buffer.from(jwk.d ?? '', 'base64url') },
  ]);
  return { handle, privateKey: known.privateKey };
}

export function publishedTestKeys(
  lib: Pick<pkcs11js.PKCS11, 'C_CreateObject' | 'C_DestroyObject'>,
  session: Handle,
): PublishedTestKeys {
  const privateKey = testWrappingKey(2048);
  const known = testKeyOf('AES_256');
  if (!privateKey || !('secret' in known)) throw new Error('the published test keys are missing');
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const sessionObject: pkcs11js.Template = [
    { type: pkcs11js.CKA_TOKEN, value: false }, // gone with the session at the latest
    { type: pkcs11js.CKA_PRIVATE, value: false }, // usable without a login
  ];
  const made: Handle[] = [];
  const destroy = () => {
    for (const handle of made.splice(0)) {
      try {
        lib.C_DestroyObject(session, handle);
      } catch {
        // A session object goes with its session anyway.
      }
    }
  };
  try {
    const wrappingKey = lib.C_CreateObject(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      ...sessionObject,
      { type: pkcs11js.CKA_WRAP, value: true },
      { type: pkcs11js.CKA_MODULUS, value: Buffer.from(jwk.n ?? '', 'base64url') },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from(jwk.e ?? '', 'base64url') },
    ]);
    made.push(wrappingKey);
    const testKey = lib.C_CreateObject(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      ...sessionObject,
      { type: pkcs11js.CKA_EXTRACTABLE, value: true }, // it is what the known answers wrap
      { type: pkcs11js.CKA_VALUE, value: Buffer.from(known.secret) },
    ]);
    made.push(testKey);
    return { wrappingKey, testKey, privateKey, secret: known.secret, destroy };
  } catch (error) {
    destroy();
    throw error;
  }
}
