/** Cloud providers Keyward prepares key material for, and the wrapping algorithms their imports accept. */
import type { Capabilities, CmkSpec, OaepHash } from './keys';

export const providerIds = [
  'aws-kms',
  'azure-key-vault',
  'google-cloud-kms',
  'hashicorp-vault',
  'salesforce-shield',
  'generic',
] as const;
export type ProviderId = (typeof providerIds)[number];

export const providerNames: Record<ProviderId, string> = {
  'aws-kms': 'AWS KMS',
  'azure-key-vault': 'Azure Key Vault / Managed HSM',
  'google-cloud-kms': 'Google Cloud KMS',
  'hashicorp-vault': 'HashiCorp Vault (transit)',
  'salesforce-shield': 'Salesforce Shield',
  generic: 'Generic RSA wrap',
};

/** A provider's name for a stored id (a record from the database is a string): the id itself if Keyward does not know it. */
export const providerName = (id: string): string =>
  (providerIds as readonly string[]).includes(id) ? providerNames[id as ProviderId] : id;

/**
 * Keyward's names for the wrap, after AWS KMS's (the most explicit): RSA-OAEP of the key, or RSA-AES key
 * wrap (RSA-OAEP of an ephemeral AES-256 key, then RFC 5649 of the key). AWS has no SHA-512 forms: they
 * are Salesforce's.
 */
export const wrapAlgorithms = [
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSAES_OAEP_SHA_512',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_512',
] as const;
export type WrapAlgorithm = (typeof wrapAlgorithms)[number];

export const wrapMethods: Record<WrapAlgorithm, { kind: 'oaep' | 'rsa-aes'; hash: OaepHash }> = {
  RSAES_OAEP_SHA_1: { kind: 'oaep', hash: 'sha1' },
  RSAES_OAEP_SHA_256: { kind: 'oaep', hash: 'sha256' },
  RSAES_OAEP_SHA_512: { kind: 'oaep', hash: 'sha512' },
  RSA_AES_KEY_WRAP_SHA_1: { kind: 'rsa-aes', hash: 'sha1' },
  RSA_AES_KEY_WRAP_SHA_256: { kind: 'rsa-aes', hash: 'sha256' },
  RSA_AES_KEY_WRAP_SHA_512: { kind: 'rsa-aes', hash: 'sha512' },
};

export const oaepHashWords: Record<OaepHash, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' };

/** The token capability (and its key in `missing`) that says whether the token wraps with RSA-OAEP over each hash. */
export const oaepCapability = {
  sha1: 'rsaOaepSha1',
  sha256: 'rsaOaepSha256',
  sha512: 'rsaOaepSha512',
} as const satisfies Record<OaepHash, keyof Capabilities['wrapping']>;

/** A wrap in words: "RSA-OAEP with SHA-256", "RSA-AES key wrap with OAEP SHA-1". */
export const wrapWords = (algorithm: WrapAlgorithm): string => {
  const { kind, hash } = wrapMethods[algorithm];
  return kind === 'oaep'
    ? `RSA-OAEP with ${oaepHashWords[hash]}`
    : `RSA-AES key wrap (RSA-OAEP ${oaepHashWords[hash]}, then RFC 5649)`;
};

/** A provider's import parameters, read from the files brought over the air gap and checked. */
export interface ProviderImport {
  provider: ProviderId;
  /** DER SubjectPublicKeyInfo of the provider's wrapping key. */
  wrappingKeySpki: Uint8Array;
  /** SHA-256 of the SPKI, hex. */
  wrappingKeyFingerprint: string;
  modulusBits: number;
  /** SHA-256 of the file(s) the parameters came from, hex. */
  sourceSha256: string;
  /** The wrap the provider expects. */
  algorithm: WrapAlgorithm;
  /** The provider's own name for it (e.g. RSA_OAEP_3072_SHA1_AES_256), where it has one. */
  providerAlgorithm: string;
  /** When the provider stops accepting material wrapped under this key, if it says. */
  deadline: string | null;
  /** AWS: the import token that goes back with the key material. */
  importToken?: Uint8Array;
  /** Where the key goes at the provider: AWS key id or ARN, Azure key id (kid) of the KEK, GCP key and import job, Vault key name. */
  target: Record<string, string>;
}

/** One option of a choice (extended by ChoiceOption, shared/choice-option.ts, which judges it against the token). */
export interface ProviderOption {
  value: string;
  label: string;
  /** The token must wrap with this algorithm (a key of the chosen type, when there is one). */
  wrap?: WrapAlgorithm;
  /** Key types this option cannot serve, and why (a provider that never imports them, a wrap it refuses for them). */
  refusedFor?: Partial<Record<CmkSpec, string>>;
}

/** One value the officers copy from the provider's console, as the form asks for it (the plan's `fields`). */
export interface ProviderFormField {
  name: string;
  label: string;
  hint?: string;
  /** A choice among these (the first the token and provider can do is the default); otherwise typed text. */
  options?: ProviderOption[];
  /** Left out of the plan when empty. */
  optional?: true;
}

/** What the form asks for a provider: its import fields, and whether it takes an import token file. */
export interface ProviderForm {
  id: ProviderId;
  name: string;
  fields: ProviderFormField[];
  /** The label of the import token file field (AWS), when the provider has one. */
  importTokenFile?: string;
  /** Key types the provider never imports, and why (the form offers it only for the others). */
  refusedFor: Partial<Record<CmkSpec, string>>;
}
