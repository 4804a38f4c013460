/**
 * What every provider module uses: refusals in the officers' words, the checks of fields and deadlines,
 * the sizes a wrapped key must have, and what RSA-OAEP can carry.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import { hexGroups } from '../../shared/fingerprint';
import { cmkShapes, secretBytesOf, type CmkSpec } from '../../shared/keys';
import {
  providerNames,
  wrapMethods,
  type ProviderId,
  type ProviderImport,
  type WrapAlgorithm,
} from '../../shared/providers';
import type { ImportFields, PayloadFile } from './profile';
import type { ParsedWrappingKey } from './wrapping-key-file';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** `field`: the plan's value it is about (fields.keyId, files.wrappingKey), where one is. */
export function refuse(provider: ProviderId, why: string, nextStep: string, field?: string): KeywardError {
  return new KeywardError(
    'INVALID_REQUEST',
    `The ${providerNames[provider]} import parameters were refused: ${why}.`,
    nextStep,
    field,
  );
}

/** A field the provider's console shows, checked against its format. */
export function field(
  provider: ProviderId,
  fields: ImportFields,
  name: string,
  pattern: RegExp,
  example: string,
): string {
  const value = fields[name]?.trim();
  if (!value)
    throw refuse(
      provider,
      `${name} is missing`,
      `Copy ${name} from the provider's console (for example ${example}).`,
      `fields.${name}`,
    );
  if (!pattern.test(value) || value.length > 512)
    throw refuse(
      provider,
      `${name} "${value.slice(0, 80)}" is not in the provider's format`,
      `Copy ${name} exactly (for example ${example}).`,
      `fields.${name}`,
    );
  return value;
}

/** One of the values a field allows; the first when the field is left empty. */
export function choice<T extends string>(
  provider: ProviderId,
  fields: ImportFields,
  name: string,
  allowed: readonly T[],
): T {
  const value = fields[name]?.trim() || allowed[0];
  const found = allowed.find((a) => a === value);
  if (!found)
    throw refuse(
      provider,
      `${name} "${String(value).slice(0, 80)}" is not one it allows`,
      `Choose one of ${allowed.join(', ')}.`,
      `fields.${name}`,
    );
  return found;
}

/** A time given as ISO 8601, or as epoch seconds (AWS's API output). */
function timeOf(provider: ProviderId, value: string | number, what: string, field?: string): Date {
  const time =
    typeof value === 'number' || /^\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  if (Number.isNaN(time.getTime()))
    throw refuse(
      provider,
      `${what} "${String(value)}" is not a time`,
      'Give it as an ISO 8601 time, e.g. 2026-11-24T10:00:00Z.',
      field,
    );
  return time;
}

/** The provider's import deadline: null when it gives none; refused once passed. */
export function deadline(
  provider: ProviderId,
  value: string | number | undefined,
  required: boolean,
  now: Date,
  /** The plan value it came from (fields.expireTime), for the form to show the refusal there. */
  field?: string,
): string | null {
  if (value === undefined || value === '') {
    if (required)
      throw refuse(
        provider,
        'the import deadline (expiry time) is missing',
        "Copy the expiry time from the provider's console.",
        field,
      );
    return null;
  }
  const time = timeOf(provider, value, 'the deadline', field);
  if (time.getTime() <= now.getTime())
    throw refuse(
      provider,
      `the import window closed at ${time.toISOString()}`,
      'Download new import parameters (wrapping key and, for AWS, import token) from the provider.',
      field,
    );
  return time.toISOString();
}

/** A time the officers choose (e.g. when imported key material expires): after now, and at most `maxDays` ahead. */
export function chosenTime(
  provider: ProviderId,
  value: string,
  what: string,
  now: Date,
  maxDays: number,
  rule: string,
): string {
  const time = timeOf(provider, value, what);
  const days = (time.getTime() - now.getTime()) / 86_400_000;
  if (days <= 0 || days > maxDays)
    throw refuse(
      provider,
      `${what} ${time.toISOString()} is ${days <= 0 ? 'not in the future' : `${Math.floor(days)} days ahead`}; ${rule}`,
      `Choose a time within the next ${maxDays} days.`,
    );
  return time.toISOString();
}

/** The import parameters every provider has: the wrapping key (checked), and the SHA-256 of the file it came from. */
export function importOf(
  provider: ProviderId,
  key: ParsedWrappingKey,
  source: Uint8Array,
  rest: Omit<
    ProviderImport,
    'provider' | 'wrappingKeySpki' | 'wrappingKeyFingerprint' | 'modulusBits' | 'sourceSha256'
  >,
): ProviderImport {
  return {
    provider,
    wrappingKeySpki: key.spki,
    wrappingKeyFingerprint: key.fingerprint,
    modulusBits: key.modulusBits,
    sourceSha256: sha256(source),
    ...rest,
  };
}

export function modulus(provider: ProviderId, key: ParsedWrappingKey, allowed: number[]): void {
  if (!allowed.includes(key.modulusBits)) {
    throw refuse(
      provider,
      `its wrapping key is RSA-${key.modulusBits}, but it must be RSA-${allowed.join(', RSA-')}`,
      'Check that you downloaded the wrapping key for this import.',
    );
  }
}

/** Octets of a hash's output, for OAEP's overhead. */
const hashBytes = { sha1: 20, sha256: 32, sha512: 64 } as const;

/**
 * The largest PKCS#8 an EC private key of each curve takes (with its public key, as most tokens write it):
 * what RSA-OAEP must carry in one block.
 */
const ecPkcs8Bytes = { 'P-256': 138, 'P-384': 185, 'P-521': 241, secp256k1: 135 } as const;

/**
 * Why RSA-OAEP cannot carry this key in one block (RFC 8017: at most k - 2 hLen - 2 octets), or undefined:
 * an RSA private key never fits; an EC key fits unless the wrapping key is small (P-521 under RSA-2048).
 */
export function oaepCapacity(spec: CmkSpec, algorithm: WrapAlgorithm, modulusBits: number): string | undefined {
  const { kind, hash } = wrapMethods[algorithm];
  if (kind !== 'oaep') return undefined;
  const shape = cmkShapes[spec];
  const capacity = modulusBits / 8 - 2 * hashBytes[hash] - 2;
  const size = shape.kind === 'rsa' ? undefined : shape.kind === 'ec' ? ecPkcs8Bytes[shape.curve] : shape.bytes;
  if (size === undefined) return `an ${spec} private key is too large for RSA-OAEP; it needs an RSA-AES key wrap`;
  if (size > capacity)
    return `an ${spec} private key (up to ${size} octets as PKCS#8) is more than RSA-OAEP under RSA-${modulusBits} carries (${capacity} octets)`;
  return undefined;
}

/** Expected bytes of the wrapped key: RSA part = modulus length, then 8*ceil(n/8)+8 bytes of KWP for RSA-AES. */
export function wrappedProblems(
  algorithm: WrapAlgorithm,
  modulusBits: number,
  spec: CmkSpec,
  wrapped: Buffer,
): string[] {
  const rsaBytes = modulusBits / 8;
  if (wrapMethods[algorithm].kind === 'oaep')
    return wrapped.length === rsaBytes
      ? []
      : [`the wrapped key is ${wrapped.length} bytes; RSA-OAEP under RSA-${modulusBits} gives ${rsaBytes}`];
  if (wrapped.length <= rsaBytes + 8)
    return [`the wrapped key is ${wrapped.length} bytes, too short for RSA-AES under RSA-${modulusBits}`];
  const kwp = wrapped.length - rsaBytes;
  if (kwp % 8 !== 0) return [`its AES-KWP part is ${kwp} bytes, not a multiple of 8`];
  const secretBytes = secretBytesOf(spec);
  if (secretBytes !== undefined && kwp !== 8 * Math.ceil(secretBytes / 8) + 8)
    return [`its AES-KWP part is ${kwp} bytes; an ${spec} key gives ${8 * Math.ceil(secretBytes / 8) + 8}`];
  return [];
}

/** A payload file's text as base64, decoded; undefined when missing or not base64. */
export function base64File(files: Map<string, Buffer>, name: string): Buffer | undefined {
  const text = files.get(name)?.toString('utf8').trim();
  return text !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** The problems of a wrapped key read from a payload file, each naming the file. */
export function wrappedFileProblems(
  terms: { algorithm: WrapAlgorithm; modulusBits: number },
  spec: CmkSpec,
  wrapped: Buffer | undefined,
  name: string,
): string[] {
  return wrapped
    ? wrappedProblems(terms.algorithm, terms.modulusBits, spec, wrapped).map((p) => `${name}: ${p}`)
    : [`${name} is missing or unreadable`];
}

/** A key type the provider does not take, in words. */
export function keyTypeRefusal(
  provider: ProviderId,
  keyTypes: Partial<Record<CmkSpec, string>>,
  spec: CmkSpec,
  rule: string,
): string | undefined {
  if (keyTypes[spec]) return undefined;
  return `${providerNames[provider]} does not import ${spec} keys (${rule}; it takes ${Object.keys(keyTypes).join(', ')})`;
}

export const publicKeyFileName = 'public-key.pem';

/** RSA and EC keys: their public key beside the payload, for the check after upload. */
export function publicKeyFile(spki: Buffer | undefined): PayloadFile[] {
  if (!spki) return [];
  const pem = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' });
  return [{ name: publicKeyFileName, bytes: Buffer.from(pem) }];
}

/** The public key file's problems: present for a key pair, and the key the check value names. */
export function publicKeyProblems(spec: CmkSpec, kcv: string, files: Map<string, Buffer>): string[] {
  if (secretBytesOf(spec) !== undefined) return [];
  const pem = files.get(publicKeyFileName);
  if (!pem) return [`${publicKeyFileName} is missing: a ${spec} key's bundle carries its public key`];
  try {
    const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
    return sha256(spki).startsWith(kcv)
      ? []
      : [
          `${publicKeyFileName} is not the public key of the key the manifest names (its check value is ${kcv.toUpperCase()})`,
        ];
  } catch {
    return [`${publicKeyFileName} is not a public key`];
  }
}

/** The SHA-256 of a key pair's public key, grouped, for the uploader to compare. */
export const publicKeyFingerprintLines = (spki: Buffer): string[] => [
  `SHA-256 of the public key (DER SubjectPublicKeyInfo), as in ${publicKeyFileName}:`,
  `  ${sha256(spki)}`,
  `  (${hexGroups(sha256(spki))})`,
];

/**
 * The check of an AES key at a provider that encrypts with it raw: AES-CBC of one zero block under a zero
 * IV is AES-ECB of the zero block, whose first 3 octets are the key check value Keyward recorded.
 */
export const zeroBlockNote = (kcv: string): string =>
  `The first 3 octets (6 hex digits) of the result must be ${kcv.toUpperCase()}, the key check value Keyward recorded: AES-CBC of one zero block under a zero IV is the AES-ECB of that block, from which the check value is taken.`;
