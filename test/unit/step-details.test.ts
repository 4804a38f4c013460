/**
 * The plan shows every value a step's digest covers (issue 19, point 7): for every step Keyward can plan,
 * each parameter its declaration accepts becomes a line in words, and none is left without words.
 */
import { describe, expect, it } from 'vitest';
import { ceremonyExecutors } from '../../src/main/ceremonies/registry';
import { stepDetails, stepFieldWords } from '../../src/main/ceremonies/step-details';
import type { StepValue } from '../../src/shared/ceremonies';

const fingerprint = 'ab'.repeat(32);
const spki = Buffer.from('a public key, DER').toString('base64');
const importParams = {
  provider: 'aws-kms',
  wrappingKeySpki: spki,
  wrappingKeyFingerprint: fingerprint,
  modulusBits: 4096,
  sourceSha256: 'cd'.repeat(32),
  algorithm: 'RSAES_OAEP_SHA_256',
  providerAlgorithm: 'RSAES_OAEP_SHA_256',
  deadline: '2026-12-05T10:00:00.000Z',
  importToken: Buffer.from('token').toString('base64'),
  target: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', importAs: 'new-key-material' },
};

/** One plan's parameters for each step action, as a planner writes them. */
const samples: Record<string, Record<string, StepValue>> = {
  'generate-key': {
    keyName: 'Tenant CMK',
    label: 'Tenant CMK v1',
    spec: 'AES_256',
    purpose: 'Tenant data',
    provider: 'aws-kms',
    rotationDays: 365,
  },
  'activate-version': { keyName: 'Tenant CMK', version: 1, fromVersion: null },
  'generate-version': {
    keyName: 'Tenant CMK',
    label: 'Tenant CMK v2',
    spec: 'RSA_4096',
    reason: 'due',
    version: 2,
    fromVersion: 1,
  },
  'set-version-state': { keyName: 'Tenant CMK', version: 1, state: 'disabled', from: 'active' },
  'destroy-version': { keyName: 'Tenant CMK', version: 1, tokenObjectId: 'a1b2c3', from: 'disabled' },
  'destruction-certificate': { keyName: 'Tenant CMK', version: 1, folder: '/media/usb/certs' },
  'backup-versions': {
    kekLabelId: '0b7e1f0e-1111-4222-8333-444455556666',
    versions: [{ name: 'Tenant CMK', version: 1 }],
    threshold: 2,
    packageFolder: '/media/a/package',
    shares: [
      { custodian: 'alice', name: 'Alice Martin', folder: '/media/b' },
      { custodian: 'bob', name: 'Bob Stone', folder: '/media/c' },
    ],
  },
  'restore-versions': {
    packageFolder: '/media/a/package',
    backupId: '0b7e1f0e-1111-4222-8333-444455556666',
    versions: [{ name: 'Tenant CMK', version: 1, label: 'Tenant CMK v1' }],
  },
  'select-hsm': {
    modulePath: '/usr/lib/softhsm/libsofthsm2.so',
    moduleArgs: "configdir='sql:/x'",
    moduleEnv: { SOFTHSM2_CONF: '/etc/softhsm2.conf' },
    tokenUri: 'pkcs11:token=keyward',
    rehearsalOnly: true,
    moduleSha256: 'ef'.repeat(32),
    tokenSerial: '1234',
    from: 'SoftHSM2, token keyward',
  },
  'enrol-officer': { id: 'carol', displayName: 'Carol Martin', role: 'key-custodian' },
  'set-officer-state': { id: 'carol', change: 'suspend', state: 'suspended', from: 'active', locked: false },
  'set-policy': {
    ceremonyType: 'generate-cmk',
    quorum: 3,
    roles: ['security-officer', 'key-custodian'],
    approvalLifetimeHours: 24,
    from: { quorum: 2, roles: ['security-officer'], approvalLifetimeHours: 24 },
  },
  'export-audit': { out: '/media/a/audit.jsonl' },
  'import-wrapping-key': { label: 'AWS import 2026-12', import: importParams },
  'export-bundle': {
    keyName: 'Tenant CMK',
    version: 1,
    wrappingKeyId: '7',
    import: importParams,
    parent: '/media/a/bundles',
    drive: 'KEYWARD-OUT',
  },
};

/** The values a step's parameters hold, leaf by leaf (a nested import counts each of its values; a target one line per name; a backup one line per share). */
function leaves(params: Record<string, StepValue>): number {
  return Object.entries(params).reduce((n, [key, value]) => {
    if (key === 'shares' && Array.isArray(value)) return n + value.length;
    if (key === 'import' && value && typeof value === 'object' && !Array.isArray(value)) return n + leaves(value);
    if (key === 'target' && value && typeof value === 'object' && !Array.isArray(value))
      return n + Math.max(1, Object.keys(value).length);
    return n + 1;
  }, 0);
}

describe('the details a plan shows for each step', () => {
  it('has a sample for every step Keyward can plan, each accepted by the step itself', () => {
    expect(Object.keys(samples).sort()).toEqual(Object.keys(ceremonyExecutors).sort());
    for (const [action, params] of Object.entries(samples))
      expect(ceremonyExecutors[action]?.paramsProblem?.(params), action).toBeNull();
  });

  it('shows every parameter, each under words of its own, and every token object the step reserves', () => {
    for (const [action, params] of Object.entries(samples)) {
      const objects = [{ label: 'Tenant CMK v1', id: '0a0b0c' }];
      const details = stepDetails({ params, objects });
      expect(details, action).toHaveLength(leaves(params) + objects.length);
      for (const d of details) {
        expect(d.value, `${action}: ${d.label}`).not.toMatch(/\[object Object\]|undefined|^$/);
        // A label that is only the parameter's own name has no words.
        const name = d.label.split(': ').at(-1) ?? '';
        expect(Object.keys(stepFieldWords).includes(name) && !/\s/.test(name), `${action}: ${d.label}`).toBe(false);
      }
      expect(details.at(-1)?.value).toContain('0a0b0c');
    }
  });

  it('says a generation in words: key type, provider, rotation period, with the ids beside them', () => {
    const details = stepDetails({ params: samples['generate-key'] ?? {}, objects: [] });
    const value = (label: string) => details.find((d) => d.label === label)?.value;
    expect(value('Key type')).toBe('AES-256 (AES_256)');
    expect(value('Provider')).toBe('AWS KMS (aws-kms)');
    expect(value('Rotation period')).toBe('every 365 days');
    expect(value('Purpose')).toBe('Tenant data');
  });

  it('shows what an export signs: the wrapping key, algorithm, deadline, import token and target, and the drive', () => {
    const details = stepDetails({ params: samples['export-bundle'] ?? {}, objects: [] });
    const value = (label: string) => details.find((d) => d.label === label)?.value;
    expect(value('Provider import: Wrapping key fingerprint (SHA-256)')).toBe(`${'ABAB '.repeat(15)}ABAB`);
    expect(value('Provider import: Wrapping algorithm')).toMatch(/^RSA-OAEP with SHA-256/);
    expect(value("Provider import: Provider's deadline")).toBe('2026-12-05 10:00:00 UTC');
    expect(value('Provider import: Import token')).toMatch(/^5 bytes, SHA-256 [0-9A-F ]+$/);
    expect(value('Provider import: At the provider: keyId')).toBe('1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(value('Drive')).toBe('KEYWARD-OUT');
    expect(value('Folder for the bundle')).toBe('/media/a/bundles');
  });

  it('says a policy change from and to in words', () => {
    const details = stepDetails({ params: samples['set-policy'] ?? {}, objects: [] });
    expect(details.find((d) => d.label === 'Policy before')?.value).toBe(
      '2 approvals from security officer, each valid 24 h',
    );
    expect(details.find((d) => d.label === 'Roles that approve')?.value).toBe(
      'security officer (security-officer), key custodian (key-custodian)',
    );
  });
});

it('names each share of a backup with its custodian, one line each, so each custodian finds their own', () => {
  const details = stepDetails({ params: samples['backup-versions'] ?? {}, objects: [] });
  expect(details.filter((d) => d.label.startsWith('Share '))).toEqual([
    { label: 'Share 1 of 2', value: 'to Alice Martin (alice), written to /media/b' },
    { label: 'Share 2 of 2', value: 'to Bob Stone (bob), written to /media/c' },
  ]);
});
