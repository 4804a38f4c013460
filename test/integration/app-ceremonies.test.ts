/**
 * Ceremonies through the app's contract (the calls the renderer makes, through the same dispatch gate),
 * on the rehearsal token (a real SoftHSM token) and a real SQLite file: initialise, generate, import a
 * provider's wrapping key from a drive, export to another drive, read the bundle back and verify it.
 */
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers } from '../../src/main/api/handlers';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { practiceDrivesFolder } from '../../src/main/media/drive-access';
import { checkApprovals } from '../../src/main/officers/approvals';
import { openWorkstation } from '../../src/main/open-workstation';
import type { Workstation } from '../../src/main/workstation';
import type { AirGapStatus } from '../../src/shared/air-gap';
import { auditActionWords, auditDetailLines, auditDetailWords, errorCodeWords } from '../../src/shared/audit-words';
import { callNames, type CallName } from '../../src/shared/call-names';
import type { RequestOf, ResponseOf } from '../../src/shared/contract';
import { sessionLostCodes, type KeywardErrorData } from '../../src/shared/errors';
import { rehearsalToken } from '../../src/shared/rehearsal';

let dataDir: string;
let workstation: Workstation;
let handlers: ReturnType<typeof createHandlers>;
const passphrases = {
  alice: 'rehearsal passphrase one',
  bob: 'rehearsal passphrase two',
  carol: 'rehearsal passphrase three',
  dave: 'rehearsal passphrase four',
  grace: 'rehearsal passphrase five',
};

async function call<N extends CallName>(name: N, request: RequestOf<N>): Promise<ResponseOf<N>> {
  const result = await dispatch(handlers, name, request);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as ResponseOf<N>;
}

async function refusal<N extends CallName>(name: N, request: RequestOf<N>): Promise<KeywardErrorData> {
  const result = await dispatch(handlers, name, request);
  if (result.ok) throw new Error(`${name} was expected to be refused`);
  return result.error;
}

const isolated: AirGapStatus = { isolated: true, findings: [], interfaces: [], defaultRoutes: [] };
const onCable: AirGapStatus = {
  isolated: false,
  findings: ['Network interface eth0 is up.'],
  interfaces: [{ name: 'eth0', state: 'up', up: true, wireless: false }],
  defaultRoutes: [],
};
/** The network the air-gap check sees: isolated unless a test plugs a cable in. */
let network: AirGapStatus = isolated;

const drive = (name: string) => join(dataDir, practiceDrivesFolder, name);

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-app-'));
  workstation = openWorkstation(dataDir, nodeHsmChannel);
  handlers = createHandlers(workstation, { readAirGap: () => network });
});
afterAll(() => {
  workstation.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Check-in of the officers present, and each sensitive step approved by them, then run to the end. */
async function runThrough(
  id: string,
  officers: (keyof typeof passphrases)[],
  inputs: RequestOf<'runCeremonyStep'>['inputs'] = {},
) {
  for (const officer of officers) await call('checkInOfficer', { id, officer, passphrase: passphrases[officer] });
  let view = await call('getCeremony', { id });
  while (view.status.state !== 'completed') {
    const next = view.status.steps.find((s) => s.state !== 'done');
    if (!next) break;
    if (view.status.plan.steps[next.index]?.sensitive) {
      for (const officer of officers.slice(0, view.quorumNeeded))
        await call('approveCeremonyStep', { id, step: next.index, officer, passphrase: passphrases[officer] });
    }
    view = await call('runCeremonyStep', { id, inputs });
  }
  return view;
}

describe('ceremonies through the app contract', () => {
  it('initialises the workstation after a token login; a wrong PIN is refused and audited', async () => {
    expect(await call('getCeremonies', {})).toMatchObject({ initialised: false, loggedIn: false, unfinished: [] });
    const wrong = await refusal('loginToken', { pinParts: ['1111', '0000'] });
    expect(wrong.code).toBe('HSM_PIN_INCORRECT');
    expect(wrong.message).toContain('Keyward Rehearsal');
    expect(workstation.audit().query({ action: 'hsm.login', limit: 5 })[0]).toMatchObject({ outcome: 'refused' });
    await call('loginToken', { pinParts: ['1111-', '2222'] });
    const founding = (['alice', 'bob', 'carol', 'dave', 'grace'] as const).map((id, i) => ({
      id,
      name: `${id[0]?.toUpperCase()}${id.slice(1)}`,
      role:
        (['security-officer', 'key-custodian', 'auditor', 'security-officer', 'security-officer'] as const)[i] ??
        'auditor',
      passphrase: passphrases[id],
    }));
    const request = { organization: 'Example Org', name: 'WS 1', signingKey: 'ECDSA_P256' as const, founding };
    // On a network, the founding security officer acknowledges exactly the findings shown, in the initialisation.
    network = onCable;
    try {
      // One security officer locked out could never be unlocked by the only other one: refused, nothing made.
      const tooFew = await refusal('initialiseWorkstation', {
        ...request,
        founding: founding.slice(0, 4),
        airGapFindings: onCable.findings,
      });
      expect(tooFew).toMatchObject({ code: 'INVALID_REQUEST' });
      expect(tooFew.message).toContain('could not govern the workstation on their own');
      expect((await call('getCeremonies', {})).initialised).toBe(false);
      expect(await refusal('initialiseWorkstation', { ...request, airGapFindings: [] })).toMatchObject({
        code: 'AIR_GAP_UNCONFIRMED',
      });
      const initialised = await call('initialiseWorkstation', { ...request, airGapFindings: onCable.findings });
      expect(initialised.officers).toEqual(['alice', 'bob', 'carol', 'dave', 'grace']);
      expect((await call('getAirGapStatus', {})).acknowledged?.officer).toBe('alice');
    } finally {
      network = isolated;
    }
    expect(await call('getCeremonies', {})).toMatchObject({ initialised: true, loggedIn: true });
    // Nothing secret in the database: no passphrase, no PIN.
    const audit = JSON.stringify(workstation.audit().query({ limit: 500 }));
    for (const secret of [...Object.values(passphrases), rehearsalToken.userPin, '1111-'])
      expect(audit).not.toContain(secret);
  }, 120_000);

  it('lists the practice drives on the rehearsal token, and refuses a path off every drive', async () => {
    const drives = await call('listDrives', {});
    expect(drives.filter((d) => d.practice).map((d) => d.label)).toEqual(['PRACTICE-1', 'PRACTICE-2', 'PRACTICE-3']);
    const outside = await refusal('planCeremony', {
      plan: { ceremony: 'export-audit', officers: ['carol'], file: join(dataDir, 'audit.jsonl') },
    });
    expect(outside.message).toContain('is not on a removable drive or practice folder');
    const escape = await refusal('planCeremony', {
      plan: {
        ceremony: 'export-audit',
        officers: ['carol'],
        file: join(drive('PRACTICE-1'), '..', '..', 'audit.jsonl'),
      },
    });
    expect(escape.message).toContain('is not on a removable drive');
    expect((await refusal('listDriveFiles', { mountPoint: '/etc' })).message).toContain('No drive is mounted at /etc');
  });

  it('generates a CMK under dual control: refused before the approvals, and an approval from a role the policy excludes is refused', async () => {
    const view = await call('planCeremony', {
      plan: {
        ceremony: 'generate-cmk',
        officers: ['alice', 'bob'],
        key: { name: 'Tenant CMK', purpose: 'Tenant data', provider: 'aws-kms' },
      },
    });
    const id = view.status.plan.id;
    expect(view.quorumNeeded).toBe(2);
    expect(view.status.plan.steps.map((s) => s.action)).toEqual([
      'generate-key',
      'activate-version',
      'write-checkpoint',
    ]);
    expect((await refusal('runCeremonyStep', { id, inputs: {} })).code).toBe('QUORUM_NOT_MET');
    await call('checkInOfficer', { id, officer: 'carol', passphrase: passphrases.carol });
    const excluded = await refusal('approveCeremonyStep', {
      id,
      step: 0,
      officer: 'carol',
      passphrase: passphrases.carol,
    });
    expect(excluded.message).toContain('carol is in the role auditor');
    const wrong = await refusal('checkInOfficer', { id, officer: 'alice', passphrase: 'not her passphrase' });
    expect(wrong.message).toContain('4 attempts left');
    const done = await runThrough(id, ['alice', 'bob']);
    expect(done.status.state).toBe('completed');
    expect(done.status.steps[0]?.result?.kcv).toMatch(/^[0-9a-f]{6}$/);
    expect(done.steps.find((s) => s.approvals.length)?.approvals.map((a) => a.officer)).toEqual(['alice', 'bob']);
  }, 120_000);

  it('imports a wrapping key from one drive and exports a bundle to another, which reads back and verifies', async () => {
    const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mkdirSync(join(drive('PRACTICE-1'), 'aws'));
    const parameters = join(drive('PRACTICE-1'), 'aws', 'get-parameters-for-import.json');
    writeFileSync(
      parameters,
      JSON.stringify({
        KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        ImportToken: randomBytes(40).toString('base64'),
        PublicKey: provider.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        ParametersValidTo: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
    expect(await call('listDriveFiles', { mountPoint: drive('PRACTICE-1') })).toEqual([
      { path: 'aws', kind: 'folder', sizeBytes: 0 },
      { path: 'aws/get-parameters-for-import.json', kind: 'file', sizeBytes: expect.any(Number) as number },
    ]);
    const importView = await call('planCeremony', {
      plan: {
        ceremony: 'import-wrapping-key',
        officers: ['alice', 'bob'],
        provider: 'aws-kms',
        label: 'AWS import',
        files: { wrappingKey: parameters },
        fields: { algorithm: 'RSAES_OAEP_SHA_1' },
      },
    });
    expect(importView.steps[0]?.inputs).toEqual(['security-officer-pin', 'user-pin']);
    const id = importView.status.plan.id;
    for (const officer of ['alice', 'bob'] as const)
      await call('checkInOfficer', { id, officer, passphrase: passphrases[officer] });
    for (const officer of ['alice', 'bob'] as const)
      await call('approveCeremonyStep', { id, step: 0, officer, passphrase: passphrases[officer] });
    const missing = await refusal('runCeremonyStep', { id, inputs: { userPin: [rehearsalToken.userPin] } });
    expect(missing.message).toBe("Step 1 needs the security officer's PIN parts.");
    const imported = await runThrough(id, [], {
      securityOfficerPin: [rehearsalToken.soPin],
      userPin: [rehearsalToken.userPin],
    });
    expect(imported.status.state).toBe('completed');

    const exportView = await call('planCeremony', {
      plan: {
        ceremony: 'export-key',
        officers: ['alice', 'bob'],
        key: { name: 'Tenant CMK', version: 1 },
        provider: 'aws-kms',
        files: { wrappingKey: parameters },
        fields: { algorithm: 'RSAES_OAEP_SHA_1' },
        destination: { folder: drive('PRACTICE-2'), drive: 'PRACTICE-2' },
      },
    });
    const exported = await runThrough(exportView.status.plan.id, ['alice', 'bob']);
    const folder = exported.status.steps[0]?.result?.folder;
    if (typeof folder !== 'string') throw new Error('no bundle folder');
    expect(folder.startsWith(drive('PRACTICE-2'))).toBe(true);
    const check = await call('verifyBundleOnDrive', { folder });
    expect(check).toMatchObject({ ok: true, problems: [], approvedBy: ['alice', 'bob'] });
    expect(check.files.map((f) => f.name)).toContain('EncryptedKeyMaterial.bin');
    // What the uploader does next, from the bundle as read back: verify pinned to this workstation, upload, check.
    expect(check.upload).toMatchObject({
      provider: 'aws-kms',
      rehearsal: true,
      deadline: expect.any(String) as string,
    });
    expect(check.upload?.verifyCommand).toBe(
      `keyward verify ${folder} --signer-fingerprint ${check.signerFingerprint}`,
    );
    expect(check.upload?.steps[0]).toContain(
      'aws kms import-key-material --key-id 1234abcd-12ab-34cd-56ef-1234567890ab',
    );

    // The same export again, choosing the wrapping key already on the token: its import's parameters are
    // used (the bundle names the same key, algorithm and import token), not the files again.
    const onToken = (await call('getInventory', {})).wrappingKeys.find((k) => k.label === 'AWS import');
    expect(onToken).toMatchObject({ provider: 'aws-kms', state: 'active' });
    const fingerprint = onToken?.fingerprint ?? '';
    const withKey = (extra: Record<string, unknown>) => ({
      plan: {
        ceremony: 'export-key',
        officers: ['alice', 'bob'],
        key: { name: 'Tenant CMK', version: 1 },
        provider: 'aws-kms',
        destination: { folder: drive('PRACTICE-2'), drive: 'PRACTICE-2' },
        ...extra,
      },
    });
    const both = await refusal(
      'planCeremony',
      withKey({ wrappingKey: fingerprint, files: { wrappingKey: parameters } }),
    );
    expect(both).toMatchObject({ code: 'INVALID_REQUEST', field: 'wrappingKey' });
    const unknown = await refusal('planCeremony', withKey({ wrappingKey: 'ab'.repeat(32) }));
    expect(unknown.message).toContain('No usable AWS KMS wrapping key with the fingerprint abababababababab');
    const neither = await refusal('planCeremony', withKey({}));
    expect(neither).toMatchObject({ field: 'files.wrappingKey' });
    const fields = await refusal(
      'planCeremony',
      withKey({ wrappingKey: fingerprint, fields: { algorithm: 'RSAES_OAEP_SHA_1' } }),
    );
    expect(fields.field).toBe('fields');
    const again = await call('planCeremony', withKey({ wrappingKey: fingerprint }));
    const importParams = importView.status.plan.steps[0]?.params.import as Record<string, unknown>;
    const againParams = again.status.plan.steps[0]?.params.import as Record<string, unknown>;
    // The export adds what the inventory says of this upload (importAs); everything imported is kept.
    expect({ ...againParams, target: null }).toEqual({ ...importParams, target: null });
    expect(againParams.target).toMatchObject(importParams.target as object);
    const reexported = await runThrough(again.status.plan.id, ['alice', 'bob']);
    expect(reexported.status.state).toBe('completed');

    const transcript = await call('writeCeremonyTranscript', {
      id: exportView.status.plan.id,
      folder: drive('PRACTICE-3'),
    });
    expect(transcript.startsWith(drive('PRACTICE-3'))).toBe(true);
  }, 180_000);

  it('aborts a ceremony, and lists it among the ended ones', async () => {
    const view = await call('planCeremony', {
      plan: { ceremony: 'rotate-cmk', officers: ['alice', 'bob'], key: { name: 'Tenant CMK' }, reason: 'manual' },
    });
    const id = view.status.plan.id;
    expect((await call('getCeremonies', {})).unfinished.map((c) => c.id)).toContain(id);
    expect(
      (
        await refusal('abortCeremony', {
          id,
          reason: 'Rehearsal only',
          officer: 'alice',
          passphrase: passphrases.alice,
          inputs: {},
        })
      ).message,
    ).toContain('alice has not checked in to this ceremony, so cannot abort it');
    await call('checkInOfficer', { id, officer: 'alice', passphrase: passphrases.alice });
    expect(
      (
        await refusal('abortCeremony', {
          id,
          reason: 'Rehearsal only',
          officer: 'alice',
          passphrase: 'not her passphrase',
          inputs: {},
        })
      ).message,
    ).toContain('Wrong passphrase for alice');
    const aborted = await call('abortCeremony', {
      id,
      reason: 'Rehearsal only',
      officer: 'alice',
      passphrase: passphrases.alice,
      inputs: {},
    });
    expect(workstation.audit().query({ action: 'ceremony.abort', limit: 1 })[0]?.actors).toEqual(['alice']);
    expect(aborted.status).toMatchObject({ state: 'aborted', outcome: 'Rehearsal only' });
    const list = await call('getCeremonies', {});
    expect(list.unfinished.map((c) => c.id)).not.toContain(id);
    expect(list.recent.map((c) => c.id)).toContain(id);
  }, 60_000);

  it("backs up, destroys and restores a version: shares from a custodian's drive or typed as words, a bad share named by its number", async () => {
    const pins = { securityOfficerPin: [rehearsalToken.soPin], userPin: [rehearsalToken.userPin] };
    const plan = async (value: Record<string, unknown>) =>
      (await call('planCeremony', { plan: { officers: ['alice', 'bob'], ...value } })).status.plan.id;
    await runThrough(await plan({ ceremony: 'rotate-cmk', key: { name: 'Tenant CMK' }, reason: 'manual' }), [
      'alice',
      'bob',
    ]);
    const backup = await runThrough(
      await plan({
        ceremony: 'backup',
        keys: [{ name: 'Tenant CMK', version: 1 }],
        threshold: 2,
        package: drive('PRACTICE-1'),
        shares: [
          { custodian: 'alice', drive: drive('PRACTICE-2') },
          { custodian: 'bob', drive: drive('PRACTICE-3') },
        ],
      }),
      ['alice', 'bob'],
      pins,
    );
    const result = backup.status.steps[0]?.result ?? {};
    const [share1, share2] = (Array.isArray(result.shareFolders) ? result.shareFolders : []).flatMap((f) =>
      typeof f === 'string' ? [join(f, 'share.txt')] : [],
    );
    if (typeof result.folder !== 'string' || !share1 || !share2) throw new Error('backup result incomplete');
    await runThrough(
      await plan({
        ceremony: 'destroy-key',
        key: { name: 'Tenant CMK', version: 1 },
        destination: { folder: drive('PRACTICE-3') },
      }),
      ['alice', 'bob'],
    );
    const restoreId = await plan({
      ceremony: 'restore',
      package: result.folder,
      keys: [{ name: 'Tenant CMK', version: 1 }],
    });
    for (const officer of ['alice', 'bob'] as const)
      await call('checkInOfficer', { id: restoreId, officer, passphrase: passphrases[officer] });
    for (const officer of ['alice', 'bob'] as const)
      await call('approveCeremonyStep', { id: restoreId, step: 0, officer, passphrase: passphrases[officer] });
    const words = /^Words: (.+)$/m.exec(readFileSync(share2, 'utf8'))?.[1] ?? '';
    const [first = '', second = '', ...rest] = words.split(' ');
    const swapped = [second, first, ...rest].join(' '); // two words read out of order
    expect(
      (await refusal('runCeremonyStep', { id: restoreId, inputs: { ...pins, shares: [share1, swapped] } })).message,
    ).toMatch(/^Share 2 of 2: A share was not read: its words are not PGP words in order/);
    // A share of the right form but another value: the rebuilt key's check value differs from the package's, and nothing is restored.
    expect(
      (
        await refusal('runCeremonyStep', {
          id: restoreId,
          inputs: { ...pins, shares: [share1, words.split(' ').reverse().join(' ')] },
        })
      ).message,
    ).toContain('The shares given rebuild a key with check value');
    expect(
      (await refusal('runCeremonyStep', { id: restoreId, inputs: { ...pins, shares: ['/etc/passwd', words] } }))
        .message,
    ).toContain('Share 1 of 2: /etc/passwd is not on a removable drive');
    const restored = await runThrough(restoreId, [], { ...pins, shares: [share1, words] });
    expect(restored.status.state).toBe('completed');
    const version = workstation
      .inventory()
      .get('Tenant CMK')
      .versions.find((v) => v.version === 1);
    expect(version?.state).toBe('restored');
  }, 180_000);

  it('plans no ceremony on a workstation found on a network until a security officer acknowledges exactly what was found', async () => {
    const plan = {
      plan: { ceremony: 'export-audit', officers: ['carol'], file: join(drive('PRACTICE-1'), 'air-gap-audit.jsonl') },
    };
    // A ceremony planned while isolated does not run once the network comes up.
    const before = await call('planCeremony', plan);
    const id = before.status.plan.id;
    await call('checkInOfficer', { id, officer: 'carol', passphrase: passphrases.carol });
    await call('approveCeremonyStep', { id, step: 0, officer: 'carol', passphrase: passphrases.carol });
    network = { ...onCable, findings: ['Network interface eth1 is up.'] };
    try {
      expect((await refusal('runCeremonyStep', { id, inputs: {} })).code).toBe('AIR_GAP_UNCONFIRMED');
      network = { ...onCable, findings: ['Network interface eth2 is up.'] };
      const refused = await refusal('planCeremony', plan);
      expect(refused).toMatchObject({
        code: 'AIR_GAP_UNCONFIRMED',
        message: 'This workstation may not be air-gapped: Network interface eth2 is up.',
      });
      expect(refused.nextStep).toContain('acknowledges them there with their passphrase');
      const { findings } = network;
      expect(
        (await refusal('acknowledgeAirGap', { officer: 'bob', passphrase: passphrases.bob, findings })).message,
      ).toContain('only a security officer acknowledges');
      expect(
        (await refusal('acknowledgeAirGap', { officer: 'alice', passphrase: 'not her passphrase', findings })).message,
      ).toContain('Wrong passphrase for alice');
      // Findings other than those now found (the network changed after they were shown) are not acknowledged.
      expect(
        (await refusal('acknowledgeAirGap', { officer: 'alice', passphrase: passphrases.alice, findings: [] })).message,
      ).toContain('The network has changed since the findings were shown');
      expect(
        (await call('acknowledgeAirGap', { officer: 'alice', passphrase: passphrases.alice, findings })).acknowledged
          ?.officer,
      ).toBe('alice');
      expect(
        workstation
          .audit()
          .query({ action: 'air-gap.acknowledge', limit: 3 })
          .map((e) => `${e.actors.join()}:${e.outcome}`),
      ).toEqual(['alice:success', 'bob:refused', 'alice:success']);
      expect((await call('runCeremonyStep', { id, inputs: {} })).status.steps[0]?.state).toBe('done');
      // Planned again (to another file: the first now exists, and an export never overwrites), then aborted.
      const view = await call('planCeremony', {
        plan: { ...plan.plan, file: join(drive('PRACTICE-1'), 'air-gap-audit-2.jsonl') },
      });
      await call('checkInOfficer', { id: view.status.plan.id, officer: 'carol', passphrase: passphrases.carol });
      await call('abortCeremony', {
        id: view.status.plan.id,
        reason: 'Air-gap test',
        officer: 'carol',
        passphrase: passphrases.carol,
        inputs: {},
      });
      // A new finding needs a new acknowledgement.
      network = { ...network, findings: [...network.findings, 'Wireless device wlan0 is present (down).'] };
      expect((await call('getAirGapStatus', {})).acknowledged).toBeNull();
      expect((await refusal('planCeremony', plan)).code).toBe('AIR_GAP_UNCONFIRMED');
    } finally {
      network = isolated;
    }
  }, 60_000);

  it('checks again, just before a step runs, that the places it writes to are still on a drive', async () => {
    mkdirSync(drive('EXTRA'));
    const view = await call('planCeremony', {
      plan: { ceremony: 'export-audit', officers: ['carol'], file: join(drive('EXTRA'), 'audit.jsonl') },
    });
    const id = view.status.plan.id;
    await call('checkInOfficer', { id, officer: 'carol', passphrase: passphrases.carol });
    await call('approveCeremonyStep', { id, step: 0, officer: 'carol', passphrase: passphrases.carol });
    rmSync(drive('EXTRA'), { recursive: true });
    const gone = await refusal('runCeremonyStep', { id, inputs: {} });
    expect(gone.message).toContain('is not on a removable drive or practice folder');
    mkdirSync(drive('EXTRA'));
    expect((await call('runCeremonyStep', { id, inputs: {} })).status.steps[0]?.state).toBe('done');
  }, 60_000);

  it('runs one privileged operation at a time', async () => {
    const view = await call('planCeremony', {
      plan: {
        ceremony: 'generate-cmk',
        officers: ['alice', 'bob'],
        key: { name: 'Second CMK', purpose: 'Busy test', spec: 'RSA_3072' },
      },
    });
    const id = view.status.plan.id;
    for (const officer of ['alice', 'bob'] as const)
      await call('checkInOfficer', { id, officer, passphrase: passphrases[officer] });
    for (const officer of ['alice', 'bob'] as const)
      await call('approveCeremonyStep', { id, step: 0, officer, passphrase: passphrases[officer] });
    const running = dispatch(handlers, 'runCeremonyStep', { id, inputs: {} });
    const second = await refusal('runCeremonyStep', { id, inputs: {} });
    expect(second).toMatchObject({ code: 'BUSY', message: 'Keyward is still running a step.' });
    expect((await running).ok).toBe(true);
    // An RSA key's version carries its public-key fingerprint, which the Keys screen shows instead of a check value.
    const version = (await call('getInventory', {})).keys.find((k) => k.name === 'Second CMK')?.versions[0];
    expect(version?.publicKeySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(version?.kcv).toBe(version?.publicKeySha256?.slice(0, 6));
  }, 120_000);

  it('the token removed while a ceremony runs: the step fails naming the token, the login is asked for again, and once the token is back the ceremony ends as it would have', async () => {
    const view = await call('planCeremony', {
      plan: {
        ceremony: 'generate-cmk',
        officers: ['alice', 'bob'],
        key: { name: 'Removal CMK', purpose: 'Token removal', provider: 'aws-kms' },
      },
    });
    const id = view.status.plan.id;
    for (const officer of ['alice', 'bob'] as const)
      await call('checkInOfficer', { id, officer, passphrase: passphrases[officer] });
    for (const officer of ['alice', 'bob'] as const)
      await call('approveCeremonyStep', { id, step: 0, officer, passphrase: passphrases[officer] });
    // The token is taken out (its folder moved out of SoftHSM's token directory).
    const tokens = join(dataDir, 'rehearsal', 'tokens');
    const away = join(dataDir, 'token-taken-out');
    mkdirSync(away);
    for (const entry of readdirSync(tokens)) renameSync(join(tokens, entry), join(away, entry));
    const failed = await refusal('runCeremonyStep', { id, inputs: {} });
    expect(sessionLostCodes).toContain(failed.code);
    expect(failed.message).toMatch(/Keyward Rehearsal|token/);
    expect(failed.nextStep.length).toBeGreaterThan(10);
    // The session is gone: nothing runs until the officers log in again.
    expect((await refusal('runCeremonyStep', { id, inputs: {} })).code).toBe('HSM_NOT_LOGGED_IN');
    expect((await call('getCeremonies', {})).loggedIn).toBe(false);
    // Put back; logging in rolls back whatever the step had begun, and the same approvals still count.
    for (const entry of readdirSync(away)) renameSync(join(away, entry), join(tokens, entry));
    await call('loginToken', { pinParts: [rehearsalToken.userPin] });
    const resumed = await call('getCeremony', { id });
    expect(resumed.steps[0]?.approvals.map((a) => a.officer)).toEqual(['alice', 'bob']);
    await call('runCeremonyStep', { id, inputs: {} });
    for (const officer of ['alice', 'bob'] as const)
      await call('approveCeremonyStep', { id, step: 1, officer, passphrase: passphrases[officer] });
    await call('runCeremonyStep', { id, inputs: {} });
    const done = await call('runCeremonyStep', { id, inputs: {} });
    expect(done.status.state).toBe('completed');
    expect(workstation.inventory().get('Removal CMK').versions).toMatchObject([{ version: 1, state: 'active' }]);
    expect(workstation.audit().verify().ok).toBe(true);
    expect(
      workstation
        .audit()
        .query({ action: 'ceremony.step', limit: 20 })
        .some((e) => e.subject === id && e.outcome === 'failure'),
    ).toBe(true);
  }, 120_000);

  it("a form's refusal names the field it is about; a custodian's share is never read as a wrapping key", async () => {
    const unnamed = await refusal('planCeremony', {
      plan: { ceremony: 'generate-cmk', officers: ['alice', 'bob'], key: { name: '', purpose: 'Tenant data' } },
    });
    expect(unnamed).toMatchObject({ code: 'PLAN_INVALID', field: 'key.name' });
    // The form's own words for the field, not the schema's.
    expect(unnamed.message).toBe('The ceremony form was refused: Key name: nothing was given.');
    const shareFolder = join(drive('PRACTICE-1'), 'keyward-backup-0a1b2c3d-share-1-of-2');
    mkdirSync(shareFolder);
    writeFileSync(join(shareFolder, 'share.txt'), 'KEYWARD BACKUP KEY SHARE 1 OF 2 (any 2 rebuild the backup key)\n');
    const share = await refusal('planCeremony', {
      plan: {
        ceremony: 'import-wrapping-key',
        officers: ['alice', 'bob'],
        provider: 'generic',
        label: 'Not a key',
        files: { wrappingKey: join(shareFolder, 'share.txt') },
        fields: { algorithm: 'RSAES_OAEP_SHA_1' },
      },
    });
    expect(share).toMatchObject({ code: 'INVALID_REQUEST', field: 'files.wrappingKey' });
    expect(share.message).toContain("is a custodian's backup key share, not the provider's wrapping key file");
    expect(JSON.stringify(workstation.audit().query({ limit: 20 }))).not.toContain('KEYWARD BACKUP KEY SHARE');
    rmSync(shareFolder, { recursive: true });
  });

  it('a backup gives each share to a named custodian: present, active, allowed to hold keys, never two shares to one', async () => {
    const backup = (officers: string[], custodians: string[]) => ({
      plan: {
        ceremony: 'backup',
        officers,
        keys: [{ name: 'Tenant CMK', version: 1 }],
        threshold: 2,
        package: drive('PRACTICE-1'),
        shares: custodians.map((custodian, i) => ({ custodian, drive: drive(`PRACTICE-${i + 2}`) })),
      },
    });
    const refused = async (officers: string[], custodians: string[]) => {
      const error = await refusal('planCeremony', backup(officers, custodians));
      expect(error).toMatchObject({ code: 'INVALID_REQUEST', field: 'shares' });
      return error.message;
    };
    expect(await refused(['alice', 'bob', 'carol'], ['alice', 'carol'])).toContain(
      'Share 2 of 2 names Carol (carol), who is an auditor',
    );
    expect(await refused(['alice', 'bob'], ['alice', 'dave'])).toContain(
      'Share 2 of 2 names Dave (dave), who is not among the officers present',
    );
    expect(await refused(['alice', 'bob'], ['bob', 'bob'])).toContain('Bob (bob) is named for more than one share');
    expect(await refused(['alice', 'bob'], ['alice', 'zed'])).toContain(
      'Share 2 of 2 names "zed", who is not an officer here',
    );
    // A plan file that gives only drives, as before custodians were named, is refused as a plan.
    const unnamed = await refusal('planCeremony', {
      plan: { ...backup(['alice', 'bob'], []).plan, shares: [drive('PRACTICE-2'), drive('PRACTICE-3')] },
    });
    expect(unnamed).toMatchObject({ code: 'PLAN_INVALID' });
    expect(unnamed.message).toContain('shares');
    // Named and present: the plan shows each custodian's share, in words, under the step.
    const planned = await call('planCeremony', backup(['alice', 'bob'], ['alice', 'bob']));
    expect(
      planned.steps[0]?.details.filter((d) => d.label.startsWith('Share ')).map((d) => `${d.label}: ${d.value}`),
    ).toEqual([
      `Share 1 of 2: to Alice (alice), written to ${drive('PRACTICE-2')}`,
      `Share 2 of 2: to Bob (bob), written to ${drive('PRACTICE-3')}`,
    ]);
    await call('checkInOfficer', { id: planned.status.plan.id, officer: 'alice', passphrase: passphrases.alice });
    await call('abortCeremony', {
      id: planned.status.plan.id,
      reason: 'Test',
      officer: 'alice',
      passphrase: passphrases.alice,
      inputs: {},
    });
  });

  it('destroying the last copy takes the key name typed again; the plan says what the destruction takes away', async () => {
    const destroy = (version: number, confirm?: string) => ({
      plan: {
        ceremony: 'destroy-key',
        officers: ['alice', 'bob'],
        key: { name: 'Tenant CMK', version },
        ...(confirm === undefined ? {} : { confirm }),
        destination: { folder: drive('PRACTICE-3') },
      },
    });
    const leave = async (id: string) => {
      await call('checkInOfficer', { id, officer: 'alice', passphrase: passphrases.alice });
      await call('abortCeremony', { id, reason: 'Test', officer: 'alice', passphrase: passphrases.alice, inputs: {} });
    };
    // Version 2 (the rotation's) was never backed up: the last copy.
    const unconfirmed = await refusal('planCeremony', destroy(2));
    expect(unconfirmed).toMatchObject({ code: 'INVALID_REQUEST', field: 'confirm' });
    expect(unconfirmed.message).toContain('No backup holds Tenant CMK version 2: destroying it destroys the last copy');
    expect((await refusal('planCeremony', destroy(2, 'tenant cmk'))).message).toContain(
      '"tenant cmk" is not the key\'s name',
    );
    const last = await call('planCeremony', destroy(2, 'Tenant CMK'));
    expect(last.status.plan.steps[0]?.description).toContain(
      'NO BACKUP holds it: this is the last copy Keyward could ever restore.',
    );
    expect(last.status.plan.steps[0]?.description).toContain('can never be decrypted again');
    await leave(last.status.plan.id);
    // Version 1 was backed up and restored, and exported to AWS: no confirmation, and the plan says both.
    const backedUp = await call('planCeremony', destroy(1));
    const said = backedUp.status.plan.steps[0]?.description ?? '';
    expect(said).toMatch(/Backed up once: backup [0-9a-f]{8} on \d{4}-\d{2}-\d{2}/);
    expect(said).toMatch(/Exported to AWS KMS on \d{4}-\d{2}-\d{2}/);
    await leave(backedUp.status.plan.id);
    // The Keys screen's view carries the same facts.
    const custody = (await call('getInventory', {})).custody.find((c) => c.keyName === 'Tenant CMK' && c.version === 1);
    expect(custody?.backups).toHaveLength(1);
    // Exported twice: from the provider's files, then with the wrapping key already on the token.
    expect(custody?.exports.map((e) => e.provider)).toEqual(['aws-kms', 'aws-kms']);
  }, 60_000);

  it('logging out ends the session: audited, and nothing privileged is done until an officer logs in again', async () => {
    expect((await call('getCeremonies', {})).loggedIn).toBe(true);
    expect(await call('logoutToken', {})).toBeNull();
    expect((await call('getCeremonies', {})).loggedIn).toBe(false);
    expect(workstation.audit().query({ action: 'hsm.logout', limit: 1 })[0]).toMatchObject({
      outcome: 'success',
      subject: 'user',
    });
    const refused = await refusal('planCeremony', {
      plan: { ceremony: 'generate-cmk', officers: ['alice', 'bob'], key: { name: 'After logout', purpose: 'x' } },
    });
    expect(refused.code).toBe('HSM_NOT_LOGGED_IN');
    // The token itself is logged out too, not only Keyward's idea of it.
    expect((await call('getTokenStatus', {})).token.loginState).toBe('not-logged-in');
    await call('loginToken', { pinParts: [rehearsalToken.userPin] });
    expect((await call('getCeremonies', {})).loggedIn).toBe(true);
  });

  it('an export is recorded as uploaded once, by a security officer or key custodian, signed and audited', async () => {
    const custody = (await call('getInventory', {})).custody;
    const exported = custody.flatMap((c) => c.exports).find((e) => e.uploaded === null);
    expect(exported).toBeDefined();
    const bundleId = exported?.bundleId ?? '';
    const note = 'AWS console: key 1234abcd Enabled, key material imported';
    // An auditor checks the records; they do not make them.
    const auditor = await refusal('recordBundleUpload', {
      bundleId,
      officer: 'carol',
      passphrase: passphrases.carol,
      note,
    });
    expect(auditor).toMatchObject({ code: 'QUORUM_NOT_MET', field: 'officer' });
    expect(auditor.message).toContain('Carol (carol) is an auditor');
    expect(workstation.audit().query({ action: 'bundle.uploaded', limit: 1 })[0]).toMatchObject({
      outcome: 'refused',
      actors: ['carol'],
      details: { error: 'QUORUM_NOT_MET', role: 'auditor' },
    });
    // A wrong passphrase records nothing.
    expect(
      (await refusal('recordBundleUpload', { bundleId, officer: 'bob', passphrase: 'not bobs passphrase', note })).code,
    ).toBe('PASSPHRASE_WRONG');
    // An empty note and an unknown bundle are refused precisely.
    expect(
      (await refusal('recordBundleUpload', { bundleId, officer: 'bob', passphrase: passphrases.bob, note: '  ' }))
        .message,
    ).toContain('say what shows the upload took');
    expect(
      (
        await refusal('recordBundleUpload', {
          bundleId: '00000000-0000-4000-8000-000000000000',
          officer: 'bob',
          passphrase: passphrases.bob,
          note,
        })
      ).code,
    ).toBe('NOT_IN_INVENTORY');
    expect(
      (await call('getInventory', {})).custody.flatMap((c) => c.exports).find((e) => e.bundleId === bundleId),
    ).toMatchObject({ uploaded: null });

    const recorded = await call('recordBundleUpload', { bundleId, officer: 'bob', passphrase: passphrases.bob, note });
    expect(recorded).toMatchObject({ officer: 'bob', note });
    const shown = (await call('getInventory', {})).custody
      .flatMap((c) => c.exports)
      .find((e) => e.bundleId === bundleId);
    expect(shown?.uploaded).toEqual(recorded);
    // Audited with bob's signature over the bundle, its manifest and the note: it verifies under his certificate.
    const entry = workstation.audit().query({ action: 'bundle.uploaded', limit: 1 })[0];
    expect(entry).toMatchObject({ outcome: 'success', actors: ['bob'], details: { bundle: bundleId, note } });
    const kept = workstation.stores().bundles.uploadApproval(bundleId);
    expect(kept?.signedDigest).toBe(entry?.details.signedDigest);
    const verified = checkApprovals(
      kept?.signedDigest ?? '',
      kept ? [kept.approval] : [],
      { quorum: 1, roles: ['key-custodian'], approvalLifetimeHours: 1 },
      new X509Certificate(Buffer.from(workstation.identities().current()?.certificateDer ?? new Uint8Array())),
      new Date(),
      1,
    );
    expect(verified).toMatchObject({ met: true, counted: ['bob'], problems: [] });
    // Once only.
    const again = await refusal('recordBundleUpload', {
      bundleId,
      officer: 'alice',
      passphrase: passphrases.alice,
      note,
    });
    expect(again.message).toContain('already recorded as uploaded, by bob');
    // Refused, and on record with its reason.
    expect(workstation.audit().query({ action: 'bundle.uploaded', limit: 1 })[0]).toMatchObject({
      outcome: 'refused',
      actors: ['alice'],
      details: { bundle: bundleId, error: 'INVALID_REQUEST' },
    });
  });

  it('every audit entry of the life above reads in words: its action, each detail, and why a refusal was refused', () => {
    const entries = workstation.audit().query({ limit: 10_000 });
    expect(entries.length).toBeGreaterThan(100);
    const unworded = entries.flatMap((e) => [
      ...(auditActionWords[e.action] ? [] : [`action ${e.action}`]),
      ...Object.keys(e.details)
        .filter((key) => !auditDetailWords[key])
        .map((key) => `${e.action}: ${key}`),
      ...(typeof e.details.error === 'string' && !(e.details.error in errorCodeWords)
        ? [`${e.action}: error ${e.details.error}`]
        : []),
    ]);
    expect([...new Set(unworded)]).toEqual([]);
    // A wrong PIN (the first test's) reads as such, the reason first.
    const wrongPin = entries.find((e) => e.action === 'hsm.login' && e.outcome === 'refused');
    expect(wrongPin && auditDetailLines(wrongPin)[0]).toMatchObject({
      label: 'Why',
      value: 'a wrong PIN was given (HSM_PIN_INCORRECT)',
    });
  });

  it('changes key material only through calls that go through the ceremony engine', () => {
    // Every call that can create, wrap, export or destroy a key runs a step the quorum approved (or is the first initialisation).
    expect(
      callNames.filter((name) => /generate|export|destroy|wrap|sign|restore|backup|run|abort|initialise/i.test(name)),
    ).toEqual(['initialiseWorkstation', 'runCeremonyStep', 'abortCeremony']);
  });
});
