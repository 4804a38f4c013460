/**
 * A provider's import parameters, as the officers bring them over the air gap: the wrapping key file
 * (and AWS's import token), plus the values the provider's console showed. Each provider's rules are
 * checked here and refused with a precise reason: key size, algorithm, deadline, names.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { KeywardError } from '../../shared/errors';
import { providerNames, type ProviderId, type ProviderImport, type WrapAlgorithm } from '../../shared/providers';
import { parseWrappingKey, type ParsedWrappingKey } from './wrapping-key-file';

export interface ImportFiles {
  /** The wrapping public key file, or AWS's GetParametersForImport JSON output. */
  wrappingKey: Uint8Array;
  /** AWS: ImportToken.bin, unless the JSON output holds it. */
  importToken?: Uint8Array;
}

/** Values typed or pasted from the provider's console. */
export type ImportFields = Record<string, string | undefined>;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function refuse(provider: ProviderId, why: string, nextStep: string): KeywardError {
  return new KeywardError(
    'INVALID_REQUEST',
    `The ${providerNames[provider]} import parameters were refused: ${why}.`,
    nextStep,
  );
}

function field(provider: ProviderId, fields: ImportFields, name: string, pattern: RegExp, example: string): string {
  const value = fields[name]?.trim();
  if (!value)
    throw refuse(provider, `${name} is missing`, `Copy ${name} from the provider's console (for example ${example}).`);
  if (!pattern.test(value) || value.length > 512)
    throw refuse(
      provider,
      `${name} "${value.slice(0, 80)}" is not in the provider's format`,
      `Copy ${name} exactly (for example ${example}).`,
    );
  return value;
}

function deadline(
  provider: ProviderId,
  value: string | number | undefined,
  required: boolean,
  now: Date,
): string | null {
  if (value === undefined || value === '') {
    if (required)
      throw refuse(
        provider,
        'the import deadline (expiry time) is missing',
        "Copy the expiry time from the provider's console.",
      );
    return null;
  }
  // AWS gives ParametersValidTo as epoch seconds in API output and ISO 8601 in the CLI's.
  const time =
    typeof value === 'number' || /^\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  if (Number.isNaN(time.getTime()))
    throw refuse(
      provider,
      `the deadline "${String(value)}" is not a time`,
      'Give it as an ISO 8601 time, e.g. 2026-11-24T10:00:00Z.',
    );
  if (time.getTime() <= now.getTime()) {
    throw refuse(
      provider,
      `the import window closed at ${time.toISOString()}`,
      'Download new import parameters (wrapping key and, for AWS, import token) from the provider.',
    );
  }
  return time.toISOString();
}

function modulus(provider: ProviderId, key: ParsedWrappingKey, allowed: number[]): void {
  if (!allowed.includes(key.modulusBits)) {
    throw refuse(
      provider,
      `its wrapping key is RSA-${key.modulusBits}, but it must be RSA-${allowed.join(', RSA-')}`,
      'Check that you downloaded the wrapping key for this import.',
    );
  }
}

const awsParameters = z
  .object({
    KeyId: z.string().optional(),
    ImportToken: z.base64(),
    PublicKey: z.base64(),
    ParametersValidTo: z.union([z.string(), z.number()]),
  })
  .loose();

const awsKeyId = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/)?(mrk-)?[0-9a-f-]{32,36}$/;
const gcpAlgorithms: Record<string, { algorithm: WrapAlgorithm; bits: number }> = {
  RSA_OAEP_3072_SHA1_AES_256: { algorithm: 'RSA_AES_KEY_WRAP_SHA_1', bits: 3072 },
  RSA_OAEP_4096_SHA1_AES_256: { algorithm: 'RSA_AES_KEY_WRAP_SHA_1', bits: 4096 },
  RSA_OAEP_3072_SHA256_AES_256: { algorithm: 'RSA_AES_KEY_WRAP_SHA_256', bits: 3072 },
  RSA_OAEP_4096_SHA256_AES_256: { algorithm: 'RSA_AES_KEY_WRAP_SHA_256', bits: 4096 },
  RSA_OAEP_3072_SHA256: { algorithm: 'RSAES_OAEP_SHA_256', bits: 3072 },
  RSA_OAEP_4096_SHA256: { algorithm: 'RSAES_OAEP_SHA_256', bits: 4096 },
};
const awsAlgorithms: WrapAlgorithm[] = [
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
];
const vaultHashes: Record<string, WrapAlgorithm> = {
  SHA1: 'RSA_AES_KEY_WRAP_SHA_1',
  SHA256: 'RSA_AES_KEY_WRAP_SHA_256',
};

export function readProviderImport(
  provider: ProviderId,
  files: ImportFiles,
  fields: ImportFields,
  now = new Date(),
): ProviderImport {
  const base = (
    key: ParsedWrappingKey,
    rest: Omit<
      ProviderImport,
      'provider' | 'wrappingKeySpki' | 'wrappingKeyFingerprint' | 'modulusBits' | 'sourceSha256'
    >,
  ): ProviderImport => ({
    provider,
    wrappingKeySpki: key.spki,
    wrappingKeyFingerprint: key.fingerprint,
    modulusBits: key.modulusBits,
    sourceSha256: sha256(files.wrappingKey),
    ...rest,
  });
  switch (provider) {
    case 'aws-kms': {
      const text = Buffer.from(files.wrappingKey).toString('utf8').trim();
      let spki: Uint8Array = files.wrappingKey;
      let importToken = files.importToken;
      let validTo: string | number | undefined = fields.parametersValidTo;
      if (text.startsWith('{')) {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw refuse(
            provider,
            'the parameters file starts like JSON but is not valid JSON',
            'Save the output of "aws kms get-parameters-for-import" unchanged.',
          );
        }
        const parsed = awsParameters.safeParse(json);
        if (!parsed.success)
          throw refuse(
            provider,
            'the JSON is not GetParametersForImport output (it needs PublicKey, ImportToken and ParametersValidTo)',
            'Save the output of "aws kms get-parameters-for-import" unchanged.',
          );
        spki = Buffer.from(parsed.data.PublicKey, 'base64');
        importToken = Buffer.from(parsed.data.ImportToken, 'base64');
        validTo = parsed.data.ParametersValidTo;
        if (parsed.data.KeyId && !fields.keyId) fields = { ...fields, keyId: parsed.data.KeyId };
      }
      if (!importToken || importToken.length === 0)
        throw refuse(
          provider,
          'the import token is missing',
          'Bring ImportToken.bin from the same download as the wrapping key.',
        );
      const key = parseWrappingKey(spki);
      modulus(provider, key, [2048, 3072, 4096]);
      const algorithm = field(provider, fields, 'algorithm', /^[A-Z0-9_]+$/, 'RSAES_OAEP_SHA_256') as WrapAlgorithm;
      if (!awsAlgorithms.includes(algorithm))
        throw refuse(
          provider,
          `the wrapping algorithm ${algorithm} is not one AWS KMS offers`,
          `Choose one of ${awsAlgorithms.join(', ')}: the one chosen when the parameters were downloaded.`,
        );
      return base(key, {
        algorithm,
        providerAlgorithm: algorithm,
        deadline: deadline(provider, validTo, true, now),
        importToken,
        target: {
          keyId: field(provider, fields, 'keyId', awsKeyId, '1234abcd-12ab-34cd-56ef-1234567890ab or its ARN'),
        },
      });
    }
    case 'azure-key-vault': {
      const key = parseWrappingKey(files.wrappingKey);
      modulus(provider, key, [2048, 3072, 4096]);
      const kid = field(
        provider,
        fields,
        'kid',
        /^https:\/\/[a-z0-9-]+\.(vault|managedhsm)\.azure\.net\/keys\/[A-Za-z0-9-]{1,127}\/[0-9a-f]{32}$/,
        'https://contoso.vault.azure.net/keys/KEK/0123456789abcdef0123456789abcdef',
      );
      return base(key, {
        algorithm: 'RSA_AES_KEY_WRAP_SHA_1', // Azure's BYOK specification: CKM_RSA_AES_KEY_WRAP, OAEP with SHA-1
        providerAlgorithm: 'CKM_RSA_AES_KEY_WRAP',
        deadline: deadline(provider, fields.deadline, false, now),
        target: { kid, keyName: field(provider, fields, 'keyName', /^[A-Za-z0-9-]{1,127}$/, 'tenant-cmk') },
      });
    }
    case 'google-cloud-kms': {
      const key = parseWrappingKey(files.wrappingKey);
      const method = field(provider, fields, 'importMethod', /^RSA_OAEP_[A-Z0-9_]+$/, 'RSA_OAEP_3072_SHA256_AES_256');
      const known = gcpAlgorithms[method];
      if (!known)
        throw refuse(
          provider,
          `the import method ${method} is not one Google Cloud KMS offers`,
          `Give the import job's method: ${Object.keys(gcpAlgorithms).join(', ')}.`,
        );
      modulus(provider, key, [known.bits]);
      const resource = /^projects\/[a-z0-9-]+\/locations\/[a-z0-9-]+\/keyRings\/[A-Za-z0-9_-]+/;
      return base(key, {
        algorithm: known.algorithm,
        providerAlgorithm: method,
        deadline: deadline(provider, fields.expireTime, true, now),
        target: {
          importJob: field(
            provider,
            fields,
            'importJob',
            new RegExp(`${resource.source}/importJobs/[A-Za-z0-9_-]+$`),
            'projects/p/locations/europe-west1/keyRings/r/importJobs/job-1',
          ),
          cryptoKey: field(
            provider,
            fields,
            'cryptoKey',
            new RegExp(`${resource.source}/cryptoKeys/[A-Za-z0-9_-]+$`),
            'projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k',
          ),
        },
      });
    }
    case 'hashicorp-vault': {
      const key = parseWrappingKey(files.wrappingKey);
      modulus(provider, key, [4096]);
      const hashFunction = (fields.hashFunction ?? 'SHA256').trim().toUpperCase();
      const algorithm = vaultHashes[hashFunction];
      if (!algorithm)
        throw refuse(
          provider,
          `hash_function ${hashFunction} is not one Keyward can wrap with`,
          "Use SHA256 (Vault's default) or SHA1.",
        );
      return base(key, {
        algorithm,
        providerAlgorithm: `hash_function=${hashFunction}`,
        deadline: deadline(provider, fields.deadline, false, now),
        target: {
          mount: field(provider, { mount: fields.mount ?? 'transit' }, 'mount', /^[A-Za-z0-9_/-]{1,128}$/, 'transit'),
          keyName: field(provider, fields, 'keyName', /^[A-Za-z0-9_.-]{1,128}$/, 'tenant-cmk'),
        },
      });
    }
    case 'salesforce-shield': {
      const key = parseWrappingKey(files.wrappingKey);
      if (!key.certificate)
        throw refuse(
          provider,
          'the file is not a certificate',
          'Download the BYOK-compatible certificate from Setup, Platform Encryption, Key Management.',
        );
      modulus(provider, key, [4096]);
      return base(key, {
        algorithm: 'RSAES_OAEP_SHA_1',
        providerAlgorithm: 'RSA-OAEP',
        deadline: deadline(provider, key.certificate.notAfter, true, now),
        target: { certificateSubject: key.certificate.subject },
      });
    }
    case 'generic': {
      const key = parseWrappingKey(files.wrappingKey);
      const algorithm = field(
        provider,
        fields,
        'algorithm',
        /^[A-Z0-9_]+$/,
        'RSA_AES_KEY_WRAP_SHA_256',
      ) as WrapAlgorithm;
      if (!awsAlgorithms.includes(algorithm))
        throw refuse(
          provider,
          `the wrapping algorithm ${algorithm} is unknown`,
          `Choose one of ${awsAlgorithms.join(', ')}.`,
        );
      return base(key, {
        algorithm,
        providerAlgorithm: algorithm,
        deadline: deadline(provider, fields.deadline, false, now),
        target: {},
      });
    }
  }
}
