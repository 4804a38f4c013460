/**
 * Salesforce Shield Platform Encryption, Bring Your Own Key: a 256-bit tenant secret wrapped under the
 * BYOK-compatible certificate (RSA-4096), uploaded in Setup with the SHA-256 of the secret.
 */
import type { CmkSpec } from '../../shared/keys';
import type { WrapAlgorithm } from '../../shared/providers';
import type { ImportTerms, ProviderProfile } from './profile';
import { base64File, choice, deadline, importOf, keyTypeRefusal, modulus, refuse, wrappedFileProblems } from './rules';
import { parseWrappingKey } from './wrapping-key-file';

const id = 'salesforce-shield';
const docs = {
  wrap: 'Salesforce Help, "Wrap BYOK Key Material": https://help.salesforce.com/s/articleView?id=xcloud.security_pe_byok_generate_secret.htm',
  flow: 'Salesforce Help, "BYOK Tenant Secret Flow": https://help.salesforce.com/s/articleView?id=xcloud.security_shield_pe_byok_secret_flow.htm',
};

const keyTypes: Partial<Record<CmkSpec, string>> = { AES_256: '256-bit tenant secret' };

/** The kinds of secret, and the wrap each takes: OAEP for data, CKM_RSA_AES_KEY_WRAP for Search Index and Database Encryption. */
const secretTypes = {
  data: { label: 'Fields, files and event bus data (RSA-OAEP)', rsaAes: false },
  'search-index': { label: 'Search Index (CKM_RSA_AES_KEY_WRAP)', rsaAes: true },
  'database-encryption': { label: 'Database Encryption (CKM_RSA_AES_KEY_WRAP)', rsaAes: true },
} as const;
type SecretType = keyof typeof secretTypes;
const secretTypeList = Object.keys(secretTypes) as SecretType[];

const algorithmOf = (type: SecretType, hash: 'SHA512' | 'SHA1'): WrapAlgorithm =>
  secretTypes[type].rsaAes ? 'RSA_AES_KEY_WRAP_SHA_512' : hash === 'SHA1' ? 'RSAES_OAEP_SHA_1' : 'RSAES_OAEP_SHA_512';

const secretTypeOf = (terms: Pick<ImportTerms, 'target'>): SecretType =>
  secretTypeList.find((t) => t === terms.target.secretType) ?? 'data';

export const salesforceShield: ProviderProfile = {
  id,
  fields: [
    {
      name: 'secretType',
      label: 'Kind of secret',
      options: secretTypeList.map((t) => ({ value: t, label: secretTypes[t].label })),
    },
    {
      name: 'hash',
      label: 'Hash of the RSA-OAEP padding',
      hint: 'SHA512, which Salesforce recommends; SHA1 is still accepted for field, file and event bus secrets.',
      options: [
        // The OAEP wraps stand for the hash the token must do (the RSA-AES wrap of index secrets needs it too).
        { value: 'SHA512', label: 'SHA-512 (recommended by Salesforce)', wrap: 'RSAES_OAEP_SHA_512' },
        { value: 'SHA1', label: 'SHA-1', wrap: 'RSAES_OAEP_SHA_1' },
      ],
    },
    { name: 'deadline', label: 'Upload deadline (ISO time, optional)', optional: true },
  ],
  keyTypes,
  wraps: [
    { algorithm: 'RSAES_OAEP_SHA_512', providerName: 'RSA-OAEP, SHA-512', modulusBits: [4096] },
    { algorithm: 'RSAES_OAEP_SHA_1', providerName: 'RSA-OAEP, SHA-1', modulusBits: [4096] },
    { algorithm: 'RSA_AES_KEY_WRAP_SHA_512', providerName: 'CKM_RSA_AES_KEY_WRAP, SHA-512', modulusBits: [4096] },
  ],
  rules: [
    {
      rule: 'A 256-bit secret, wrapped under the 4096-bit BYOK-compatible certificate with SHA-512 (SHA-1 still accepted for OAEP)',
      source: docs.wrap,
    },
    { rule: 'Search Index and Database Encryption: CKM_RSA_AES_KEY_WRAP', source: docs.wrap },
    { rule: 'Uploaded: the encrypted secret in base64 and the SHA-256 of the secret in base64', source: docs.flow },
  ],

  read(files, fields, now) {
    const key = parseWrappingKey(files.wrappingKey);
    if (!key.certificate)
      throw refuse(
        id,
        'the file is not a certificate',
        'Download the BYOK-compatible certificate from Setup, Platform Encryption, Key Management.',
      );
    modulus(id, key, [4096]);
    const secretType = choice(id, fields, 'secretType', secretTypeList);
    const hash = choice(id, { hash: fields.hash?.trim().toUpperCase() }, 'hash', ['SHA512', 'SHA1'] as const);
    if (secretTypes[secretType].rsaAes && hash === 'SHA1')
      throw refuse(
        id,
        `a ${secretTypes[secretType].label} secret is wrapped with SHA-512: Salesforce accepts SHA-1 only for OAEP-wrapped secrets`,
        'Choose SHA512.',
      );
    const algorithm = algorithmOf(secretType, hash);
    const certificateEnd = deadline(id, key.certificate.notAfter, true, now, 'files.wrappingKey');
    const given = deadline(id, fields.deadline, false, now, 'fields.deadline');
    return importOf(id, key, files.wrappingKey, {
      algorithm,
      providerAlgorithm: secretTypes[secretType].rsaAes ? 'CKM_RSA_AES_KEY_WRAP' : `RSA-OAEP ${hash}`,
      deadline: given && certificateEnd && given < certificateEnd ? given : certificateEnd,
      target: { certificateSubject: key.certificate.subject, secretType },
    });
  },

  refusal: (spec) => keyTypeRefusal(id, keyTypes, spec, 'Salesforce takes a 256-bit tenant secret'),

  payload: ({ wrapped, keySha256 }) => [
    { name: 'encrypted-tenant-secret.b64', bytes: Buffer.from(wrapped.toString('base64')) },
    { name: 'tenant-secret-sha256.b64', bytes: Buffer.from((keySha256 ?? Buffer.alloc(0)).toString('base64')) },
  ],

  problems(terms, spec, files) {
    const hash = base64File(files, 'tenant-secret-sha256.b64');
    return [
      ...wrappedFileProblems(
        terms,
        spec,
        base64File(files, 'encrypted-tenant-secret.b64'),
        'encrypted-tenant-secret.b64',
      ),
      ...(hash?.length === 32 ? [] : ['tenant-secret-sha256.b64 is not a base64 SHA-256 hash']),
    ];
  },

  guide(terms) {
    const type = secretTypeOf(terms);
    return {
      steps: [
        `In Salesforce Setup, open Platform Encryption, then Key Management, choose the tenant secret type (${secretTypes[type].label.replace(/ \(.*\)$/, '')}), then "Bring Your Own Key".`,
        type === 'search-index'
          ? 'Upload encrypted-tenant-secret.b64 as the encrypted key material, with the session token file Salesforce gave with the certificate this bundle was made for.'
          : 'Upload encrypted-tenant-secret.b64 as the encrypted tenant secret and tenant-secret-sha256.b64 as its hash, with the certificate this bundle was made for.',
      ],
      permission: 'the Salesforce user permission "Manage Encryption Keys"',
      client: 'a web browser on Salesforce Setup',
      check: [
        'Salesforce compares the uploaded SHA-256 hash with the secret it unwraps and refuses the upload when they differ; the key then shows as Active in Key Management.',
        'Salesforce shows nothing else to compare with this key.',
      ],
    };
  },
};
