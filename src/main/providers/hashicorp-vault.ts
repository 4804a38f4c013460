/**
 * HashiCorp Vault's transit engine: a key imported under its wrapping key (`transit/wrapping_key`,
 * RSA-4096) as a new transit key (`import`) or as a new version of one (`import_version`).
 */
import { cmkShapes, type CmkSpec } from '../../shared/keys';
import { oaepHashWords, wrapMethods, type WrapAlgorithm } from '../../shared/providers';
import type { ImportTerms, ProviderProfile } from './profile';
import {
  base64File,
  choice,
  deadline,
  field,
  importOf,
  keyTypeRefusal,
  modulus,
  publicKeyFingerprintLines,
  wrappedFileProblems,
} from './rules';
import { parseWrappingKey } from './wrapping-key-file';

const id = 'hashicorp-vault';
const docs = {
  api: 'Vault transit API, import and import_version: https://developer.hashicorp.com/vault/api-docs/secret/transit#import-key',
  code: 'vault builtin/logical/transit/path_import.go and sdk/helper/keysutil/policy.go (key sizes; 512-byte RSA-OAEP part)',
};

const keyTypes: Partial<Record<CmkSpec, string>> = {
  AES_128: 'aes128-gcm96',
  AES_256: 'aes256-gcm96',
  HMAC_SHA256: 'hmac',
  HMAC_SHA384: 'hmac',
  HMAC_SHA512: 'hmac',
  RSA_2048: 'rsa-2048',
  RSA_3072: 'rsa-3072',
  RSA_4096: 'rsa-4096',
  EC_P256: 'ecdsa-p256',
  EC_P384: 'ecdsa-p384',
  EC_P521: 'ecdsa-p521',
};

/** hash_function values Keyward wraps with (Vault also takes SHA224 and SHA384, which tokens do not offer for OAEP here). */
const hashes: Record<string, WrapAlgorithm> = {
  SHA256: 'RSA_AES_KEY_WRAP_SHA_256',
  SHA1: 'RSA_AES_KEY_WRAP_SHA_1',
  SHA512: 'RSA_AES_KEY_WRAP_SHA_512',
};

const endpoints = ['import', 'import_version'] as const;
const endpointOf = (terms: Pick<ImportTerms, 'target'>): (typeof endpoints)[number] =>
  terms.target.importAs === 'import_version' ? 'import_version' : 'import';

export const hashicorpVault: ProviderProfile = {
  id,
  fields: [
    { name: 'keyName', label: 'Transit key name' },
    { name: 'mount', label: 'Transit mount', hint: 'transit unless your Vault uses another', optional: true },
    {
      name: 'hashFunction',
      label: 'hash_function of the import',
      options: Object.entries(hashes).map(([h, wrap]) => ({ value: h, label: h, wrap })),
    },
    {
      name: 'importAs',
      label: 'This upload is',
      optional: true,
      hint: 'Left to Keyward: a new transit key for version 1, a new version of it for a later version.',
      options: [
        { value: '', label: 'Decided by the key version' },
        { value: 'import', label: 'A new transit key (import)' },
        { value: 'import_version', label: 'A new version of an imported transit key (import_version)' },
      ],
    },
    { name: 'deadline', label: 'Import deadline (ISO time, optional)', optional: true },
  ],
  keyTypes,
  wraps: Object.entries(hashes).map(([hash, algorithm]) => ({
    algorithm,
    providerName: `hash_function=${hash}`,
    modulusBits: [4096],
  })),
  rules: [
    {
      rule: 'RSA-OAEP (hash_function) of an ephemeral AES-256 key under the RSA-4096 wrapping key, then RFC 5649 of the key',
      source: docs.api,
    },
    {
      rule: 'Key types aes128-gcm96, aes256-gcm96, hmac (32 to 512 bytes), rsa-2048/3072/4096, ecdsa-p256/p384/p521; raw or PKCS#8',
      source: docs.code,
    },
    { rule: 'import_version only for a key that was imported and not rotated within Vault', source: docs.api },
  ],

  read(files, fields, now) {
    const key = parseWrappingKey(files.wrappingKey);
    modulus(id, key, [4096]);
    const hash = choice(
      id,
      { hashFunction: fields.hashFunction?.trim().toUpperCase() },
      'hashFunction',
      Object.keys(hashes),
    );
    const importAs = fields.importAs?.trim() ? choice(id, fields, 'importAs', endpoints) : undefined;
    return importOf(id, key, files.wrappingKey, {
      algorithm: hashes[hash] ?? 'RSA_AES_KEY_WRAP_SHA_256',
      providerAlgorithm: `hash_function=${hash}`,
      deadline: deadline(id, fields.deadline, false, now, 'fields.deadline'),
      target: {
        mount: field(id, { mount: fields.mount?.trim() || 'transit' }, 'mount', /^[A-Za-z0-9_/-]{1,128}$/, 'transit'),
        keyName: field(id, fields, 'keyName', /^[A-Za-z0-9_.-]{1,128}$/, 'tenant-cmk'),
        ...(importAs ? { importAs } : {}),
      },
    });
  },

  settle(_spec, params, version) {
    if (params.target.importAs) return params;
    return { ...params, target: { ...params.target, importAs: version > 1 ? 'import_version' : 'import' } };
  },

  refusal(spec) {
    if (spec === 'HMAC_SHA224')
      return "Vault's hmac keys are 32 to 512 bytes (HmacMinKeySize), and an HMAC_SHA224 key is 28";
    return keyTypeRefusal(id, keyTypes, spec, "Vault transit's importable key types");
  },

  payload: ({ wrapped }) => [{ name: 'ciphertext.b64', bytes: Buffer.from(wrapped.toString('base64')) }],

  problems: (terms, spec, files) =>
    wrappedFileProblems(terms, spec, base64File(files, 'ciphertext.b64'), 'ciphertext.b64'),

  guide(terms, key) {
    const path = `${terms.target.mount ?? 'transit'}/keys/${terms.target.keyName ?? ''}`;
    const endpoint = endpointOf(terms);
    const hash = oaepHashWords[wrapMethods[terms.algorithm].hash].replace('-', '');
    const shape = cmkShapes[key.spec];
    const check = [`vault read ${path}`, '  must show imported true, and the new version as latest_version.'];
    if (key.publicKeySpki) {
      check.push(
        `Save the new version's public_key (vault read -format=json ${path}) as vault-public-key.pem, then`,
        'openssl pkey -pubin -in vault-public-key.pem -outform DER | sha256sum',
        "  must print the SHA-256 of this key's public key (public-key.pem):",
        ...publicKeyFingerprintLines(key.publicKeySpki).slice(1),
      );
    } else
      check.push(
        `Vault shows nothing to compare with this key's check value ${key.kcv.toUpperCase()}${shape.kind === 'hmac' ? '' : ' (its transit/hmac uses a key of its own, not the imported one)'}.`,
      );
    return {
      steps: [
        `vault write ${path}/${endpoint} ciphertext=@ciphertext.b64 hash_function=${hash}${endpoint === 'import' ? ` type=${keyTypes[key.spec] ?? ''}` : ''}`,
      ],
      permission: `a Vault policy with "update" on ${path}/${endpoint}, and "read" on ${path} for the check`,
      client: `Vault CLI; Vault 1.11 or later${shape.kind === 'hmac' ? ' (1.12 or later for hmac keys)' : ''}`,
      check,
    };
  },
};
