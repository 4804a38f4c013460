/**
 * The ceremony engine on a real SoftHSM token and SQLite file: the generate-CMK ceremony end to end;
 * the quorum cannot be bypassed; a crash injected after every step (and inside it) leaves a ceremony
 * that resumes or aborts cleanly, with no key left behind that the inventory does not know.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenAnchor } from '../../src/main/audit/anchor';
import { readShare } from '../../src/main/backup/shares';
import { ceremonyRules } from '../../src/main/ceremonies/catalogue';
import { CeremonyEngine, type CrashPoint } from '../../src/main/ceremonies/engine';
import { engineDependencies } from '../../src/main/ceremonies/engine-dependencies';
import { planSetVersionState } from '../../src/main/ceremonies/lifecycle-steps';
import { planOfficerState } from '../../src/main/ceremonies/officer-steps';
import type { Transcript } from '../../src/main/ceremonies/transcript';
import { planBackup } from '../../src/main/ceremonies/types/backup';
import { planChangePolicy } from '../../src/main/ceremonies/types/change-policy';
import { planDestroyKey } from '../../src/main/ceremonies/types/destroy-key';
import { planEnrolOfficer } from '../../src/main/ceremonies/types/enrol-officer';
import { planExportAudit } from '../../src/main/ceremonies/types/export-audit';
import { planGenerateCmk, type NewCmk } from '../../src/main/ceremonies/types/generate-cmk';
import { planRestore } from '../../src/main/ceremonies/types/restore';
import { planRotateCmk } from '../../src/main/ceremonies/types/rotate-cmk';
import { approveStep, enrolOfficer } from '../../src/main/officers/enrolment';
import { verifyAuditExport } from '../../src/main/store/audit-export';
import { CeremonyStore } from '../../src/main/store/ceremonies';
import { Inventory } from '../../src/main/store/inventory';
import { Officers } from '../../src/main/store/officers';
import { Policies } from '../../src/main/store/policies';
import { openStores } from '../../src/main/store/stores';
import { fixedHsm } from '../helpers/ceremony-engine';
import { pdfText, verifyWithOpenssl } from '../helpers/openssl-cms';
import { rejection } from '../helpers/rejection';
import { heldBy } from '../helpers/share-holders';
import { testWorkstation, type TestWorkstation } from '../helpers/workstation';

let ws: TestWorkstation;
let officers: Officers;
let inventory: Inventory;
let store: CeremonyStore;
let tokenSerial: string;
const passphrases: Record<string, string> = {
  alice: 'gate lantern river oak',
  bob: 'second key in the vault',
  carol: 'every line is checked',
  dave: 'another officer arrives',
};

class SimulatedCrash extends Error {}
/** What the custodians give at a restore: share files' text, or typed words. */
let shareInputs: string[] = [];

function engine(crash?: { point: CrashPoint; step: number }): CeremonyEngine {
  return new CeremonyEngine(
    engineDependencies(
      {
        // The test's own officers, inventory and ceremony store, which it reads as the engine writes them.
        stores: { ...openStores(ws.db, ceremonyRules, ws.log), officers, inventory, ceremonies: store },
        client: ws.client,
        uri: ws.uri,
        tokenSerial,
        // The "drives" here are folders on one disk, which only a rehearsal accepts for backup shares.
        rehearsal: { token: 'the test token, treated as the rehearsal token', findings: [] },
        identity: { certificateDer: ws.certificateDer, tokenObjectId: ws.keyId },
        anchor: tokenAnchor(ws.client, ws.uri),
        signer: ws.signer,
        generator: 'Keyward test',
        hsm: fixedHsm,
        newPassphrase: (officer) => Promise.resolve(passphrases[officer] ?? ''),
        backupShares: (backupId) => Promise.resolve(shareInputs.map((input) => readShare(backupId, input))),
        login: async (role) => {
          await ws.client.request('login', { uri: ws.uri, role, pinParts: role === 'user' ? ws.userPin : ws.soPin });
        },
      },
      crash
        ? {
            crash: (point: CrashPoint, step: number) => {
              if (point === crash.point && step === crash.step) throw new SimulatedCrash(`crash ${point} ${step}`);
            },
          }
        : {},
    ),
  );
}

beforeAll(async () => {
  ws = await testWorkstation('Ceremony');
  tokenSerial = (await ws.client.request('describeToken', { uri: ws.uri })).serial;
  officers = new Officers(ws.db, ws.log);
  inventory = new Inventory(ws.db, ws.log);
  store = new CeremonyStore(ws.db);
  const workstation = { signer: ws.signer, certificateDer: ws.certificateDer };
  const founding = { actors: ['alice', 'bob', 'carol'], ceremony: 'initialise' };
  await enrolOfficer(
    officers,
    workstation,
    { id: 'alice', displayName: 'Alice', role: 'security-officer', passphrase: passphrases.alice ?? '' },
    founding,
  );
  await enrolOfficer(
    officers,
    workstation,
    { id: 'bob', displayName: 'Bob', role: 'key-custodian', passphrase: passphrases.bob ?? '' },
    founding,
  );
  await enrolOfficer(
    officers,
    workstation,
    { id: 'carol', displayName: 'Carol', role: 'auditor', passphrase: passphrases.carol ?? '' },
    founding,
  );
  await enrolOfficer(
    officers,
    workstation,
    { id: 'dave', displayName: 'Dave', role: 'security-officer', passphrase: passphrases.dave ?? '' },
    founding,
  );
}, 120_000);

afterAll(() => ws.close());

let keys = 0;
const newCmk = (): NewCmk => ({
  keyName: `Tenant CMK ${++keys}`,
  purpose: 'SaaS tenant data',
  provider: 'aws-kms',
  spec: 'AES_256',
  rotationDays: 365,
});

async function start(e: CeremonyEngine, request = newCmk(), present = ['alice', 'bob']) {
  const { title, steps } = planGenerateCmk(inventory, request);
  const plan = await e.plan('generate-cmk', title, steps);
  for (const officer of present) await e.checkIn(plan.id, officer, passphrases[officer] ?? '');
  return { plan, request };
}

/** Officers sign the abort of a ceremony for a reason, and it is aborted with their signatures. */
async function abortBy(e: CeremonyEngine, id: string, officers: string[], reason: string) {
  const approvals = [];
  for (const officer of officers) approvals.push(await e.approveAbort(id, officer, passphrases[officer] ?? '', reason));
  return e.abort(id, reason, approvals);
}

const approveBoth = async (e: CeremonyEngine, id: string, step: number) => {
  await e.approve(id, step, 'alice', passphrases.alice ?? '');
  await e.approve(id, step, 'bob', passphrases.bob ?? '');
};

/** Plans a ceremony, checks the officers in, has them approve every sensitive step, and runs it to the end. */
async function runPlanned(
  e: CeremonyEngine,
  type: Parameters<CeremonyEngine['plan']>[0],
  planned: { title: string; steps: Parameters<CeremonyEngine['plan']>[2] },
  approvers = ['alice', 'bob'],
) {
  const plan = await e.plan(type, planned.title, planned.steps);
  for (const officer of approvers) await e.checkIn(plan.id, officer, passphrases[officer] ?? '');
  for (const step of plan.steps) {
    if (step.sensitive)
      for (const officer of approvers) await e.approve(plan.id, step.index, officer, passphrases[officer] ?? '');
    await e.runNext(plan.id);
  }
  return e.status(plan.id);
}

/** How many secret keys on the token carry this label (0, or 1). */
async function keysLabelled(label: string): Promise<number> {
  try {
    await ws.client.request('keyCheckValue', { uri: ws.uri, label });
    return 1;
  } catch (error) {
    if ((error as { code?: string }).code === 'HSM_KEY_NOT_FOUND' && (error as Error).message.includes('no secret key'))
      return 0;
    throw error;
  }
}

describe('the generate-CMK ceremony', () => {
  it('runs end to end: plan and digest first, check-in, two approvals per sensitive step, KCV recorded, checkpoint signed', async () => {
    const e = engine();
    const { plan, request } = await start(e);
    expect(plan.steps.map((s) => [s.action, s.sensitive])).toEqual([
      ['generate-key', true],
      ['activate-version', true],
      ['write-checkpoint', false],
    ]);
    expect(plan.planDigest).toMatch(/^[0-9a-f]{64}$/);
    await approveBoth(e, plan.id, 0);
    const afterGenerate = await e.runNext(plan.id);
    const kcv = afterGenerate.steps[0]?.result?.kcv;
    expect(kcv).toBe(await ws.client.request('keyCheckValue', { uri: ws.uri, label: `${request.keyName} v1` }));
    expect(inventory.get(request.keyName).versions).toMatchObject([
      { version: 1, state: 'pending', kcv, stateCeremony: plan.id },
    ]);
    await approveBoth(e, plan.id, 1);
    await e.runNext(plan.id);
    const done = await e.runNext(plan.id);
    expect(done.state).toBe('completed');
    expect(done.steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
    expect(inventory.get(request.keyName).versions[0]?.state).toBe('active');
    const actions = ws.log
      .query({ ceremony: plan.id, limit: 50 })
      .map((entry) => entry.action)
      .reverse();
    expect(actions).toEqual([
      'ceremony.plan',
      'ceremony.check-in',
      'ceremony.check-in',
      'ceremony.approve',
      'ceremony.approve',
      'ceremony.step.begin',
      'inventory.key.add',
      'inventory.version.add',
      'ceremony.step',
      'ceremony.approve',
      'ceremony.approve',
      'ceremony.step.begin',
      'inventory.version.state',
      'ceremony.step',
      'ceremony.step.begin',
      'ceremony.step',
      'ceremony.complete',
    ]);
    expect(ws.log.verify().ok).toBe(true);
    await expect(e.runNext(plan.id)).rejects.toThrow(/has ended \(completed\)/);

    // The signed transcript, JSON and PDF, written to a drive; openssl checks both signatures.
    const folder = await e.writeTranscript(plan.id, ws.dir);
    const json = readFileSync(join(folder, 'transcript.json'));
    const transcript = JSON.parse(json.toString()) as Transcript;
    expect(transcript.ceremony).toMatchObject({ id: plan.id, state: 'completed', planDigest: plan.planDigest });
    expect(transcript.present).toEqual([
      { officer: 'alice', role: 'security-officer' },
      { officer: 'bob', role: 'key-custodian' },
    ]);
    expect(transcript.steps.map((s) => [s.state, s.approvals.map((a) => a.officer)])).toEqual([
      ['done', ['alice', 'bob']],
      ['done', ['alice', 'bob']],
      ['done', []],
    ]);
    expect(transcript.steps[0]?.result?.kcv).toBe(kcv);
    for (const name of ['transcript.json', 'transcript.pdf'])
      verifyWithOpenssl(join(folder, name), join(folder, 'signer.pem'));
    const pdf = readFileSync(join(folder, 'transcript.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfText(join(folder, 'transcript.pdf'))).toContain(`Ceremony ${plan.id}`);
    await expect(e.writeTranscript(plan.id, ws.dir)).rejects.toThrow(/never overwrites a transcript/);
  }, 60_000);
});

describe('a key made for a provider', () => {
  it('is refused when planned if the provider never imports its type, citing the provider', () => {
    expect(() => planGenerateCmk(inventory, { ...newCmk(), spec: 'AES_128' })).toThrow(
      /AES-128 cannot be made for this provider: AWS KMS does not import AES_128 keys/,
    );
    expect(() => planGenerateCmk(inventory, { ...newCmk(), provider: 'salesforce-shield', spec: 'RSA_2048' })).toThrow(
      /Salesforce Shield does not import RSA_2048 keys/,
    );
    expect(planGenerateCmk(inventory, { ...newCmk(), provider: 'aws-kms', spec: 'HMAC_SHA384' }).steps).toHaveLength(2);
    expect(planGenerateCmk(inventory, { ...newCmk(), provider: null, spec: 'AES_128' }).steps).toHaveLength(2);
  });
});

describe('the quorum cannot be bypassed', () => {
  it('refuses a step with no approvals, one officer twice, a role the policy excludes, and an officer who did not check in', async () => {
    const e = engine();
    const { plan } = await start(e, newCmk(), ['alice', 'bob', 'carol']);
    expect((await rejection(e.runNext(plan.id))).message).toContain('0 valid approval(s) of the 2 the policy requires');
    await e.approve(plan.id, 0, 'alice', passphrases.alice ?? '');
    expect((await rejection(e.approve(plan.id, 0, 'alice', passphrases.alice ?? ''))).message).toContain(
      'has already approved step 1; nobody counts twice',
    );
    expect((await rejection(e.approve(plan.id, 0, 'carol', passphrases.carol ?? ''))).message).toContain(
      'carol is in the role auditor; the policy for generate-cmk counts approvals from',
    );
    // Even an approval put straight into the store (bypassing approve) does not count at run time.
    const step = plan.steps[0];
    if (!step) throw new Error('no step');
    store.addApproval(plan.id, 0, await approveStep(officers, 'carol', passphrases.carol ?? '', step.digest));
    expect((await rejection(e.runNext(plan.id))).message).toContain('the role auditor may not approve this step');
    expect((await rejection(e.approve(plan.id, 0, 'dave', passphrases.dave ?? ''))).message).toContain(
      'dave has not checked in',
    );
    expect((await rejection(e.approve(plan.id, 2, 'bob', passphrases.bob ?? ''))).message).toContain(
      'needs no approval',
    );
    expect(ws.log.query({ ceremony: plan.id, action: 'ceremony.step', limit: 10 }).map((x) => x.outcome)).toEqual([
      'refused',
      'refused',
    ]);
    expect(ws.log.query({ ceremony: plan.id, action: 'ceremony.approve', limit: 10 }).map((x) => x.outcome)).toContain(
      'refused',
    );
  }, 60_000);

  it('refuses a forged approval, and an approval replayed from another step or ceremony', async () => {
    const e = engine();
    const { plan } = await start(e);
    await approveBoth(e, plan.id, 0);
    const [alice, bob] = store.approvals(plan.id, 0);
    if (!alice || !bob) throw new Error('approvals missing');
    // Replayed onto step 2: signatures over step 1's digest.
    store.addApproval(plan.id, 1, alice);
    store.addApproval(plan.id, 1, bob);
    await e.runNext(plan.id);
    expect((await rejection(e.runNext(plan.id))).message).toMatch(/the signature is not over this step/);
    // Another ceremony: its own digests; approvals copied from this one do not fit.
    const other = await start(e);
    store.addApproval(other.plan.id, 0, alice);
    store.addApproval(other.plan.id, 0, { ...bob, officer: 'dave', role: 'security-officer' }); // forged: bob's signature, dave's name
    const error = await rejection(e.runNext(other.plan.id));
    expect(error.code).toBe('QUORUM_NOT_MET');
    expect(error.message).toMatch(/the signature is not over this step/);
  }, 60_000);
});

describe('a crash injected after every step and inside it', () => {
  const points: CrashPoint[] = ['after-begin', 'after-run', 'after-commit'];
  for (const step of [0, 1, 2]) {
    for (const point of points) {
      it(`${point} of step ${step + 1}: recovery rolls back what was not completed, and the ceremony resumes to completion`, async () => {
        const crashing = engine({ point, step });
        const { plan, request } = await start(crashing);
        const run = async (e: CeremonyEngine) => {
          for (;;) {
            const status = e.status(plan.id);
            const next = status.steps.find((s) => s.state !== 'done');
            if (!next || status.state === 'completed') return status;
            if (plan.steps[next.index]?.sensitive && status.steps[next.index]?.approvedBy.length === 0)
              await approveBoth(e, plan.id, next.index);
            await e.runNext(plan.id);
          }
        };
        await expect(run(crashing)).rejects.toBeInstanceOf(SimulatedCrash);
        // Keyward starts again.
        const restarted = engine();
        await restarted.recover();
        const label = `${request.keyName} v1`;
        const crashedStep = restarted.status(plan.id).steps[step];
        expect(crashedStep?.state).toBe(point === 'after-commit' ? 'done' : 'rolled-back');
        if (step === 0 && point !== 'after-commit') expect(await keysLabelled(label)).toBe(0);
        const final = await run(restarted);
        expect(final.state).toBe('completed');
        expect(await keysLabelled(label)).toBe(1);
        const version = inventory.get(request.keyName).versions;
        expect(version).toHaveLength(1);
        expect(version[0]?.kcv).toBe(await ws.client.request('keyCheckValue', { uri: ws.uri, label }));
        expect(version[0]?.state).toBe('active');
        expect(ws.log.verify().ok).toBe(true);
      }, 60_000);
    }
  }

  it('abort after the key was generated: the key is destroyed on the token and the version marked destroyed', async () => {
    const e = engine();
    const { plan, request } = await start(e);
    await approveBoth(e, plan.id, 0);
    await e.runNext(plan.id);
    expect(await keysLabelled(`${request.keyName} v1`)).toBe(1);
    const aborted = (await abortBy(e, plan.id, ['alice'], 'wrong key type chosen')).status;
    expect(aborted.state).toBe('aborted');
    expect(aborted.outcome).toBe('wrong key type chosen');
    expect(await keysLabelled(`${request.keyName} v1`)).toBe(0);
    expect(inventory.get(request.keyName).versions[0]?.state).toBe('destroyed');
    await expect(e.runNext(plan.id)).rejects.toThrow(/has ended \(aborted\)/);
    expect(() => ws.db.prepare("UPDATE ceremonies SET state = 'running' WHERE id = ?").run(plan.id)).toThrow(
      /an ended ceremony is final/,
    );
  }, 60_000);
});

describe("a key's life after generation", () => {
  it('rotates (the new version active, the old decrypt-only), disables and re-enables, and destroys with a signed certificate', async () => {
    const e = engine();
    const request = newCmk();
    await runPlanned(e, 'generate-cmk', planGenerateCmk(inventory, request));
    const rotated = await runPlanned(e, 'rotate-cmk', planRotateCmk(inventory, request.keyName, 'manual'));
    expect(rotated.state).toBe('completed');
    expect(inventory.get(request.keyName).versions.map((v) => [v.version, v.state])).toEqual([
      [1, 'decrypt-only'],
      [2, 'active'],
    ]);
    expect(rotated.steps[0]?.result?.kcv).toBe(
      await ws.client.request('keyCheckValue', { uri: ws.uri, label: `${request.keyName} v2` }),
    );

    await runPlanned(e, 'disable-key', planSetVersionState(inventory, request.keyName, 1, 'disabled'));
    expect(inventory.get(request.keyName).versions[0]?.state).toBe('disabled');
    await runPlanned(e, 'enable-key', planSetVersionState(inventory, request.keyName, 1, 'decrypt-only'));
    expect(inventory.get(request.keyName).versions[0]?.state).toBe('decrypt-only');

    const destroyed = await runPlanned(e, 'destroy-key', planDestroyKey(inventory, request.keyName, 1, ws.dir));
    expect(destroyed.state).toBe('completed');
    expect(await keysLabelled(`${request.keyName} v1`)).toBe(0);
    expect(inventory.get(request.keyName).versions.map((v) => [v.version, v.state])).toEqual([
      [1, 'destroyed'],
      [2, 'active'],
    ]);
    const folder = destroyed.steps[1]?.result?.folder as string;
    const certificate = JSON.parse(readFileSync(join(folder, 'destruction-certificate.json'), 'utf8')) as {
      key: { name: string; version: number; kcv: string };
      witnessedBy: string[];
    };
    expect(certificate.key).toMatchObject({ name: request.keyName, version: 1 });
    expect(certificate.witnessedBy).toEqual(['alice', 'bob']);
    verifyWithOpenssl(join(folder, 'destruction-certificate.json'), join(folder, 'signer.pem'));
    expect(() => planDestroyKey(inventory, request.keyName, 1, ws.dir)).toThrow(/already destroyed/);
  }, 120_000);
});

describe('ceremonies about the officers and the rules', () => {
  it('enrols an officer who chooses a passphrase during the step; suspends and reinstates them; refuses self-approval', async () => {
    const e = engine();
    passphrases.erin = 'a new custodian chooses this';
    const enrolled = await runPlanned(
      e,
      'enrol-officer',
      planEnrolOfficer(officers, 'erin', 'Erin Park', 'key-custodian'),
      ['alice', 'dave'],
    );
    expect(enrolled.state).toBe('completed');
    expect(officers.get('erin')).toMatchObject({
      role: 'key-custodian',
      state: 'active',
      enrolledCeremony: enrolled.plan.id,
    });
    expect(JSON.stringify(enrolled.plan)).not.toContain(passphrases.erin);

    await runPlanned(e, 'suspend-officer', planOfficerState(officers, 'erin', 'suspend'), ['alice', 'dave']);
    expect(officers.get('erin').state).toBe('suspended');
    await runPlanned(e, 'suspend-officer', planOfficerState(officers, 'erin', 'reinstate'), ['alice', 'dave']);
    expect(officers.get('erin').state).toBe('active');

    const self = planOfficerState(officers, 'dave', 'suspend');
    await expect(runPlanned(e, 'suspend-officer', self, ['alice', 'dave'])).rejects.toThrow(
      /dave approved a change to their own standing/,
    );
    expect(officers.get('dave').state).toBe('active');
  }, 120_000);

  it("changes a quorum policy by a quorum, and exports the audit log with an auditor's approval", async () => {
    const e = engine();
    const policies = new Policies(ws.db, ws.log, ceremonyRules);
    await runPlanned(
      e,
      'change-policy',
      planChangePolicy('export-audit', policies.get('export-audit'), { quorum: 1, roles: ['auditor'] }),
      ['alice', 'dave'],
    );
    expect(policies.get('export-audit')).toEqual({ quorum: 1, roles: ['auditor'], approvalLifetimeHours: 8 });
    const out = join(ws.dir, 'audit-export.jsonl');
    const exported = await runPlanned(e, 'export-audit', planExportAudit(out), ['carol']);
    expect(exported.state).toBe('completed');
    const report = await verifyAuditExport(out, {
      signerFingerprint: createHash('sha256').update(ws.signer.spki).digest('hex'),
    });
    expect(report.ok).toBe(true);
    await expect(
      runPlanned(
        e,
        'change-policy',
        planChangePolicy('destroy-key', policies.get('destroy-key'), { quorum: 1, roles: ['security-officer'] }),
        ['alice', 'dave'],
      ),
    ).rejects.toThrow(/needs at least 2 distinct officers/);
  }, 120_000);
});

describe('the full life of a key, its KCV checked at every step', () => {
  it('generates, rotates, backs up (shares on separate drives), destroys, and restores from M of N shares', async () => {
    const e = engine();
    const request = newCmk();
    const generated = await runPlanned(e, 'generate-cmk', planGenerateCmk(inventory, request));
    const kcv1 = generated.steps[0]?.result?.kcv;
    await runPlanned(e, 'rotate-cmk', planRotateCmk(inventory, request.keyName, 'due'));
    const drives = ['package', 'custodian-1', 'custodian-2', 'custodian-3'].map((d) => join(ws.dir, `${d}-${keys}`));
    for (const d of drives) mkdirSync(d);
    const [packageDrive, ...shareDrives] = drives as [string, ...string[]];
    const backup = await runPlanned(
      e,
      'backup',
      planBackup(
        inventory,
        [
          { name: request.keyName, version: 1 },
          { name: request.keyName, version: 2 },
        ],
        2,
        packageDrive,
        heldBy(shareDrives),
        true,
      ),
    );
    const result = backup.steps[0]?.result ?? {};
    const shareFiles = (result.shareFolders as string[]).map((f) => readFileSync(join(f, 'share.txt'), 'utf8'));
    expect(shareFiles).toHaveLength(3);
    expect(shareFiles[0]).toContain('SHARE 1 OF 3 (any 2 rebuild the backup key)');
    // No share, and no backup key, is in the database or the transcript.
    for (const text of shareFiles)
      expect(JSON.stringify(e.transcript(backup.plan.id))).not.toContain(/^Share: (.+)$/m.exec(text)?.[1] ?? '-');

    await runPlanned(e, 'destroy-key', planDestroyKey(inventory, request.keyName, 1, ws.dir));
    expect(await keysLabelled(`${request.keyName} v1`)).toBe(0);

    // One share is not enough; a share of the wrong backup is refused; two custodians restore (one types the words).
    const restore = planRestore(inventory, ws.certificateDer, result.folder as string, [
      { name: request.keyName, version: 1 },
    ]);
    shareInputs = [shareFiles[2] ?? ''];
    await expect(runPlanned(e, 'restore', restore)).rejects.toThrow(/1 share\(s\) were given; this backup needs 2/);
    const interrupted = store.unfinished().at(-1) ?? '';
    await abortBy(e, interrupted, ['alice'], 'not enough custodians present');
    shareInputs = [shareFiles[2] ?? '', /^Words: (.+)$/m.exec(shareFiles[0] ?? '')?.[1] ?? ''];
    const restored = await runPlanned(
      e,
      'restore',
      planRestore(inventory, ws.certificateDer, result.folder as string, [{ name: request.keyName, version: 1 }]),
    );
    expect(restored.state).toBe('completed');
    const v1 = inventory.get(request.keyName).versions[0];
    expect(v1).toMatchObject({ state: 'restored', kcv: kcv1 });
    // An independent check in the token (SoftHSM leaves CKA_CHECK_VALUE empty on unwrapped keys).
    await ws.client.request('login', { uri: ws.uri, role: 'security-officer', pinParts: ws.soPin });
    await ws.client.request('prepareKeyCheck', { uri: ws.uri });
    await ws.client.request('login', { uri: ws.uri, role: 'user', pinParts: ws.userPin });
    expect(await ws.client.request('keyCheckValueInToken', { uri: ws.uri, id: v1?.tokenObjectId ?? '' })).toBe(kcv1);
  }, 180_000);
});

describe('a crash after the token work of other ceremonies, before it was recorded', () => {
  /** Runs a planned ceremony whose `step` crashes after its token work; Keyward restarts, recovers and resumes. */
  async function crashAndResume(
    type: Parameters<CeremonyEngine['plan']>[0],
    planned: { title: string; steps: Parameters<CeremonyEngine['plan']>[2] },
    step: number,
  ) {
    const crashing = engine({ point: 'after-run', step });
    await expect(runPlanned(crashing, type, planned)).rejects.toBeInstanceOf(SimulatedCrash);
    const restarted = engine();
    await restarted.recover();
    const id = store.unfinished().at(-1) ?? '';
    expect(restarted.status(id).steps[step]?.state).toBe('rolled-back');
    for (;;) {
      const status = restarted.status(id);
      const next = status.steps.find((s) => s.state !== 'done');
      if (!next) return status;
      if (status.plan.steps[next.index]?.sensitive && status.steps[next.index]?.approvedBy.length === 0)
        await approveBoth(restarted, id, next.index);
      await restarted.runNext(id);
    }
  }

  it('rotation: the half-made version is destroyed, the rerun makes exactly one', async () => {
    const request = newCmk();
    await runPlanned(engine(), 'generate-cmk', planGenerateCmk(inventory, request));
    const done = await crashAndResume('rotate-cmk', planRotateCmk(inventory, request.keyName, 'forced'), 0);
    expect(done.state).toBe('completed');
    expect(await keysLabelled(`${request.keyName} v2`)).toBe(1);
    expect(inventory.get(request.keyName).versions.map((v) => [v.version, v.state])).toEqual([
      [1, 'decrypt-only'],
      [2, 'active'],
    ]);
  }, 120_000);

  it('destruction: the rerun finds the objects already gone, records the destruction and writes the certificate', async () => {
    const request = newCmk();
    await runPlanned(engine(), 'generate-cmk', planGenerateCmk(inventory, request));
    await runPlanned(engine(), 'rotate-cmk', planRotateCmk(inventory, request.keyName, 'manual'));
    const done = await crashAndResume('destroy-key', planDestroyKey(inventory, request.keyName, 1, ws.dir), 0);
    expect(done.state).toBe('completed');
    expect(await keysLabelled(`${request.keyName} v1`)).toBe(0);
    expect(inventory.get(request.keyName).versions[0]?.state).toBe('destroyed');
  }, 120_000);

  it("backup: the interrupted run's package and shares are removed from the drives (never an unrecorded backup), and the rerun makes a new one", async () => {
    const request = newCmk();
    await runPlanned(engine(), 'generate-cmk', planGenerateCmk(inventory, request));
    const drives = ['package', 'c1', 'c2'].map((d) => join(ws.dir, `crash-${d}-${keys}`));
    for (const d of drives) mkdirSync(d);
    const [packageDrive, ...shareDrives] = drives as [string, ...string[]];
    const done = await crashAndResume(
      'backup',
      planBackup(inventory, [{ name: request.keyName, version: 1 }], 2, packageDrive, heldBy(shareDrives), true),
      0,
    );
    expect(done.state).toBe('completed');
    const result = done.steps[0]?.result ?? {};
    expect(readdirSync(packageDrive).map((f) => join(packageDrive, f))).toEqual([result.folder]);
    for (const [i, drive] of shareDrives.entries())
      expect(readdirSync(drive).map((f) => join(drive, f))).toEqual([(result.shareFolders as string[])[i]]);
    const rollback = ws.log.query({ action: 'ceremony.step.rolled-back', limit: 1 })[0];
    expect(rollback?.details.outputsRemoved).toHaveLength(1 + shareDrives.length);
    expect(rollback?.details.outputsUnreachable).toEqual([]);
  }, 120_000);
});
