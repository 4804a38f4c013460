/** Cloud providers Keyward prepares key material for, and the wrapping algorithms their imports accept. */
import type { OaepHash } from './keys';

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

/** Keyward's names for the wrap, after AWS KMS's (the most explicit): RSA-OAEP of the key, or RSA-AES key wrap. */
export const wrapAlgorithms = [
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
] as const;
export type WrapAlgorithm = (typeof wrapAlgorithms)[number];

export const wrapMethods: Record<WrapAlgorithm, { kind: 'oaep' | 'rsa-aes'; hash: OaepHash }> = {
  RSAES_OAEP_SHA_1: { kind: 'oaep', hash: 'sha1' },
  RSAES_OAEP_SHA_256: { kind: 'oaep', hash: 'sha256' },
  RSA_AES_KEY_WRAP_SHA_1: { kind: 'rsa-aes', hash: 'sha1' },
  RSA_AES_KEY_WRAP_SHA_256: { kind: 'rsa-aes', hash: 'sha256' },
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
