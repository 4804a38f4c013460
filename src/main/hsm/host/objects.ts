/** Finding and reading token objects within a session. */
import { createHash, createPublicKey } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import type { SecurityAttributes } from '../../../shared/keys';
import { coordinateBytes, curveOfParams, type Template } from './templates';

type Handle = Buffer;
type Lib = pkcs11js.PKCS11;

export function findObjects(lib: Lib, session: Handle, template: Template): Handle[] {
  lib.C_FindObjectsInit(session, template);
  try {
    const found: Handle[] = [];
    for (let batch = lib.C_FindObjects(session, 64); batch.length > 0; batch = lib.C_FindObjects(session, 64))
      found.push(...batch);
    return found;
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

export function readAttributes(lib: Lib, session: Handle, object: Handle, types: number[]): Map<number, Buffer> {
  const values = lib.C_GetAttributeValue(
    session,
    object,
    types.map((type) => ({ type })),
  );
  return new Map(values.map((a) => [a.type, a.value]));
}

const booleanAttributes: Record<keyof SecurityAttributes, number> = {
  token: pkcs11js.CKA_TOKEN,
  private: pkcs11js.CKA_PRIVATE,
  sensitive: pkcs11js.CKA_SENSITIVE,
  extractable: pkcs11js.CKA_EXTRACTABLE,
  wrapWithTrusted: pkcs11js.CKA_WRAP_WITH_TRUSTED,
  modifiable: pkcs11js.CKA_MODIFIABLE,
  copyable: pkcs11js.CKA_COPYABLE,
  encrypt: pkcs11js.CKA_ENCRYPT,
  decrypt: pkcs11js.CKA_DECRYPT,
  sign: pkcs11js.CKA_SIGN,
  verify: pkcs11js.CKA_VERIFY,
  wrap: pkcs11js.CKA_WRAP,
  unwrap: pkcs11js.CKA_UNWRAP,
  derive: pkcs11js.CKA_DERIVE,
};

/** Reads one boolean attribute at a time: an attribute a class does not have (VERIFY on a private key) reads as false. */
export function readSecurityAttributes(lib: Lib, session: Handle, object: Handle): SecurityAttributes {
  const result = {} as SecurityAttributes;
  for (const [name, type] of Object.entries(booleanAttributes) as [keyof SecurityAttributes, number][]) {
    try {
      const value = readAttributes(lib, session, object, [type]).get(type);
      result[name] = value !== undefined && value.length > 0 && value[0] !== 0;
    } catch {
      result[name] = false;
    }
  }
  return result;
}

/**
 * A key's CKA_CHECK_VALUE as the token reports it; undefined where it reports none, empty or missing
 * altogether (NSS's softoken: CKR_ATTRIBUTE_TYPE_INVALID). Any other refusal is the token's.
 */
export function reportedCheckValue(lib: Lib, session: Handle, key: Handle): Buffer | undefined {
  let value: Buffer | undefined;
  try {
    value = readAttributes(lib, session, key, [pkcs11js.CKA_CHECK_VALUE]).get(pkcs11js.CKA_CHECK_VALUE);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('CKR_ATTRIBUTE_TYPE_INVALID')) return undefined;
    throw error;
  }
  return value && value.length > 0 ? value : undefined;
}

/** The booleans a template asked for, by attribute number. */
export function requestedBooleans(template: Template): Map<number, boolean> {
  return new Map(template.filter((a) => typeof a.value === 'boolean').map((a) => [a.type, a.value as boolean]));
}

export function attributeNumber(name: keyof SecurityAttributes): number {
  return booleanAttributes[name];
}

/** The DER SubjectPublicKeyInfo of an RSA or EC public key object, built by node:crypto from its components. */
/** An RSA public key's SubjectPublicKeyInfo (DER) from its modulus and public exponent. */
export function rsaSpki(modulus: Buffer, exponent: Buffer): Buffer {
  const jwk = { kty: 'RSA', n: modulus.toString('base64url'), e: exponent.toString('base64url') };
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
}

export function publicKeySpki(lib: Lib, session: Handle, publicKey: Handle): Buffer {
  const keyType = readAttributes(lib, session, publicKey, [pkcs11js.CKA_KEY_TYPE])
    .get(pkcs11js.CKA_KEY_TYPE)
    ?.readUIntLE(0, 4);
  if (keyType === pkcs11js.CKK_RSA) {
    const a = readAttributes(lib, session, publicKey, [pkcs11js.CKA_MODULUS, pkcs11js.CKA_PUBLIC_EXPONENT]);
    return rsaSpki(
      a.get(pkcs11js.CKA_MODULUS) ?? Buffer.alloc(0),
      a.get(pkcs11js.CKA_PUBLIC_EXPONENT) ?? Buffer.alloc(0),
    );
  }
  if (keyType === pkcs11js.CKK_EC) {
    const a = readAttributes(lib, session, publicKey, [pkcs11js.CKA_EC_PARAMS, pkcs11js.CKA_EC_POINT]);
    const params = a.get(pkcs11js.CKA_EC_PARAMS);
    const crv = curveOfParams(params);
    const point = unwrapOctetString(a.get(pkcs11js.CKA_EC_POINT) ?? Buffer.alloc(0));
    const size = crv ? coordinateBytes[crv] : 0;
    if (!crv || point[0] !== 0x04 || point.length !== 1 + 2 * size) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        'The token returned an EC public key Keyward cannot read (unknown curve or point format).',
        'Use keys on P-256, P-384, P-521 or secp256k1.',
      );
    }
    const jwk = {
      kty: 'EC',
      crv,
      x: point.subarray(1, 1 + size).toString('base64url'),
      y: point.subarray(1 + size).toString('base64url'),
    };
    return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  }
  throw new KeywardError(
    'HSM_KEY_REJECTED',
    `The public key has a key type (${String(keyType)}) Keyward does not handle.`,
    'Use RSA or EC keys.',
  );
}

/** CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 v2.40); some tokens return the bare point. */
function unwrapOctetString(value: Buffer): Buffer {
  if (value[0] !== 0x04) return value;
  const short = value[1] ?? 0;
  if (short < 0x80 && short === value.length - 2) return value.subarray(2);
  if (short === 0x81 && value[2] === value.length - 3) return value.subarray(3);
  return value;
}

export const spkiCheckValue = (spki: Buffer): string => spkiFingerprint(spki).slice(0, 6);

/** A key pair's fingerprint: the SHA-256 of its public key (DER SubjectPublicKeyInfo), hex, as officers compare it. */
export const spkiFingerprint = (spki: Buffer): string => createHash('sha256').update(spki).digest('hex');
