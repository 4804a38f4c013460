/**
 * AWS KMS: key material imported into a KMS key of origin EXTERNAL (GetParametersForImport, then
 * ImportKeyMaterial), first or as new key material for an on-demand rotation.
 */
import { z } from 'zod';
import { cmkShapes, type CmkSpec } from '../../shared/keys';
import { wrapMethods, type WrapAlgorithm } from '../../shared/providers';
import type { ImportTerms, ProviderProfile } from './profile';
import {
  chosenTime,
  deadline,
  field,
  importOf,
  keyTypeRefusal,
  modulus,
  oaepCapacity,
  publicKeyFingerprintLines,
  refuse,
  sha256,
  wrappedFileProblems,
} from './rules';
import { parseWrappingKey } from './wrapping-key-file';

const id = 'aws-kms';
const docs = {
  wrapping:
    'AWS KMS Developer Guide, "Select a wrapping algorithm": https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys-get-public-key-and-token.html',
  material:
    'AWS KMS Developer Guide, "Requirements for imported key material": https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys-conceptual.html',
  api: 'AWS KMS API Reference, ImportKeyMaterial: https://docs.aws.amazon.com/kms/latest/APIReference/API_ImportKeyMaterial.html',
  cli: 'aws-cli CHANGELOG.rst, 2.27.30 (2025-06-05): on-demand rotation of keys with imported key material',
};

const keyTypes: Partial<Record<CmkSpec, string>> = {
  AES_256: 'SYMMETRIC_DEFAULT',
  HMAC_SHA224: 'HMAC_224',
  HMAC_SHA256: 'HMAC_256',
  HMAC_SHA384: 'HMAC_384',
  HMAC_SHA512: 'HMAC_512',
  RSA_2048: 'RSA_2048',
  RSA_3072: 'RSA_3072',
  RSA_4096: 'RSA_4096',
  EC_P256: 'ECC_NIST_P256',
  EC_P384: 'ECC_NIST_P384',
  EC_P521: 'ECC_NIST_P521',
  EC_SECP256K1: 'ECC_SECG_P256K1',
};

const algorithms = [
  'RSAES_OAEP_SHA_256',
  'RSAES_OAEP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
] as const satisfies readonly WrapAlgorithm[];

/** How this material goes into the KMS key: its first material, new material for a rotation, or the same again. */
const importKinds = ['first-import', 'new-key-material', 'reimport'] as const;
type ImportKind = (typeof importKinds)[number];
const importTypes: Record<ImportKind, string | undefined> = {
  'first-import': undefined, // ImportType defaults to NEW_KEY_MATERIAL on a key's first import; AWS CLI 2.9 has no --import-type
  'new-key-material': 'NEW_KEY_MATERIAL',
  reimport: 'EXISTING_KEY_MATERIAL',
};

const parametersJson = z
  .object({
    KeyId: z.string().optional(),
    ImportToken: z.base64(),
    PublicKey: z.base64(),
    ParametersValidTo: z.union([z.string(), z.number()]),
  })
  .loose();

const keyIdPattern = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/)?(mrk-)?[0-9a-f-]{32,36}$/;
const descriptionPattern = /^[a-zA-Z0-9:/_\s.-]{1,256}$/;

const kindOf = (terms: ImportTerms): ImportKind =>
  importKinds.find((k) => k === terms.target.importAs) ?? 'first-import';

export const awsKms: ProviderProfile = {
  id,
  importTokenFile: 'The import token file (ImportToken.bin, when the wrapping key is a .bin file)',
  fields: [
    {
      name: 'algorithm',
      label: 'Wrapping algorithm chosen in AWS',
      options: algorithms.map((a) => ({ value: a, label: a, wrap: a })),
    },
    {
      name: 'keyId',
      label: 'AWS KMS key id or ARN',
      hint: 'Read from the parameters file when it is the GetParametersForImport JSON.',
    },
    {
      name: 'parametersValidTo',
      label: 'Parameters valid until (ISO time)',
      hint: 'Read from the parameters file when it is the JSON.',
    },
    {
      name: 'importAs',
      label: 'This upload is',
      optional: true,
      hint: 'Left to Keyward: the first material for version 1, new key material (a rotation) for a later version.',
      options: [
        { value: '', label: 'Decided by the key version' },
        { value: 'first-import', label: "The KMS key's first key material" },
        { value: 'new-key-material', label: 'New key material for a rotation (ImportType NEW_KEY_MATERIAL)' },
        { value: 'reimport', label: 'The same key material again (ImportType EXISTING_KEY_MATERIAL)' },
      ],
    },
    {
      name: 'validTo',
      label: 'Key material expires at (ISO time, optional)',
      optional: true,
      hint: 'Empty: the key material does not expire. At most 365 days ahead.',
    },
    {
      name: 'keyMaterialDescription',
      label: 'Key material description (optional, symmetric keys)',
      optional: true,
    },
  ],
  keyTypes,
  wraps: algorithms.map((algorithm) => ({ algorithm, providerName: algorithm, modulusBits: [2048, 3072, 4096] })),
  rules: [
    { rule: 'Key specs that can be imported, and the format of each (raw, PKCS#8)', source: docs.material },
    {
      rule: 'Symmetric and HMAC key material only under RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256',
      source: docs.wrapping,
    },
    { rule: 'RSA private keys only under RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256', source: docs.wrapping },
    {
      rule: 'ECC private keys under any of the four, except ECC_NIST_P521 under RSA_2048 with RSAES_OAEP_SHA_*',
      source: docs.wrapping,
    },
    {
      rule: 'ImportType, KeyMaterialDescription: symmetric encryption keys only; ValidTo at most 365 days ahead',
      source: docs.api,
    },
    { rule: '--import-type and --key-material-description need AWS CLI 2.27.30 or later', source: docs.cli },
  ],

  read(files, givenFields, now) {
    let fields = givenFields;
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
          id,
          'the parameters file starts like JSON but is not valid JSON',
          'Save the output of "aws kms get-parameters-for-import" unchanged.',
          'files.wrappingKey',
        );
      }
      const parsed = parametersJson.safeParse(json);
      if (!parsed.success)
        throw refuse(
          id,
          'the JSON is not GetParametersForImport output (it needs PublicKey, ImportToken and ParametersValidTo)',
          'Save the output of "aws kms get-parameters-for-import" unchanged.',
          'files.wrappingKey',
        );
      spki = Buffer.from(parsed.data.PublicKey, 'base64');
      importToken = Buffer.from(parsed.data.ImportToken, 'base64');
      validTo = parsed.data.ParametersValidTo;
      if (parsed.data.KeyId && !fields.keyId) fields = { ...fields, keyId: parsed.data.KeyId };
    }
    if (!importToken || importToken.length === 0)
      throw refuse(
        id,
        'the import token is missing',
        'Bring ImportToken.bin from the same download as the wrapping key.',
        'files.importToken',
      );
    const key = parseWrappingKey(spki);
    modulus(id, key, [2048, 3072, 4096]);
    const algorithm = field(id, fields, 'algorithm', /^[A-Z0-9_]+$/, 'RSAES_OAEP_SHA_256');
    const known = algorithms.find((a) => a === algorithm);
    if (!known)
      throw refuse(
        id,
        `the wrapping algorithm ${algorithm} is not one AWS KMS offers`,
        `Choose one of ${algorithms.join(', ')}: the one chosen when the parameters were downloaded.`,
        'fields.algorithm',
      );
    const importAs = fields.importAs?.trim();
    if (importAs && !importKinds.some((k) => k === importAs))
      throw refuse(
        id,
        `"${importAs}" is not a kind of upload`,
        `Choose one of ${importKinds.join(', ')}.`,
        'fields.importAs',
      );
    const expiry = fields.validTo?.trim();
    const description = fields.keyMaterialDescription?.trim();
    if (description && !descriptionPattern.test(description))
      throw refuse(
        id,
        'the key material description may hold only letters, digits, spaces and : / _ . - (at most 256)',
        'Shorten or simplify the description.',
        'fields.keyMaterialDescription',
      );
    return importOf(id, key, files.wrappingKey, {
      algorithm: known,
      providerAlgorithm: known,
      deadline: deadline(id, validTo, true, now, 'fields.parametersValidTo'),
      importToken,
      target: {
        keyId: field(id, fields, 'keyId', keyIdPattern, '1234abcd-12ab-34cd-56ef-1234567890ab or its ARN'),
        ...(importAs ? { importAs } : {}),
        expiration: expiry
          ? chosenTime(id, expiry, 'the key material expiry', now, 365, 'AWS takes ValidTo at most 365 days ahead')
          : 'never',
        ...(description ? { keyMaterialDescription: description } : {}),
      },
    });
  },

  settle(spec, params, version) {
    if (params.target.importAs) return params;
    // Version 1 is the KMS key's first material; a later version of a symmetric key is its rotation.
    const importAs: ImportKind = version > 1 && spec === 'AES_256' ? 'new-key-material' : 'first-import';
    return { ...params, target: { ...params.target, importAs } };
  },

  refusal(spec, terms) {
    const type = keyTypeRefusal(id, keyTypes, spec, `AWS's "Requirements for imported key material"`);
    if (type) return type;
    const shape = cmkShapes[spec];
    const { kind } = wrapMethods[terms.algorithm];
    if ((shape.kind === 'aes' || shape.kind === 'hmac') && kind !== 'oaep')
      return `AWS KMS takes symmetric and HMAC key material only under RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256, not ${terms.algorithm} (AWS's table of wrapping algorithms)`;
    if (shape.kind === 'rsa' && kind === 'oaep')
      return `AWS KMS takes RSA private key material only under RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256, not ${terms.algorithm} (AWS's table of wrapping algorithms)`;
    if (spec === 'EC_P521' && kind === 'oaep' && terms.modulusBits === 2048)
      return `AWS KMS does not take ECC_NIST_P521 key material under an RSA_2048 wrapping key with ${terms.algorithm}: use RSA_AES_KEY_WRAP_SHA_* or a larger wrapping key (AWS's table of wrapping algorithms)`;
    const capacity = oaepCapacity(spec, terms.algorithm, terms.modulusBits);
    if (capacity) return capacity;
    const importAs = kindOf(terms);
    if (spec !== 'AES_256' && importAs !== 'first-import')
      return `AWS KMS takes new or repeated key material (ImportType) for symmetric encryption keys only: an ${keyTypes[spec] ?? spec} key's material cannot change after its first import, so a new version goes into a new KMS key`;
    if (spec !== 'AES_256' && terms.target.keyMaterialDescription)
      return 'AWS KMS takes a key material description for symmetric encryption keys only';
    return undefined;
  },

  payload: ({ import: params, wrapped }) => [
    { name: 'EncryptedKeyMaterial.bin', bytes: wrapped },
    { name: 'ImportToken.bin', bytes: Buffer.from(params.importToken ?? []) },
  ],

  problems(terms, spec, files) {
    const token = files.get('ImportToken.bin');
    return [
      ...wrappedFileProblems(terms, spec, files.get('EncryptedKeyMaterial.bin'), 'EncryptedKeyMaterial.bin'),
      ...(!token?.length
        ? ['ImportToken.bin is missing or empty']
        : terms.importTokenSha256 !== undefined && sha256(token) !== terms.importTokenSha256
          ? ['ImportToken.bin is not the import token the manifest records']
          : []),
    ];
  },

  guide(terms, key) {
    const keyId = terms.target.keyId ?? '';
    const importAs = kindOf(terms);
    const importType = importTypes[importAs];
    const expires =
      terms.target.expiration && terms.target.expiration !== 'never' ? terms.target.expiration : undefined;
    const description = terms.target.keyMaterialDescription;
    const upload = [
      `aws kms import-key-material --key-id ${keyId}`,
      '--encrypted-key-material fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportToken.bin',
      expires
        ? `--expiration-model KEY_MATERIAL_EXPIRES --valid-to ${expires}`
        : '--expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE',
      ...(importType ? [`--import-type ${importType}`] : []),
      ...(description ? [`--key-material-description '${description}'`] : []),
    ].join(' ');
    const rotation = importAs === 'new-key-material';
    const pair = cmkShapes[key.spec].kind === 'rsa' || cmkShapes[key.spec].kind === 'ec';
    return {
      steps: [
        upload,
        ...(rotation ? [`aws kms rotate-key-on-demand --key-id ${keyId}   (makes the new key material current)`] : []),
      ],
      permission: `kms:ImportKeyMaterial on the KMS key${rotation ? ', and kms:RotateKeyOnDemand' : ''}; kms:DescribeKey${pair ? ' and kms:GetPublicKey' : ''} for the check`,
      client:
        importType || description
          ? 'AWS CLI 2.27.30 or later (--import-type and --key-material-description came in 2.27.30)'
          : 'AWS CLI version 2',
      check: [
        `aws kms describe-key --key-id ${keyId} --query 'KeyMetadata.[KeyState,Origin,ExpirationModel]'`,
        `  must show Enabled, EXTERNAL and ${expires ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE'}.`,
        ...(rotation
          ? [
              `aws kms list-key-rotations --key-id ${keyId} --include-key-material ALL_KEY_MATERIAL`,
              '  must show the KeyMaterialId the upload returned as CURRENT.',
            ]
          : []),
        ...(key.publicKeySpki
          ? [
              `aws kms get-public-key --key-id ${keyId} --query PublicKey --output text | base64 -d | sha256sum`,
              "  must print the SHA-256 of this key's public key:",
              ...publicKeyFingerprintLines(key.publicKeySpki).slice(1),
            ]
          : [
              `AWS KMS shows nothing to compare with this key's check value ${key.kcv.toUpperCase()}: the KeyMaterialId it returns is computed inside AWS. Record that KeyMaterialId in the ceremony log beside the check value.`,
            ]),
      ],
    };
  },
};
