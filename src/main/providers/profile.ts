/**
 * What Keyward knows of one provider, declared in one module (./aws-kms.ts, ./azure-key-vault.ts, …) and
 * listed once in ./registry.ts: the form's fields, the key types and wraps it takes with the source of
 * each rule, how its import parameters are read, the payload built from the wrapped key, the checks the
 * verifier applies to that payload, and what the uploader is told to do.
 */
import type { CmkSpec } from '../../shared/keys';
import type { ProviderFormField, ProviderId, ProviderImport, WrapAlgorithm } from '../../shared/providers';

export interface ImportFiles {
  /** The wrapping public key file, or AWS's GetParametersForImport JSON output. */
  wrappingKey: Uint8Array;
  /** AWS: ImportToken.bin, unless the JSON output holds it. */
  importToken?: Uint8Array;
}

/** Values typed or pasted from the provider's console. */
export type ImportFields = Record<string, string | undefined>;

/** What a bundle's manifest records of the import: enough for the payload's checks and the upload guide. */
export type ImportTerms = Pick<
  ProviderImport,
  'provider' | 'algorithm' | 'providerAlgorithm' | 'modulusBits' | 'target'
> & {
  /** AWS: the SHA-256 of the import token the bundle was made with, as the manifest records it. */
  importTokenSha256?: string | null;
};

export interface PayloadFile {
  name: string;
  bytes: Buffer;
}

export interface PayloadRequest {
  import: ProviderImport;
  wrapped: Buffer;
  spec: CmkSpec;
  keyName: string;
  /** Salesforce Shield: SHA-256 of the key material, computed in the token. */
  keySha256?: Buffer;
  generator: string;
}

/** The key a bundle carries, as the upload guide names it for the check after upload. */
export interface GuidedKey {
  name: string;
  version: number;
  spec: CmkSpec;
  kcv: string;
  /** RSA and EC keys: the public key, DER SubjectPublicKeyInfo (also written as public-key.pem). */
  publicKeySpki?: Buffer;
}

/** What the uploader is told: the exact commands, the permission they need, and how to check the result. */
export interface UploadGuide {
  /** Commands, or console steps, in order. */
  steps: string[];
  /** The permission the upload needs, in the provider's terms. */
  permission: string;
  /** The provider's client the commands need, and its minimum version where it matters. */
  client?: string;
  /** What the uploader must know about the commands (e.g. a form the provider's own page gets wrong). */
  notes?: string[];
  /** How to check after upload that the provider holds this very key, or that the provider shows nothing to compare. */
  check: string[];
}

/** A rule and where it comes from: the provider's documentation, or its client's source. */
export interface Rule {
  rule: string;
  source: string;
}

export interface ProviderProfile {
  id: ProviderId;
  fields: ProviderFormField[];
  importTokenFile?: string;
  /** Each key type the provider takes, by its name there. */
  keyTypes: Partial<Record<CmkSpec, string>>;
  /** The wraps it offers, by its name for each, and the sizes of its wrapping keys. */
  wraps: { algorithm: WrapAlgorithm; providerName: string; modulusBits: number[] }[];
  /** The rules the profile enforces, with their sources (docs/providers.md lists them). */
  rules: Rule[];
  /** The import parameters, read from the files and fields and checked. */
  read(files: ImportFiles, fields: ImportFields, now: Date): ProviderImport;
  /** Why this key type cannot go to the provider on these terms (the provider's rule, in words), or undefined. */
  refusal(spec: CmkSpec, terms: ImportTerms): string | undefined;
  /** The terms settled for this key type before the officers approve (e.g. the default algorithm at the provider). */
  settle?(spec: CmkSpec, params: ProviderImport, version: number): ProviderImport;
  payload(request: PayloadRequest): PayloadFile[];
  /** What is wrong with the payload files, in words (the verifier's checks of structure). */
  problems(terms: ImportTerms, spec: CmkSpec, files: Map<string, Buffer>): string[];
  guide(terms: ImportTerms, key: GuidedKey, files: string[]): UploadGuide;
}
