/**
 * docs/providers.md, written from the provider modules themselves: for each provider its key types,
 * wraps, the commands a bundle's README gives (for a sample key), the permission, the check after
 * upload, and the source of every rule. A test keeps the file equal to this (npm run provider-docs).
 */
import { createPublicKey } from 'node:crypto';
import { cmkSpecWords, isSecretSpec, type CmkSpec } from '../../shared/keys';
import { providerIds, providerNames, wrapWords } from '../../shared/providers';
import { testKeyOf } from '../bundles/self-test-vectors';
import type { ImportTerms } from './profile';
import { providerProfile, settleImport } from './registry';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The public key of the published EC P-384 test key (never a real key): the sample key pair shown. */
function samplePublicKey(): Buffer {
  const known = testKeyOf('EC_P384');
  if (!('privateKey' in known)) throw new Error('the published EC test key is missing');
  return createPublicKey(known.privateKey).export({ type: 'spki', format: 'der' });
}

/** Example import terms of each provider, as its console would give them. */
const samples: Record<string, { spec: CmkSpec; terms: ImportTerms }> = {
  'aws-kms': {
    spec: 'AES_256',
    terms: {
      provider: 'aws-kms',
      algorithm: 'RSAES_OAEP_SHA_256',
      providerAlgorithm: 'RSAES_OAEP_SHA_256',
      modulusBits: 4096,
      target: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', expiration: 'never' },
    },
  },
  'azure-key-vault': {
    spec: 'EC_P384',
    terms: {
      provider: 'azure-key-vault',
      algorithm: 'RSA_AES_KEY_WRAP_SHA_1',
      providerAlgorithm: 'CKM_RSA_AES_KEY_WRAP',
      modulusBits: 3072,
      target: { kid: `https://contoso.vault.azure.net/keys/KEK/${'0'.repeat(32)}`, keyName: 'tenant-cmk' },
    },
  },
  'google-cloud-kms': {
    spec: 'AES_256',
    terms: {
      provider: 'google-cloud-kms',
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      providerAlgorithm: 'RSA_OAEP_3072_SHA256_AES_256',
      modulusBits: 3072,
      target: {
        importJob: 'projects/p/locations/europe-west1/keyRings/r/importJobs/job-1',
        cryptoKey: 'projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k',
      },
    },
  },
  'hashicorp-vault': {
    spec: 'AES_256',
    terms: {
      provider: 'hashicorp-vault',
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      providerAlgorithm: 'hash_function=SHA256',
      modulusBits: 4096,
      target: { mount: 'transit', keyName: 'tenant-cmk' },
    },
  },
  'salesforce-shield': {
    spec: 'AES_256',
    terms: {
      provider: 'salesforce-shield',
      algorithm: 'RSAES_OAEP_SHA_512',
      providerAlgorithm: 'RSA-OAEP SHA512',
      modulusBits: 4096,
      target: { certificateSubject: 'CN=BYOK', secretType: 'data' },
    },
  },
  generic: {
    spec: 'AES_256',
    terms: {
      provider: 'generic',
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      providerAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      modulusBits: 2048,
      target: {},
    },
  },
};

export function providersMarkdown(): string {
  const out = [
    '# Providers: what each takes, and how a bundle is uploaded',
    '',
    'Written from the provider modules (`src/main/providers/*.ts`) by `npm run provider-docs`; a test keeps it',
    'in step with them. Every rule below is enforced when an export is planned, before anyone approves: a key',
    'type or wrap the provider does not take is refused, citing the rule. What the token itself can do is',
    "checked at the same time, from its capability sheet (docs/tokens/). Each bundle's README.txt gives the",
    'exact commands below for its own key, the permission they need, and the check to make after upload.',
    '',
  ];
  for (const id of providerIds) {
    const profile = providerProfile(id);
    const sample = samples[id];
    out.push(`## ${providerNames[id]}`, '', '| Key type | Name at the provider |', '|---|---|');
    for (const [spec, name] of Object.entries(profile.keyTypes) as [CmkSpec, string][])
      out.push(`| ${cmkSpecWords[spec]} (\`${spec}\`) | ${cell(name)} |`);
    out.push('', '| Wrap | Name at the provider | Wrapping key |', '|---|---|---|');
    for (const wrap of profile.wraps)
      out.push(
        `| ${wrapWords(wrap.algorithm)} | ${cell(wrap.providerName)} | RSA-${wrap.modulusBits.join(', RSA-')} |`,
      );
    out.push('', '| Rule | Source |', '|---|---|');
    for (const rule of profile.rules) out.push(`| ${cell(rule.rule)} | ${cell(rule.source)} |`);
    if (sample) {
      const terms = settleImport(
        sample.spec,
        {
          ...sample.terms,
          wrappingKeySpki: new Uint8Array(),
          wrappingKeyFingerprint: '',
          sourceSha256: '',
          deadline: null,
        },
        1,
      );
      const guide = profile.guide(
        terms,
        {
          name: 'tenant-cmk',
          version: 1,
          spec: sample.spec,
          kcv: 'abcdef',
          ...(isSecretSpec(sample.spec) ? {} : { publicKeySpki: samplePublicKey() }),
        },
        [],
      );
      out.push(
        '',
        `For example, for an ${cmkSpecWords[sample.spec]} key${guide.client ? `, with ${guide.client}` : ''}:`,
        '',
        '```',
        ...guide.steps,
        '```',
        '',
        ...(guide.notes ?? []).flatMap((note) => [note, '']),
        `Permission: ${guide.permission}.`,
        '',
        'Check after upload:',
        '',
        '```',
        ...guide.check,
        '```',
      );
    }
    out.push('');
  }
  return out.join('\n');
}
