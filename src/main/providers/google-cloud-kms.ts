/**
 * Google Cloud KMS: a key version imported through an import job (`gcloud kms keys versions import`),
 * each import a new version of the same cryptoKey.
 */
import { cmkShapes, type CmkSpec } from '../../shared/keys';
import { wrapMethods, type WrapAlgorithm } from '../../shared/providers';
import type { ImportTerms, ProviderProfile } from './profile';
import {
  deadline,
  field,
  importOf,
  keyTypeRefusal,
  modulus,
  oaepCapacity,
  publicKeyFingerprintLines,
  refuse,
  wrappedFileProblems,
  zeroBlockNote,
} from './rules';
import { parseWrappingKey } from './wrapping-key-file';

const id = 'google-cloud-kms';
const docs = {
  methods:
    'Cloud KMS API, ImportJob.ImportMethod (googleapis google/cloud/kms/v1/resources.proto): https://cloud.google.com/kms/docs/reference/rest/v1/projects.locations.keyRings.importJobs',
  formats: 'Formatting keys for import: https://cloud.google.com/kms/docs/formatting-keys-for-import',
  algorithms: 'Key purposes and algorithms: https://cloud.google.com/kms/docs/algorithms',
  gcloud: 'gcloud kms keys versions import (lib/surface/kms/keys/versions/import.py)',
};

const methods: Record<string, { algorithm: WrapAlgorithm; bits: number }> = {
  RSA_OAEP_3072_SHA1_AES_256: { algorithm: 'RSA_AES_KEY_WRAP_SHA_1', bits: 3072 },
  RSA_OAEP_4096_SHA1_AES_256: { algorithm: 'RSA_AES_KEY_WRAP_SHA_1', bits: 4096 },
  RSA_OAEP_3072_SHA256_AES_256: { algorithm: 'RSA_AES_KEY_WRAP_SHA_256', bits: 3072 },
  RSA_OAEP_4096_SHA256_AES_256: { algorithm: 'RSA_AES_KEY_WRAP_SHA_256', bits: 4096 },
  RSA_OAEP_3072_SHA256: { algorithm: 'RSAES_OAEP_SHA_256', bits: 3072 },
  RSA_OAEP_4096_SHA256: { algorithm: 'RSAES_OAEP_SHA_256', bits: 4096 },
};

const rsaAlgorithms = (bits: number): string[] => [
  `rsa-sign-pss-${bits}-sha256`,
  `rsa-sign-pkcs1-${bits}-sha256`,
  `rsa-sign-raw-pkcs1-${bits}`,
  `rsa-decrypt-oaep-${bits}-sha256`,
  `rsa-decrypt-oaep-${bits}-sha1`,
  ...(bits === 4096 ? ['rsa-sign-pss-4096-sha512', 'rsa-sign-pkcs1-4096-sha512', 'rsa-decrypt-oaep-4096-sha512'] : []),
];

/** The --algorithm values a key type can be imported as; the first is the one used when the plan names none. */
const algorithmsOf: Partial<Record<CmkSpec, string[]>> = {
  AES_256: ['google-symmetric-encryption', 'aes-256-gcm', 'aes-256-cbc', 'aes-256-ctr'],
  AES_128: ['aes-128-gcm', 'aes-128-cbc', 'aes-128-ctr'],
  HMAC_SHA224: ['hmac-sha224'],
  HMAC_SHA256: ['hmac-sha256'],
  HMAC_SHA384: ['hmac-sha384'],
  HMAC_SHA512: ['hmac-sha512'],
  RSA_2048: rsaAlgorithms(2048),
  RSA_3072: rsaAlgorithms(3072),
  RSA_4096: rsaAlgorithms(4096),
  EC_P256: ['ec-sign-p256-sha256'],
  EC_P384: ['ec-sign-p384-sha384'],
  EC_SECP256K1: ['ec-sign-secp256k1-sha256'],
};
const keyTypes = Object.fromEntries(
  Object.entries(algorithmsOf).map(([spec, list]) => [spec, list.join(', ')]),
) as Partial<Record<CmkSpec, string>>;
const allAlgorithms = [...new Set(Object.values(algorithmsOf).flat())];

/** The location, key ring and key of the cryptoKey's resource name. */
function keyOf(terms: Pick<ImportTerms, 'target'>): { location: string; keyring: string; key: string } {
  const match = /^projects\/[^/]+\/locations\/([^/]+)\/keyRings\/([^/]+)\/cryptoKeys\/(.+)$/.exec(
    terms.target.cryptoKey ?? '',
  );
  return { location: match?.[1] ?? '', keyring: match?.[2] ?? '', key: match?.[3] ?? '' };
}

export const googleCloudKms: ProviderProfile = {
  id,
  fields: [
    {
      name: 'importMethod',
      label: "Import job's method",
      options: Object.entries(methods).map(([m, { algorithm }]) => ({ value: m, label: m, wrap: algorithm })),
    },
    { name: 'importJob', label: 'Import job', hint: 'projects/…/locations/…/keyRings/…/importJobs/…' },
    { name: 'cryptoKey', label: 'Crypto key', hint: 'projects/…/locations/…/keyRings/…/cryptoKeys/…' },
    { name: 'expireTime', label: 'Import job expiry (ISO time)' },
    {
      name: 'algorithm',
      label: 'Algorithm of the imported version',
      optional: true,
      hint: "Empty: the key type's usual one (google-symmetric-encryption for AES-256, rsa-sign-pss-…-sha256 for RSA).",
      options: [
        { value: '', label: "The key type's usual one" },
        ...allAlgorithms.map((a) => ({ value: a, label: a })),
      ],
    },
  ],
  keyTypes,
  wraps: Object.entries(methods).map(([providerName, m]) => ({
    algorithm: m.algorithm,
    providerName,
    modulusBits: [m.bits],
  })),
  rules: [
    {
      rule: 'Import methods: RSA-OAEP 3072/4096 with SHA-1 or SHA-256, of an ephemeral AES-256 key then RFC 5649, or of the key itself (SHA-256)',
      source: docs.methods,
    },
    { rule: 'RSA keys only by the *_AES_256 methods ("cannot be used to wrap RSA keys")', source: docs.methods },
    {
      rule: 'Formats: raw AES (16 or 32 bytes), HMAC keys as long as the hash, PKCS#8 DER for asymmetric keys',
      source: docs.formats,
    },
    {
      rule: 'The algorithms each key type can be imported as; secp256k1 on HSM protection level only',
      source: docs.algorithms,
    },
    {
      rule: 'A new version of the same cryptoKey by the same command; --version only to re-import a destroyed one',
      source: docs.gcloud,
    },
  ],

  read(files, fields, now) {
    const key = parseWrappingKey(files.wrappingKey);
    const method = field(id, fields, 'importMethod', /^RSA_OAEP_[A-Z0-9_]+$/, 'RSA_OAEP_3072_SHA256_AES_256');
    const known = methods[method];
    if (!known)
      throw refuse(
        id,
        `the import method ${method} is not one Google Cloud KMS offers`,
        `Give the import job's method: ${Object.keys(methods).join(', ')}.`,
      );
    modulus(id, key, [known.bits]);
    const algorithm = fields.algorithm?.trim();
    if (algorithm && !allAlgorithms.includes(algorithm))
      throw refuse(
        id,
        `the algorithm ${algorithm} is not one Google Cloud KMS imports`,
        `Choose one of ${allAlgorithms.join(', ')}.`,
      );
    const resource = /^projects\/[a-z0-9-]+\/locations\/[a-z0-9-]+\/keyRings\/[A-Za-z0-9_-]+/;
    return importOf(id, key, files.wrappingKey, {
      algorithm: known.algorithm,
      providerAlgorithm: method,
      deadline: deadline(id, fields.expireTime, true, now, 'fields.expireTime'),
      target: {
        importJob: field(
          id,
          fields,
          'importJob',
          new RegExp(`${resource.source}/importJobs/[A-Za-z0-9_-]+$`),
          'projects/p/locations/europe-west1/keyRings/r/importJobs/job-1',
        ),
        cryptoKey: field(
          id,
          fields,
          'cryptoKey',
          new RegExp(`${resource.source}/cryptoKeys/[A-Za-z0-9_-]+$`),
          'projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k',
        ),
        ...(algorithm ? { algorithm } : {}),
      },
    });
  },

  settle(spec, params) {
    if (params.target.algorithm) return params;
    const usual = algorithmsOf[spec]?.[0];
    return usual ? { ...params, target: { ...params.target, algorithm: usual } } : params;
  },

  refusal(spec, terms) {
    const type = keyTypeRefusal(id, keyTypes, spec, "Google Cloud KMS's algorithms for imported keys");
    if (type) return type;
    const algorithm = terms.target.algorithm;
    if (algorithm && !algorithmsOf[spec]?.includes(algorithm))
      return `Google Cloud KMS imports an ${spec} key as ${algorithmsOf[spec]?.join(', ') ?? 'none'}, not ${algorithm}`;
    if (cmkShapes[spec].kind === 'rsa' && wrapMethods[terms.algorithm].kind === 'oaep')
      return `Google Cloud KMS cannot import RSA keys by ${terms.providerAlgorithm}: "due to technical limitations of RSA wrapping" they need an RSA_OAEP_*_AES_256 import job`;
    return oaepCapacity(spec, terms.algorithm, terms.modulusBits);
  },

  payload: ({ wrapped }) => [{ name: 'wrapped-key.bin', bytes: wrapped }],

  problems: (terms, spec, files) => wrappedFileProblems(terms, spec, files.get('wrapped-key.bin'), 'wrapped-key.bin'),

  guide(terms, key) {
    const { location, keyring, key: name } = keyOf(terms);
    const where = `--key ${name} --keyring ${keyring} --location ${location}`;
    const algorithm = terms.target.algorithm ?? algorithmsOf[key.spec]?.[0] ?? '';
    const raw = /^aes-\d+-(cbc|ctr)$/.exec(algorithm);
    const check = [
      `gcloud kms keys versions describe VERSION ${where} --format 'value(state,importFailureReason)'`,
      '  (VERSION: the number the import printed) must show ENABLED.',
    ];
    if (key.publicKeySpki)
      check.push(
        `gcloud kms keys versions get-public-key VERSION ${where} --output-file kms-public-key.pem && openssl pkey -pubin -in kms-public-key.pem -outform DER | sha256sum`,
        "  must print the SHA-256 of this key's public key:",
        ...publicKeyFingerprintLines(key.publicKeySpki).slice(1),
      );
    else if (raw)
      check.push(
        'head -c 16 /dev/zero > zero-block.bin',
        `gcloud kms raw-encrypt --version VERSION ${where} --plaintext-file zero-block.bin --initialization-vector-file zero-block.bin --ciphertext-file check.bin && od -An -tx1 check.bin | head -1`,
        `  ${zeroBlockNote(key.kcv).replace('AES-CBC', `AES-${raw[1]?.toUpperCase() ?? 'CBC'}`)}`,
      );
    else
      check.push(
        `Google Cloud KMS shows nothing to compare with this key's check value ${key.kcv.toUpperCase()} for ${algorithm} keys.`,
      );
    return {
      steps: [
        `gcloud kms keys versions import --import-job ${terms.target.importJob ?? ''} ${where} --algorithm ${algorithm} --wrapped-key-file wrapped-key.bin`,
        ...(algorithm === 'google-symmetric-encryption'
          ? [
              `gcloud kms keys set-primary-version ${name} --keyring ${keyring} --location ${location} --version VERSION   (once the new version is ENABLED, to encrypt with it)`,
            ]
          : []),
      ],
      permission: `cloudkms.cryptoKeyVersions.create on the key and cloudkms.importJobs.useToImport on the import job${raw ? `, and cloudkms.cryptoKeyVersions.manageRawAes${raw[1] === 'cbc' ? 'Cbc' : 'Ctr'}Keys` : ''}${algorithm === 'google-symmetric-encryption' ? '; cloudkms.cryptoKeys.update to make it primary' : ''}`,
      client: 'Google Cloud CLI (gcloud)',
      check,
    };
  },
};
