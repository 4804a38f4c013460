/** Key material Keyward manages inside the HSM, described without ever holding it. */

/** What a CMK can be: AES-256 by default; the others for providers that import such keys. */
export const cmkSpecs = [
  'AES_256',
  'AES_192',
  'AES_128',
  'HMAC_SHA224',
  'HMAC_SHA256',
  'HMAC_SHA384',
  'HMAC_SHA512',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'EC_P256',
  'EC_P384',
  'EC_P521',
  'EC_SECP256K1',
] as const;
export type CmkSpec = (typeof cmkSpecs)[number];

export const ecCurves = ['P-256', 'P-384', 'P-521', 'secp256k1'] as const;
export type EcCurve = (typeof ecCurves)[number];

/** A JWK's crv (node:crypto names the four curves as JOSE does), checked. */
export function curveOfJwk(crv: string | undefined): EcCurve {
  const curve = ecCurves.find((c) => c === crv);
  if (!curve) throw new Error(`the EC key is on ${crv ?? 'no named curve'}, which Keyward does not handle`);
  return curve;
}

/** What a key type is made of: the one place that says how long a secret is, or which curve a key pair is on. */
export type CmkShape =
  | { kind: 'aes'; bytes: 16 | 24 | 32 }
  /** A generic secret for HMAC: as long as the hash's output, as AWS KMS and Google Cloud KMS make them. */
  | { kind: 'hmac'; bytes: 28 | 32 | 48 | 64; hash: 'sha224' | 'sha256' | 'sha384' | 'sha512' }
  | { kind: 'rsa'; bits: 2048 | 3072 | 4096 }
  | { kind: 'ec'; curve: EcCurve; bits: 256 | 384 | 521 };

export const cmkShapes: Record<CmkSpec, CmkShape> = {
  AES_128: { kind: 'aes', bytes: 16 },
  AES_192: { kind: 'aes', bytes: 24 },
  AES_256: { kind: 'aes', bytes: 32 },
  HMAC_SHA224: { kind: 'hmac', bytes: 28, hash: 'sha224' },
  HMAC_SHA256: { kind: 'hmac', bytes: 32, hash: 'sha256' },
  HMAC_SHA384: { kind: 'hmac', bytes: 48, hash: 'sha384' },
  HMAC_SHA512: { kind: 'hmac', bytes: 64, hash: 'sha512' },
  RSA_2048: { kind: 'rsa', bits: 2048 },
  RSA_3072: { kind: 'rsa', bits: 3072 },
  RSA_4096: { kind: 'rsa', bits: 4096 },
  EC_P256: { kind: 'ec', curve: 'P-256', bits: 256 },
  EC_P384: { kind: 'ec', curve: 'P-384', bits: 384 },
  EC_P521: { kind: 'ec', curve: 'P-521', bits: 521 },
  EC_SECP256K1: { kind: 'ec', curve: 'secp256k1', bits: 256 },
};

/** A secret key's length in bytes (AES, HMAC), or undefined for a key pair. */
export function secretBytesOf(spec: CmkSpec): number | undefined {
  const shape = cmkShapes[spec];
  return shape.kind === 'aes' || shape.kind === 'hmac' ? shape.bytes : undefined;
}

export const isSecretSpec = (spec: CmkSpec): boolean => secretBytesOf(spec) !== undefined;
export const isAesSpec = (spec: CmkSpec): boolean => cmkShapes[spec].kind === 'aes';

/** Key types in words, for officers. */
export const cmkSpecWords: Record<CmkSpec, string> = {
  AES_128: 'AES-128',
  AES_192: 'AES-192',
  AES_256: 'AES-256',
  HMAC_SHA224: 'HMAC key for SHA-224 (28 bytes)',
  HMAC_SHA256: 'HMAC key for SHA-256 (32 bytes)',
  HMAC_SHA384: 'HMAC key for SHA-384 (48 bytes)',
  HMAC_SHA512: 'HMAC key for SHA-512 (64 bytes)',
  RSA_2048: 'RSA-2048 key pair',
  RSA_3072: 'RSA-3072 key pair',
  RSA_4096: 'RSA-4096 key pair',
  EC_P256: 'EC key pair on P-256',
  EC_P384: 'EC key pair on P-384',
  EC_P521: 'EC key pair on P-521',
  EC_SECP256K1: 'EC key pair on secp256k1',
};

export const signingKeySpecs = ['RSA_PSS_3072', 'ECDSA_P256', 'ECDSA_P384'] as const;
export type SigningKeySpec = (typeof signingKeySpecs)[number];
export const signingKeySpecWords: Record<SigningKeySpec, string> = {
  RSA_PSS_3072: 'RSA-3072, RSA-PSS signatures',
  ECDSA_P256: 'ECDSA on P-256',
  ECDSA_P384: 'ECDSA on P-384',
};

export type LoginRole = 'user' | 'security-officer';

/** A login's outcome: the role, and PIN-state warnings read right after it (e.g. an earlier wrong entry). */
export interface LoginResult {
  role: LoginRole;
  warnings: string[];
}

/** Security attributes as read back from the token after creation (PKCS#11 CKA_* booleans). */
export interface SecurityAttributes {
  token: boolean;
  private: boolean;
  sensitive: boolean;
  extractable: boolean;
  wrapWithTrusted: boolean;
  modifiable: boolean;
  copyable: boolean;
  encrypt: boolean;
  decrypt: boolean;
  sign: boolean;
  verify: boolean;
  wrap: boolean;
  unwrap: boolean;
  derive: boolean;
}

export interface KeyObject {
  /** CKA_ID, hex: random, from the token's generator. */
  id: string;
  label: string;
  spec: CmkSpec;
  /**
   * Key check value, hex, as PKCS#11 defines CKA_CHECK_VALUE: AES, the first 3 bytes of AES-ECB over a zero
   * block; generic secrets, of SHA-1 over the value. For key pairs: the first 3 bytes of SHA-256(SPKI).
   */
  kcv: string;
  kcvSource: 'CKA_CHECK_VALUE' | 'SHA-256 of public key' | 'computed in the token';
  /** A key pair's fingerprint: the SHA-256 of its public key (DER SubjectPublicKeyInfo), hex; absent for a secret key. */
  publicKeySha256?: string;
  attributes: SecurityAttributes;
  /** Attributes the token would not set as asked, and why Keyward accepted that. */
  notes: string[];
}

export interface SigningKey {
  id: string;
  label: string;
  spec: SigningKeySpec;
  /** DER SubjectPublicKeyInfo. */
  publicKeySpki: Uint8Array;
}

export interface Signature {
  /** Hash applied to the data before the token signed the digest. */
  hash: 'sha256' | 'sha384';
  /** RSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt), or ECDSA as r||s (IEEE P1363). Verified in software before it is returned. */
  scheme: 'rsa-pss' | 'ecdsa-p1363';
  signature: Uint8Array;
}

export interface MechanismCapability {
  name: string;
  minKeySize: number;
  maxKeySize: number;
  /** What the token allows it for (CK_MECHANISM_INFO flags): encrypt, sign, wrap, generate… */
  flags: string[];
}

/** What this token can do for Keyward, from C_GetMechanismList / C_GetMechanismInfo and trial operations. */
/** Whether the token enforces one thing Keyward relies on, proven by attempting what it must refuse. */
export interface EnforcementFinding {
  property: string;
  holds: boolean;
  /** What the token did: its refusal, or that it did what it must not. */
  detail: string;
}

export interface Capabilities {
  mechanisms: MechanismCapability[];
  cmkSpecs: CmkSpec[];
  signingKeySpecs: SigningKeySpec[];
  wrapping: {
    rsaOaepSha1: boolean;
    rsaOaepSha256: boolean;
    /** Salesforce recommends it for tenant secrets. */
    rsaOaepSha512: boolean;
    /** RSA-OAEP of an EC private key's PKCS#8 (AWS and Google take them so), by known answer. */
    oaepPrivateKeys: boolean;
    rsaAesKeyWrapNative: boolean;
    /** Composed in the token: ephemeral AES key, AES-KWP of the target, RSA-OAEP of the ephemeral. */
    rsaAesKeyWrapComposed: boolean;
    /** RFC 5649 (AES key wrap with padding) under some mechanism of the token, found by known answer. */
    aesKeyWrapPad: boolean;
  };
  /**
   * Which mechanism gives RFC 5649 on this token by known answer (null: none); whether for keys of any
   * length, or only of whole 8-octet blocks (AES, HMAC: others are zero-padded first); what each candidate gave.
   */
  rfc5649: { mechanism: string | null; anyLength: boolean; findings: string[] };
  /** What the token enforces of what Keyward relies on; a token failing any holds no CMK outside rehearsal. */
  enforcement: EnforcementFinding[];
  digestKey: boolean;
  /** CKA_CHECK_VALUE reads back a key check value; otherwise Keyward computes it in the token (AES-ECB of a zero block). */
  checkValue: boolean;
  /** Why a capability is missing, in words; keyed by capability. */
  missing: Record<string, string>;
}

/** A provider's RSA wrapping public key, held on the token as a trusted WRAP-only object. */
export interface WrappingKeyInfo {
  id: string;
  label: string;
  modulusBits: number;
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex. */
  fingerprint: string;
}

export type OaepHash = 'sha1' | 'sha256' | 'sha512';

/** RSA-AES key wrap output, as CKM_RSA_AES_KEY_WRAP defines it: RSA-OAEP(ephemeral AES key) || AES-KWP(target). */
export interface RsaAesWrapped {
  wrapped: Uint8Array;
  rsaPartLength: number;
  /** The token's own CKM_RSA_AES_KEY_WRAP (proven by known answer), or composed in the token. */
  method: 'native' | 'composed-in-token';
}

/** A PIN may be split into at most this many parts, one per officer who holds one. */
export const maxPinParts = 8;

/**
 * A token object as Keyward names it when it creates or destroys one: its CKA_ID (hex), its label, and
 * what kind of object it is. Every object a ceremony step creates gets a CKA_ID the engine drew and
 * recorded in the signed plan before the token was touched, so a rollback can find exactly that object.
 */
export type TokenObjectRef = {
  id: string;
  label: string;
  kind: 'secret key' | 'private key' | 'public key' | 'data object' | 'certificate' | 'other';
};

/** A CKA_ID Keyward draws for a new object: 16 random bytes, hex. */
export const objectIdPattern = /^[0-9a-f]{32}$/;
