/**
 * Azure Key Vault (Premium) and Managed HSM: a .byok file (the BYOK specification's JSON, its ciphertext
 * CKM_RSA_AES_KEY_WRAP with OAEP SHA-1) under a key exchange key (KEK) of the vault, imported by
 * `az keyvault key import`.
 */
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { cmkShapes, type CmkSpec } from '../../shared/keys';
import type { ImportTerms, ProviderProfile } from './profile';
import { deadline, field, importOf, keyTypeRefusal, modulus, wrappedFileProblems, zeroBlockNote } from './rules';
import { parseWrappingKey } from './wrapping-key-file';

const id = 'azure-key-vault';
const docs = {
  spec: 'Azure BYOK specification: https://learn.microsoft.com/azure/key-vault/keys/byok-specification',
  types:
    'Import HSM-protected keys (BYOK), supported key types: https://learn.microsoft.com/azure/key-vault/keys/hsm-protected-keys-byok',
  cli: 'azure-cli 2.45 keyvault/_params.py (--kty EC|RSA|oct; --curve), custom.py import_key (kty + "-HSM"), _validators.py (--curve with EC only)',
  clouds: 'azure-cli 2.45 core/cloud.py: keyvault_dns and mhsm_dns of AzureCloud, AzureChinaCloud, AzureUSGovernment',
};

/** Key Vault and Managed HSM hosts of each cloud, and the az cloud name. */
const clouds = [
  { suffix: 'azure.net', cloud: 'AzureCloud' },
  { suffix: 'azure.cn', cloud: 'AzureChinaCloud' },
  { suffix: 'usgovcloudapi.net', cloud: 'AzureUSGovernment' },
] as const;
const kidPattern = new RegExp(
  `^https://([a-z0-9-]{3,24})\\.(vault|managedhsm)\\.(${clouds.map((c) => c.suffix.replace(/\./g, '\\.')).join('|')})/keys/[A-Za-z0-9-]{1,127}/[0-9a-f]{32}$`,
);

const keyTypes: Partial<Record<CmkSpec, string>> = {
  AES_128: 'oct-HSM 128 (Managed HSM only)',
  AES_192: 'oct-HSM 192 (Managed HSM only)',
  AES_256: 'oct-HSM 256 (Managed HSM only)',
  RSA_2048: 'RSA-HSM 2048',
  RSA_3072: 'RSA-HSM 3072',
  RSA_4096: 'RSA-HSM 4096',
  EC_P256: 'EC-HSM P-256',
  EC_P384: 'EC-HSM P-384',
  EC_P521: 'EC-HSM P-521',
  EC_SECP256K1: 'EC-HSM P-256K',
};

/** Where the KEK is: a key vault or a Managed HSM, its name, and the az cloud that reaches it. */
function placeOf(kid: string): { kind: 'vault' | 'managedhsm'; name: string; cloud: string } {
  const match = kidPattern.exec(kid);
  return {
    kind: match?.[2] === 'managedhsm' ? 'managedhsm' : 'vault',
    name: match?.[1] ?? '',
    cloud: clouds.find((c) => c.suffix === match?.[3])?.cloud ?? 'AzureCloud',
  };
}

/** az's --kty and --curve: az appends "-HSM" to --kty itself, and takes --curve with EC only. */
function ktyOf(spec: CmkSpec): string {
  const shape = cmkShapes[spec];
  if (shape.kind === 'ec') return `--kty EC --curve ${shape.curve === 'secp256k1' ? 'P-256K' : shape.curve}`;
  return shape.kind === 'rsa' ? '--kty RSA' : '--kty oct';
}

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

const byokName = (terms: Pick<ImportTerms, 'target'>): string => `${terms.target.keyName ?? 'key'}.byok`;

export const azureKeyVault: ProviderProfile = {
  id,
  fields: [
    {
      name: 'kid',
      label: 'Key exchange key id (kid)',
      hint: 'https://contoso.vault.azure.net/keys/KEK/0123…, or …managedhsm.azure.net/… for a Managed HSM',
    },
    { name: 'keyName', label: 'Name of the key to import as' },
    { name: 'deadline', label: 'Import deadline (ISO time, optional)', optional: true },
  ],
  keyTypes,
  wraps: [
    { algorithm: 'RSA_AES_KEY_WRAP_SHA_1', providerName: 'CKM_RSA_AES_KEY_WRAP', modulusBits: [2048, 3072, 4096] },
  ],
  rules: [
    {
      rule: 'Target keys: RSA 2048/3072/4096, EC P-256/P-384/P-521/P-256K; AES (oct) 128/192/256 on Managed HSM only',
      source: docs.types,
    },
    {
      rule: 'KEK: RSA-HSM 2048/3072/4096; CKM_RSA_AES_KEY_WRAP with RSA-OAEP SHA-1; the .byok JSON format',
      source: docs.spec,
    },
    { rule: 'az keyvault key import --kty RSA|EC|oct (not RSA-HSM), --curve with EC only', source: docs.cli },
    { rule: 'Hosts: vault. and managedhsm. under azure.net, azure.cn, usgovcloudapi.net', source: docs.clouds },
  ],

  read(files, fields, now) {
    const key = parseWrappingKey(files.wrappingKey);
    modulus(id, key, [2048, 3072, 4096]);
    const kid = field(
      id,
      fields,
      'kid',
      kidPattern,
      'https://contoso.vault.azure.net/keys/KEK/0123456789abcdef0123456789abcdef',
    );
    return importOf(id, key, files.wrappingKey, {
      algorithm: 'RSA_AES_KEY_WRAP_SHA_1', // Azure's BYOK specification: CKM_RSA_AES_KEY_WRAP, OAEP with SHA-1
      providerAlgorithm: 'CKM_RSA_AES_KEY_WRAP',
      deadline: deadline(id, fields.deadline, false, now, 'fields.deadline'),
      target: { kid, keyName: field(id, fields, 'keyName', /^[A-Za-z0-9-]{1,127}$/, 'tenant-cmk') },
    });
  },

  refusal(spec, terms) {
    const type = keyTypeRefusal(id, keyTypes, spec, "Azure's supported key types for BYOK");
    if (type) return type;
    if (cmkShapes[spec].kind === 'aes' && placeOf(terms.target.kid ?? '').kind !== 'managedhsm')
      return `Azure takes AES (oct-HSM) keys on Managed HSM only (a kid on *.managedhsm.*), and this KEK is in a key vault (${terms.target.kid ?? ''})`;
    return undefined;
  },

  payload({ import: params, wrapped, generator }) {
    const byok = {
      schema_version: '1.0.0',
      header: { kid: params.target.kid ?? '', alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' },
      ciphertext: wrapped.toString('base64url'),
      generator,
    };
    return [{ name: byokName(params), bytes: Buffer.from(`${JSON.stringify(byok, null, 2)}\n`) }];
  },

  problems(terms, spec, files) {
    const name = byokName(terms);
    let json: unknown;
    try {
      json = JSON.parse(files.get(name)?.toString('utf8') ?? '');
    } catch {
      return [`${name} is missing or not JSON`];
    }
    const parsed = byokSchema.safeParse(json);
    if (!parsed.success)
      return [
        `${name} does not follow the BYOK schema (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`,
      ];
    if (parsed.data.header.kid !== terms.target.kid)
      return [`${name} names the KEK ${parsed.data.header.kid}, not the recorded ${terms.target.kid ?? ''}`];
    return wrappedFileProblems(terms, spec, Buffer.from(parsed.data.ciphertext, 'base64url'), `${name} ciphertext`);
  },

  guide(terms, key) {
    const place = placeOf(terms.target.kid ?? '');
    const where = place.kind === 'managedhsm' ? `--hsm-name ${place.name}` : `--vault-name ${place.name}`;
    const name = terms.target.keyName ?? '';
    const shape = cmkShapes[key.spec];
    const expected = (() => {
      if (!key.publicKeySpki) return [];
      const jwk = createPublicKey({ key: key.publicKeySpki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
      // az shows the key's byte fields in standard base64.
      const b64 = (value: string | undefined) => Buffer.from(value ?? '', 'base64url').toString('base64');
      return jwk.kty === 'RSA'
        ? [`az keyvault key show ${where} --name ${name} --query key.n -o tsv`, `  must print ${b64(jwk.n)}`]
        : [
            `az keyvault key show ${where} --name ${name} --query "[key.x, key.y]" -o tsv`,
            `  must print ${b64(jwk.x)} and ${b64(jwk.y)}`,
          ];
    })();
    const aes =
      shape.kind === 'aes'
        ? [
            `az keyvault key encrypt ${where} --name ${name} --algorithm A${shape.bytes * 8}CBC --value AAAAAAAAAAAAAAAAAAAAAA== --iv 00000000000000000000000000000000 --query result -o tsv | base64 -d | od -An -tx1 | head -1`,
            `  (one zero block, base64, under a zero IV; the key must allow encrypt). ${zeroBlockNote(key.kcv)}`,
          ]
        : [];
    return {
      steps: [
        ...(place.cloud === 'AzureCloud' ? [] : [`az cloud set --name ${place.cloud}`]),
        `az keyvault key import ${where} --name ${name} --byok-file ${byokName(terms)} ${ktyOf(key.spec)}`,
      ],
      permission:
        place.kind === 'managedhsm'
          ? 'the Managed HSM local role "Managed HSM Crypto User" (Microsoft.KeyVault/managedHsm/keys/import/action; keys/read and keys/encrypt for the check)'
          : 'the key permission "import" in the vault\'s access policy, or Microsoft.KeyVault/vaults/keys/import/action under Azure RBAC (e.g. Key Vault Crypto Officer); "get" for the check',
      client: 'Azure CLI (az) 2.45 or later',
      notes: [
        'Type --kty and --curve as written here: az adds "-HSM" to --kty itself, and refuses --kty RSA-HSM or EC-HSM and --curve-name, which Microsoft\'s BYOK page shows.',
      ],
      check: [
        ...expected,
        ...aes,
        ...(expected.length === 0 && aes.length === 0 ? ['Azure shows nothing to compare with this key.'] : []),
      ],
    };
  },
};
