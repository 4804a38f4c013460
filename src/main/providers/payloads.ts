/**
 * What each provider's import takes, built from the wrapped key: the files, the command that uploads
 * them, and the checks the verifier applies to them on the connected side (the structure only: the
 * wrapped bytes can be opened only by the provider).
 */
import { z } from 'zod';
import type { CmkSpec } from '../../shared/keys';
import {
  providerNames,
  wrapMethods,
  type ProviderId,
  type ProviderImport,
  type WrapAlgorithm,
} from '../../shared/providers';

export interface PayloadFile {
  name: string;
  bytes: Buffer;
}

export interface Payload {
  files: PayloadFile[];
  /** The command (or the console steps) that uploads the files, for the README. */
  upload: string;
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

/** Which key specs each provider imports, and under which wraps (RSA and EC keys only under RSA-AES). */
const specs: Record<ProviderId, CmkSpec[]> = {
  'aws-kms': ['AES_256', 'HMAC_SHA256', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384'],
  'azure-key-vault': ['AES_128', 'AES_192', 'AES_256', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384'],
  'google-cloud-kms': ['AES_256', 'HMAC_SHA256'],
  'hashicorp-vault': ['AES_128', 'AES_256', 'HMAC_SHA256', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384'],
  'salesforce-shield': ['AES_256'],
  generic: ['AES_128', 'AES_192', 'AES_256', 'HMAC_SHA256', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384'],
};

/** Why a spec cannot go to a provider under an algorithm, or undefined when it can. */
export function specRefusal(provider: ProviderId, spec: CmkSpec, algorithm: WrapAlgorithm): string | undefined {
  if (!specs[provider].includes(spec))
    return `${providerNames[provider]} does not import ${spec} keys through this path (it takes ${specs[provider].join(', ')})`;
  const secret = spec.startsWith('AES_') || spec === 'HMAC_SHA256';
  if (!secret && wrapMethods[algorithm].kind === 'oaep')
    return `an ${spec} private key is too large for RSA-OAEP; it needs an RSA-AES key wrap`;
  return undefined;
}

const vaultTypes: Partial<Record<CmkSpec, string>> = {
  AES_128: 'aes128-gcm96',
  AES_256: 'aes256-gcm96',
  HMAC_SHA256: 'hmac',
  RSA_2048: 'rsa-2048',
  RSA_3072: 'rsa-3072',
  RSA_4096: 'rsa-4096',
  EC_P256: 'ecdsa-p256',
  EC_P384: 'ecdsa-p384',
};

const azureKeyType = (spec: CmkSpec): string =>
  spec.startsWith('RSA_') ? 'RSA-HSM' : spec.startsWith('EC_') ? 'EC-HSM' : 'oct-HSM';

export const byokSchema = z
  .object({
    schema_version: z.literal('1.0.0'),
    header: z
      .object({ kid: z.string().min(1), alg: z.literal('dir'), enc: z.literal('CKM_RSA_AES_KEY_WRAP') })
      .strict(),
    ciphertext: z.base64url(),
    generator: z.string().min(1),
  })
  .strict();

export function buildPayload(request: PayloadRequest): Payload {
  const { import: params, wrapped } = request;
  const t = params.target;
  switch (params.provider) {
    case 'aws-kms':
      return {
        files: [
          { name: 'EncryptedKeyMaterial.bin', bytes: wrapped },
          { name: 'ImportToken.bin', bytes: Buffer.from(params.importToken ?? []) },
        ],
        upload: `aws kms import-key-material --key-id ${t.keyId ?? ''} --encrypted-key-material fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE`,
      };
    case 'azure-key-vault': {
      const file = `${t.keyName ?? 'key'}.byok`;
      const byok = {
        schema_version: '1.0.0',
        header: { kid: t.kid ?? '', alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' },
        ciphertext: wrapped.toString('base64url'),
        generator: request.generator,
      };
      const host = /^https:\/\/([a-z0-9-]+)\.(vault|managedhsm)\./.exec(t.kid ?? '');
      const where = host?.[2] === 'managedhsm' ? `--hsm-name ${host[1] ?? ''}` : `--vault-name ${host?.[1] ?? ''}`;
      return {
        files: [{ name: file, bytes: Buffer.from(`${JSON.stringify(byok, null, 2)}\n`) }],
        upload: `az keyvault key import ${where} --name ${t.keyName ?? ''} --byok-file ${file} --kty ${azureKeyType(request.spec)}`,
      };
    }
    case 'google-cloud-kms': {
      const key = /^projects\/[^/]+\/locations\/([^/]+)\/keyRings\/([^/]+)\/cryptoKeys\/(.+)$/.exec(t.cryptoKey ?? '');
      const algorithm = request.spec === 'HMAC_SHA256' ? 'hmac-sha256' : 'google-symmetric-encryption';
      return {
        files: [{ name: 'wrapped-key.bin', bytes: wrapped }],
        upload: `gcloud kms keys versions import --import-job ${t.importJob ?? ''} --location ${key?.[1] ?? ''} --keyring ${key?.[2] ?? ''} --key ${key?.[3] ?? ''} --algorithm ${algorithm} --wrapped-key-file wrapped-key.bin`,
      };
    }
    case 'hashicorp-vault':
      return {
        files: [{ name: 'ciphertext.b64', bytes: Buffer.from(wrapped.toString('base64')) }],
        upload: `vault write ${t.mount ?? 'transit'}/keys/${t.keyName ?? ''}/import ciphertext=@ciphertext.b64 hash_function=${wrapMethods[params.algorithm].hash === 'sha1' ? 'SHA1' : 'SHA256'} type=${vaultTypes[request.spec] ?? ''}`,
      };
    case 'salesforce-shield':
      return {
        files: [
          { name: 'encrypted-tenant-secret.b64', bytes: Buffer.from(wrapped.toString('base64')) },
          {
            name: 'tenant-secret-sha256.b64',
            bytes: Buffer.from((request.keySha256 ?? Buffer.alloc(0)).toString('base64')),
          },
        ],
        upload:
          'In Salesforce Setup, open Platform Encryption, then Key Management, choose the tenant secret type, then "Bring Your Own Key". Upload encrypted-tenant-secret.b64 as the encrypted tenant secret and tenant-secret-sha256.b64 as its hash, with the certificate this bundle was made for.',
      };
    case 'generic':
      return {
        files: [
          { name: 'wrapped-key.bin', bytes: wrapped },
          { name: 'wrapped-key.b64', bytes: Buffer.from(wrapped.toString('base64')) },
        ],
        upload: `Give wrapped-key.bin (or its base64 form, wrapped-key.b64) to the service, which unwraps it with ${params.algorithm} under the private key of the wrapping key whose fingerprint the manifest records.`,
      };
  }
}

/** Expected bytes of the wrapped key: RSA part = modulus length, then 8*ceil(n/8)+8 bytes of KWP for RSA-AES. */
function wrappedProblems(algorithm: WrapAlgorithm, modulusBits: number, spec: CmkSpec, wrapped: Buffer): string[] {
  const rsaBytes = modulusBits / 8;
  if (wrapMethods[algorithm].kind === 'oaep')
    return wrapped.length === rsaBytes
      ? []
      : [`the wrapped key is ${wrapped.length} bytes; RSA-OAEP under RSA-${modulusBits} gives ${rsaBytes}`];
  if (wrapped.length <= rsaBytes + 8)
    return [`the wrapped key is ${wrapped.length} bytes, too short for RSA-AES under RSA-${modulusBits}`];
  const kwp = wrapped.length - rsaBytes;
  if (kwp % 8 !== 0) return [`its AES-KWP part is ${kwp} bytes, not a multiple of 8`];
  const secretBytes = spec === 'HMAC_SHA256' ? 32 : spec.startsWith('AES_') ? Number(spec.slice(4)) / 8 : undefined;
  if (secretBytes !== undefined && kwp !== 8 * Math.ceil(secretBytes / 8) + 8)
    return [`its AES-KWP part is ${kwp} bytes; an ${spec} key gives ${8 * Math.ceil(secretBytes / 8) + 8}`];
  return [];
}

/** The payload's structure, checked on the connected side. Returns what is wrong, in words. */
export function payloadProblems(
  params: Pick<ProviderImport, 'provider' | 'algorithm' | 'modulusBits' | 'target'>,
  spec: CmkSpec,
  files: Map<string, Buffer>,
): string[] {
  const get = (name: string): Buffer | undefined => files.get(name);
  const base64 = (name: string): Buffer | undefined => {
    const text = get(name)?.toString('utf8').trim();
    return text !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  };
  const wrappedOf = (wrapped: Buffer | undefined, name: string): string[] =>
    wrapped
      ? wrappedProblems(params.algorithm, params.modulusBits, spec, wrapped).map((p) => `${name}: ${p}`)
      : [`${name} is missing or unreadable`];
  switch (params.provider) {
    case 'aws-kms':
      return [
        ...wrappedOf(get('EncryptedKeyMaterial.bin'), 'EncryptedKeyMaterial.bin'),
        ...(get('ImportToken.bin')?.length ? [] : ['ImportToken.bin is missing or empty']),
      ];
    case 'azure-key-vault': {
      const name = `${params.target.keyName ?? 'key'}.byok`;
      let json: unknown;
      try {
        json = JSON.parse(get(name)?.toString('utf8') ?? '');
      } catch {
        return [`${name} is missing or not JSON`];
      }
      const parsed = byokSchema.safeParse(json);
      if (!parsed.success)
        return [
          `${name} does not follow the BYOK schema (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`,
        ];
      if (parsed.data.header.kid !== params.target.kid)
        return [`${name} names the KEK ${parsed.data.header.kid}, not the recorded ${params.target.kid ?? ''}`];
      return wrappedOf(Buffer.from(parsed.data.ciphertext, 'base64url'), `${name} ciphertext`);
    }
    case 'google-cloud-kms':
      return wrappedOf(get('wrapped-key.bin'), 'wrapped-key.bin');
    case 'hashicorp-vault':
      return wrappedOf(base64('ciphertext.b64'), 'ciphertext.b64');
    case 'salesforce-shield': {
      const hash = base64('tenant-secret-sha256.b64');
      return [
        ...wrappedOf(base64('encrypted-tenant-secret.b64'), 'encrypted-tenant-secret.b64'),
        ...(hash?.length === 32 ? [] : ['tenant-secret-sha256.b64 is not a base64 SHA-256 hash']),
      ];
    }
    case 'generic': {
      const wrapped = get('wrapped-key.bin');
      const b64 = base64('wrapped-key.b64');
      return [
        ...wrappedOf(wrapped, 'wrapped-key.bin'),
        ...(wrapped && b64?.equals(wrapped) ? [] : ['wrapped-key.b64 is not the base64 form of wrapped-key.bin']),
      ];
    }
  }
}
