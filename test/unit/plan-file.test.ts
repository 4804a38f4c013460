import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { readAnswersFile, readPlanFile } from '../../src/main/ceremonies/plan-file';

it('reads the example plan in docs/', () => {
  expect(readPlanFile('generate-cmk.yaml', readFileSync('docs/ceremonies/generate-cmk.yaml', 'utf8'))).toEqual({
    type: 'generate-cmk',
    officers: ['alice', 'bob'],
    plan: {
      ceremony: 'generate-cmk',
      officers: ['alice', 'bob'],
      key: {
        name: 'Tenant CMK',
        purpose: "Encryption of the SaaS tenant's data",
        provider: 'aws-kms',
        spec: 'AES_256',
        rotationDays: 365,
      },
    },
  });
  expect(
    readAnswersFile('answers.yaml', readFileSync('docs/ceremonies/rehearsal-answers.yaml', 'utf8')).pinParts,
  ).toEqual(['1111-2222']);
});

it.each([
  ['ceremony: [unclosed', /is not valid YAML/],
  ['ceremony: make-coffee', /"ceremony" must name a ceremony type/],
  [
    'ceremony: initialise-workstation\nworkstation: {organization: O, name: N}\nfounding: [{id: alice, name: A, role: king}]',
    /founding/,
  ],
  ['ceremony: generate-cmk\nofficers: [alice]\nkey: {name: K, purpose: p}', /officers: name at least two officers/],
  ['ceremony: generate-cmk\nofficers: [alice, alice]\nkey: {name: K, purpose: p}', /an officer is named twice/],
  ['ceremony: generate-cmk\nofficers: [alice, bob]\nkey: {name: K, purpose: p, spec: DES}', /key.spec/],
  ['ceremony: generate-cmk\nofficers: [alice, bob]\nkey: {name: K, purpose: p}\nextra: 1', /Unrecognized key/],
  ['ceremony: generate-cmk\nceremony: generate-cmk', /is not valid YAML/],
])('refuses %j with the reason', (text, reason) => {
  expect(() => readPlanFile('plan.yaml', text)).toThrow(reason);
});

it('reads the example import and export plans in docs/', () => {
  expect(readPlanFile('i.yaml', readFileSync('docs/ceremonies/import-wrapping-key.yaml', 'utf8'))).toMatchObject({
    type: 'import-wrapping-key',
    plan: {
      provider: 'aws-kms',
      files: { wrappingKey: 'params/get-parameters-for-import.json' },
      fields: { algorithm: 'RSAES_OAEP_SHA_256' },
    },
  });
  expect(readPlanFile('e.yaml', readFileSync('docs/ceremonies/export-key.yaml', 'utf8'))).toMatchObject({
    type: 'export-key',
    plan: {
      key: { name: 'Tenant CMK', version: 1 },
      destination: { folder: '/media/officer/KEYWARD-USB', drive: 'KEYWARD-USB' },
    },
  });
  expect(readAnswersFile('a.yaml', readFileSync('docs/ceremonies/rehearsal-answers.yaml', 'utf8')).soPinParts).toEqual([
    '9999-8888',
  ]);
});

it('reads the example lifecycle plans in docs/', () => {
  const read = (name: string) => readPlanFile(name, readFileSync(`docs/ceremonies/${name}`, 'utf8'));
  expect(read('rotate-cmk.yaml')).toEqual({
    type: 'rotate-cmk',
    officers: ['alice', 'bob'],
    plan: { ceremony: 'rotate-cmk', officers: ['alice', 'bob'], key: { name: 'Tenant CMK' }, reason: 'due' },
  });
  expect(read('disable-key.yaml')).toMatchObject({
    type: 'disable-key',
    plan: { key: { name: 'Tenant CMK', version: 1 } },
  });
  expect(read('enable-key.yaml')).toMatchObject({ type: 'enable-key', plan: { state: 'decrypt-only' } });
  expect(read('destroy-key.yaml')).toMatchObject({
    type: 'destroy-key',
    plan: { key: { version: 1 }, destination: { folder: '/media/officer/KEYWARD-USB' } },
  });
});

it('reads the example officer, policy and audit plans in docs/', () => {
  const read = (name: string) => readPlanFile(name, readFileSync(`docs/ceremonies/${name}`, 'utf8'));
  expect(read('enrol-officer.yaml')).toEqual({
    type: 'enrol-officer',
    officers: ['alice', 'dave'],
    plan: {
      ceremony: 'enrol-officer',
      officers: ['alice', 'dave'],
      officer: { id: 'erin', name: 'Erin Park', role: 'key-custodian' },
    },
  });
  expect(read('suspend-officer.yaml')).toMatchObject({
    type: 'suspend-officer',
    plan: { officer: 'erin', change: 'suspend' },
  });
  expect(read('remove-officer.yaml')).toMatchObject({ type: 'remove-officer', plan: { officer: 'erin' } });
  expect(read('change-policy.yaml')).toMatchObject({
    type: 'change-policy',
    plan: { policy: { ceremonyType: 'export-key', quorum: 3 } },
  });
  expect(read('export-audit.yaml')).toMatchObject({ type: 'export-audit', officers: ['carol'] });
});

it('reads the example backup and restore plans in docs/', () => {
  const read = (name: string) => readPlanFile(name, readFileSync(`docs/ceremonies/${name}`, 'utf8'));
  expect(read('backup.yaml')).toMatchObject({
    type: 'backup',
    plan: {
      threshold: 2,
      package: '/media/officer/BACKUP',
      shares: [
        { custodian: 'alice', drive: '/media/custodian1/SHARE' },
        { custodian: 'bob', drive: '/media/custodian2/SHARE' },
        { custodian: 'grace', drive: '/media/custodian3/SHARE' },
      ],
    },
  });
  expect(read('restore.yaml')).toMatchObject({
    type: 'restore',
    plan: { keys: [{ name: 'Tenant CMK', version: 1 }] },
  });
});

it('reads the example initialisation plan in docs/', () => {
  expect(readPlanFile('i.yaml', readFileSync('docs/ceremonies/initialise-workstation.yaml', 'utf8'))).toMatchObject({
    type: 'initialise-workstation',
    officers: ['alice', 'bob', 'dave', 'grace', 'carol'],
    plan: { workstation: { organization: 'Example Org', signingKey: 'ECDSA_P384' } },
  });
  expect(
    readPlanFile('i.yaml', readFileSync('docs/ceremonies/initialise-workstation.yaml', 'utf8')).plan,
  ).toMatchObject({
    founding: [
      { id: 'alice', role: 'security-officer' },
      { id: 'bob', role: 'key-custodian' },
      { id: 'dave', role: 'security-officer' },
      { id: 'grace', role: 'security-officer' },
      { id: 'carol', role: 'auditor' },
    ],
  });
});

it('refuses a plan whose aliases would expand without bound, or name an anchor that does not exist', () => {
  const laughs = [
    'a: &a [x, x, x, x, x, x, x, x, x, x]',
    ...Array.from(
      { length: 8 },
      (_, i) =>
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
    ),
  ].join('\n');
  expect(() => readPlanFile('laughs.yaml', laughs)).toThrow(
    /The plan file laughs.yaml was refused: it is not valid YAML/,
  );
  expect(() => readPlanFile('alias.yaml', '*missing')).toThrow(
    /The plan file alias.yaml was refused: it is not valid YAML/,
  );
});
