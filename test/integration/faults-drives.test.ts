/**
 * Fault injection on the drives Keyward writes to, one test per writer and fault, on a real workstation
 * (the rehearsal SoftHSM token, the real ceremony engine and SQLite file) and real file systems: small
 * tmpfs mounts that fill up while data is written, run out of file entries, are write-protected, or
 * are removed before the write. Each write is refused with the drive, the cause in words and the next
 * step; nothing of it is left on the drive; the key is still in the token and the inventory; the audit
 * log verifies and records the failure; and once the cause is fixed at the same place, the same step
 * runs again with the approvals it had.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { readShare } from '../../src/main/backup/shares';
import { verifyBundle } from '../../src/main/bundles/verify-bundle';
import { readBackupPackage } from '../../src/main/ceremonies/backup-steps';
import type { CeremonyType } from '../../src/main/ceremonies/catalogue';
import { newCeremonyId, type CeremonyEngine } from '../../src/main/ceremonies/engine';
import { openCeremonyEngine } from '../../src/main/ceremonies/open-engine';
import type { Transcript } from '../../src/main/ceremonies/transcript';
import { planBackup } from '../../src/main/ceremonies/types/backup';
import { planExportAudit } from '../../src/main/ceremonies/types/export-audit';
import { planExportKey } from '../../src/main/ceremonies/types/export-key';
import { planGenerateCmk } from '../../src/main/ceremonies/types/generate-cmk';
import { planImportWrappingKey } from '../../src/main/ceremonies/types/import-wrapping-key';
import { HsmClient } from '../../src/main/hsm/client/client';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { prepareRehearsalModule } from '../../src/main/hsm/client/rehearsal';
import { openWorkstation } from '../../src/main/open-workstation';
import { readProviderImport } from '../../src/main/providers/registry';
import { verifyAuditExport } from '../../src/main/store/audit-export';
import type { Workstation } from '../../src/main/workstation';
import type { AuditEntry } from '../../src/shared/audit';
import type { ProviderImport } from '../../src/shared/providers';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { rejection } from '../helpers/rejection';
import { heldBy } from '../helpers/share-holders';

const isRoot = process.getuid?.() === 0;
const needsRoot = (context: TestContext): void => {
  if (!isRoot) context.skip('mounting small tmpfs drives (full, out of file entries, write-protected) needs root');
};

const passphrases: Record<string, string> = {
  alice: 'quiet harbour lantern',
  bob: 'second custodian key',
  carol: 'auditor reads every line',
  dave: 'copper kettle in the vault',
  grace: 'a third security officer signs',
};
const pageSize = 4096;

let dir: string;
let workstation: Workstation;
let engine: CeremonyEngine;
/** A second HSM process on the rehearsal token, to see what the token holds independently of the engine's. */
let checker: HsmClient;
let cmk: { name: string; label: string; kcv: string };
let awsParams: ProviderImport;
let signerFingerprint: string;
/** A completed ceremony whose transcript the transcript tests write. */
let endedCeremony: string;

async function run(
  type: CeremonyType,
  planned: { title: string; steps: Parameters<CeremonyEngine['plan']>[2] },
  officers = ['alice', 'bob'],
  id = newCeremonyId(type),
) {
  const plan = await engine.plan(type, planned.title, planned.steps, id);
  for (const officer of officers) await engine.checkIn(plan.id, officer, passphrases[officer] ?? '');
  for (const step of plan.steps)
    if (step.sensitive)
      for (const officer of officers) await engine.approve(plan.id, step.index, officer, passphrases[officer] ?? '');
  return plan;
}

async function runToEnd(id: string) {
  for (;;) {
    const status = engine.status(id);
    if (status.state === 'completed' || !status.steps.some((s) => s.state !== 'done')) return status;
    await engine.runNext(id);
  }
}

beforeAll(async () => {
  if (!isRoot) return;
  dir = mkdtempSync(join(tmpdir(), 'keyward-faults-drives-'));
  workstation = openWorkstation(join(dir, 'data'), nodeHsmChannel);
  await workstation.login('user', [rehearsalToken.userPin]);
  const founding = [
    { id: 'alice', displayName: 'Alice', role: 'security-officer' as const, passphrase: passphrases.alice ?? '' },
    { id: 'bob', displayName: 'Bob', role: 'key-custodian' as const, passphrase: passphrases.bob ?? '' },
    { id: 'carol', displayName: 'Carol', role: 'auditor' as const, passphrase: passphrases.carol ?? '' },
    { id: 'dave', displayName: 'Dave', role: 'security-officer' as const, passphrase: passphrases.dave ?? '' },
    { id: 'grace', displayName: 'Grace', role: 'security-officer' as const, passphrase: passphrases.grace ?? '' },
  ];
  const { identity } = await workstation.initialise(
    { name: 'WS faults', organization: 'Example Org', spec: 'ECDSA_P256' },
    founding,
  );
  signerFingerprint = identity.publicKeyFingerprint;
  engine = await openCeremonyEngine(workstation, {
    pinParts: (role) => Promise.resolve([role === 'user' ? rehearsalToken.userPin : rehearsalToken.soPin]),
    newPassphrase: () => Promise.reject(new Error('no enrolment here')),
    backupShares: () => Promise.reject(new Error('no restore here')),
  });
  // A CMK, generated and activated under dual control; its transcript is the one the transcript tests write.
  const generated = await run(
    'generate-cmk',
    planGenerateCmk(workstation.inventory(), {
      keyName: 'Tenant CMK',
      purpose: 'tenant data',
      provider: 'aws-kms',
      spec: 'AES_256',
      rotationDays: 365,
    }),
  );
  const status = await runToEnd(generated.id);
  endedCeremony = generated.id;
  cmk = { name: 'Tenant CMK', label: 'Tenant CMK v1', kcv: status.steps[0]?.result?.kcv as string };
  // The provider's wrapping key (AWS KMS, RSA-OAEP SHA-1: no security officer step at export).
  const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const parametersFile = {
    KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ImportToken: randomBytes(64).toString('base64'),
    PublicKey: provider.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    ParametersValidTo: new Date(Date.now() + 3_600_000).toISOString(),
  };
  awsParams = readProviderImport(
    'aws-kms',
    { wrappingKey: Buffer.from(JSON.stringify(parametersFile)) },
    { algorithm: 'RSAES_OAEP_SHA_1' },
  );
  await runToEnd(
    (await run('import-wrapping-key', planImportWrappingKey(workstation.wrappingKeys(), awsParams, 'AWS import key')))
      .id,
  );
  checker = new HsmClient(prepareRehearsalModule(workstation.dataDir), nodeHsmChannel);
  await checker.request('login', {
    uri: `pkcs11:token=${encodeURIComponent(rehearsalToken.label)}`,
    role: 'user',
    pinParts: [rehearsalToken.userPin],
  });
}, 120_000);

afterAll(() => {
  if (!isRoot) return;
  checker.close();
  workstation.close();
  // Whatever a failed test left mounted under the temp dir, before the dir goes.
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n').reverse()) {
    const point = line.split(' ')[1];
    if (point?.startsWith(dir)) spawnQuiet('umount', ['-l', point]);
  }
  rmSync(dir, { recursive: true, force: true });
});

function spawnQuiet(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Mount points used by the current test, unmounted after it whatever happened. */
const mounted: string[] = [];
afterEach(() => {
  for (const point of mounted.splice(0)) while (spawnQuiet('umount', ['-l', point]));
});

function mountTmpfs(point: string, options: string): void {
  mkdirSync(point, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'keyward-fault-drive', point], { stdio: 'pipe' });
  mounted.push(point);
}

/** Every name on a drive, hidden ones too, recursively: what a failed write must not have changed. */
function contents(point: string): string[] {
  if (!existsSync(point)) return ['(no folder)'];
  return readdirSync(point, { recursive: true, encoding: 'utf8' }).sort();
}

interface Fault {
  name: string;
  /** The drive at `point` as the write will find it. */
  breakDrive(point: string, freePages: number): void;
  /** The cause removed: a good drive at the same place. */
  fixDrive(point: string): void;
  cause: RegExp;
}

const faults: Fault[] = [
  {
    name: 'a full drive',
    breakDrive: (point, freePages) => {
      // One page of filler; `freePages` left for the write, which needs more.
      mountTmpfs(point, `size=${(freePages + 1) * 4}k,nr_inodes=1000`);
      writeFileSync(join(point, 'filler'), Buffer.alloc(pageSize, 1));
    },
    fixDrive: (point) => {
      while (spawnQuiet('umount', ['-l', point]));
      mountTmpfs(point, 'size=4m');
    },
    cause: /the drive is full/,
  },
  {
    name: 'a drive out of inodes',
    breakDrive: (point) => mountTmpfs(point, 'size=4m,nr_inodes=3'),
    fixDrive: (point) => {
      while (spawnQuiet('umount', ['-l', point]));
      mountTmpfs(point, 'size=4m');
    },
    cause: /cannot take any more files/,
  },
  {
    name: 'a write-protected drive',
    breakDrive: (point) => mountTmpfs(point, 'size=4m,ro'),
    fixDrive: (point) => execFileSync('mount', ['-o', 'remount,rw', point], { stdio: 'pipe' }),
    cause: /write-protected .*not writable/,
  },
  {
    name: 'a removed drive',
    breakDrive: (point) => {
      mountTmpfs(point, 'size=4m');
      execFileSync('umount', [point], { stdio: 'pipe' });
      rmdirSync(point); // as the desktop's automounter does
    },
    fixDrive: (point) => mountTmpfs(point, 'size=4m'),
    cause: /the folder is not there: the drive was removed or is not mounted/,
  },
];

interface Attempt {
  /** The write itself: a ceremony step, the audit export, the transcript. */
  write(): Promise<unknown>;
  /** How the error names the write and the drive. */
  says: RegExp;
  /** The ceremony step the write is, when it is one. */
  step?: { ceremony: string; index: number };
  /** Other drives the same step writes to: a failure leaves nothing of it on them either. */
  otherDrives?: string[];
  /** The audit entries that record this write's failure. */
  failureEntries?: (since: number) => AuditEntry[];
  /** After the fix: the output is whole and verifies. */
  succeeded(result: unknown, drive: string): Promise<void> | void;
}

interface Writer {
  name: string;
  /** Pages the write needs beyond one (the full drive leaves this many free: the data starts, then the space ends). */
  freePages: number;
  prepare(drive: string, goodDrives: () => string): Promise<Attempt>;
}

const entriesSince = (since: number): AuditEntry[] =>
  workstation
    .audit()
    .query({ limit: 1000 })
    .filter((e) => e.seq > since);

const stepFailures = (ceremony: string) => (since: number) =>
  entriesSince(since).filter(
    (e) =>
      e.action === 'ceremony.step' &&
      e.outcome === 'failure' &&
      e.details.ceremony === ceremony &&
      e.details.error === 'FILE_NOT_WRITTEN',
  );

const writers: Writer[] = [
  {
    name: 'an upload bundle (export step)',
    freePages: 1,
    prepare: async (drive) => {
      const id = newCeremonyId('export-key');
      const planned = planExportKey(
        { inventory: workstation.inventory(), wrappingKeys: workstation.wrappingKeys() },
        id,
        { keyName: cmk.name, version: 1, params: awsParams, destination: { parent: drive, drive: 'FAULT-USB' } },
      );
      await run('export-key', planned, ['alice', 'bob'], id);
      return {
        write: () => engine.runNext(id),
        says: new RegExp(`^The bundle was not written to ${escape(drive)}: `),
        step: { ceremony: id, index: 0 },
        // Both the step's failure and the export's.
        failureEntries: (since) => {
          const step = stepFailures(id)(since);
          const bundle = entriesSince(since).filter(
            (e) => e.action === 'bundle.export' && e.outcome === 'failure' && e.details.error === 'FILE_NOT_WRITTEN',
          );
          return step.length && bundle.length ? [...step, ...bundle] : [];
        },
        succeeded: () => {
          const folder = engine.status(id).steps[0]?.result?.folder as string;
          expect(folder.startsWith(`${drive}/REHEARSAL-keyward-aws-kms-`)).toBe(true); // made on a rehearsal token
          expect(verifyBundle(folder, { signerFingerprint }).problems).toEqual([]);
          expect(workstation.inventory().get(cmk.name).versions[0]?.state).toBe('active');
        },
      };
    },
  },
  {
    name: 'a backup package (backup step)',
    freePages: 1,
    prepare: async (drive, goodDrive) => {
      const shares = [goodDrive(), goodDrive()];
      const planned = planBackup(
        workstation.inventory(),
        [{ name: cmk.name, version: 1 }],
        2,
        drive,
        heldBy(shares),
        true,
      );
      const plan = await run('backup', planned);
      return {
        write: () => engine.runNext(plan.id),
        says: new RegExp(`^The backup package was not written to ${escape(drive)}: `),
        step: { ceremony: plan.id, index: 0 },
        otherDrives: shares,
        failureEntries: stepFailures(plan.id),
        succeeded: () => backupSucceeded(plan.id, shares),
      };
    },
  },
  {
    name: 'a backup share (backup step)',
    freePages: 0,
    prepare: async (drive, goodDrive) => {
      const packageDrive = goodDrive();
      const shares = [goodDrive(), drive];
      const plan = await run(
        'backup',
        planBackup(workstation.inventory(), [{ name: cmk.name, version: 1 }], 2, packageDrive, heldBy(shares), true),
      );
      return {
        write: () => engine.runNext(plan.id),
        says: new RegExp(`^The share was not written to ${escape(drive)}: `),
        step: { ceremony: plan.id, index: 0 },
        // The package and the first share were written before the last share's drive failed.
        otherDrives: [packageDrive, ...shares.slice(0, -1)],
        failureEntries: stepFailures(plan.id),
        succeeded: () => backupSucceeded(plan.id, shares),
      };
    },
  },
  {
    name: 'an audit export (export-audit step)',
    freePages: 1,
    prepare: async (drive) => {
      const out = join(drive, 'audit-export.jsonl');
      const plan = await run('export-audit', planExportAudit(out), ['carol']);
      return {
        write: () => engine.runNext(plan.id),
        says: new RegExp(`^The audit export was not written to ${escape(out)}: `),
        step: { ceremony: plan.id, index: 0 },
        failureEntries: stepFailures(plan.id),
        succeeded: async () => {
          const report = await verifyAuditExport(out, { signerFingerprint });
          expect(report.ok).toBe(true);
          expect(readdirSync(drive).sort()).toEqual([
            'audit-export.jsonl',
            'audit-export.jsonl.p7s',
            'audit-export.jsonl.signer.pem',
          ]);
        },
      };
    },
  },
  {
    name: 'a ceremony transcript',
    freePages: 1,
    prepare: (drive) =>
      Promise.resolve({
        write: () => engine.writeTranscript(endedCeremony, drive),
        says: new RegExp(`^The transcript was not written to ${escape(drive)}: `),
        failureEntries: (since: number) =>
          entriesSince(since).filter(
            (e) =>
              e.action === 'ceremony.transcript' && e.outcome === 'failure' && e.details.error === 'FILE_NOT_WRITTEN',
          ),
        succeeded: (folder: unknown) => {
          expect(folder).toBe(join(drive, `REHEARSAL-keyward-transcript-${endedCeremony}`));
          const transcript = JSON.parse(readFileSync(join(String(folder), 'transcript.json'), 'utf8')) as Transcript;
          expect(transcript.ceremony).toMatchObject({ id: endedCeremony, state: 'completed' });
          expect(readdirSync(String(folder)).sort()).toEqual([
            'signer.pem',
            'transcript.json',
            'transcript.json.p7s',
            'transcript.pdf',
            'transcript.pdf.p7s',
          ]);
        },
      }),
  },
];

function backupSucceeded(ceremony: string, shareDrives: string[]): void {
  const result = engine.status(ceremony).steps[0]?.result ?? {};
  const backup = readBackupPackage(result.folder as string, workstation.identities().require().certificateDer);
  expect(backup.versions.map((v) => [v.name, v.version, v.kcv])).toEqual([[cmk.name, 1, cmk.kcv]]);
  const shareFolders = result.shareFolders as string[];
  expect(shareFolders.map((f) => f.slice(0, f.lastIndexOf('/')))).toEqual(shareDrives);
  for (const folder of shareFolders)
    expect(readShare(backup.backupId, readFileSync(join(folder, 'share.txt'), 'utf8')).length).toBeGreaterThan(16);
}

/** What must hold after any refused write: the key in the token and the inventory, the audit log whole. */
async function nothingLost(): Promise<void> {
  const version = workstation.inventory().get(cmk.name).versions[0];
  expect(version).toMatchObject({ state: 'active', kcv: cmk.kcv });
  expect(
    await checker.request('keyCheckValue', {
      uri: `pkcs11:token=${encodeURIComponent(rehearsalToken.label)}`,
      label: cmk.label,
    }),
  ).toBe(cmk.kcv);
  expect(workstation.audit().verify()).toMatchObject({ ok: true });
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let driveCount = 0;
/** A fresh place for a drive, and plain folders standing in for good drives (custodians' shares, the package). */
function places(): { drive: string; goodDrive: () => string } {
  const n = ++driveCount;
  let good = 0;
  return {
    drive: join(dir, 'drives', `fault-${n}`),
    goodDrive: () => {
      const folder = join(dir, 'drives', `good-${n}-${++good}`);
      mkdirSync(folder, { recursive: true });
      return folder;
    },
  };
}

describe.each(writers)('$name', (writer) => {
  it.for(faults)(
    'on $name: refused with the drive, the cause and the next step; nothing left, nothing lost; done once fixed',
    async (fault, context) => {
      needsRoot(context);
      const { drive, goodDrive } = places();
      const attempt = await writer.prepare(drive, goodDrive);
      fault.breakDrive(drive, writer.freePages);
      const before = contents(drive);
      const since = workstation.audit().head().seq;

      const approvedBy = attempt.step
        ? engine.status(attempt.step.ceremony).steps[attempt.step.index]?.approvedBy
        : undefined;
      const error = await rejection(attempt.write());
      expect(error.code).toBe('FILE_NOT_WRITTEN');
      expect(error.message).toMatch(attempt.says);
      expect(error.message).toMatch(fault.cause);
      expect(error.message).toMatch(/Nothing of it.* was left there\.$/);
      // Words, not the system's codes or Keyward's temporary names.
      expect(error.message).not.toMatch(/\bE[A-Z]{3,}\b|partial|errno|syscall/);
      expect(error.nextStep).toContain(`at the same place, ${drive}`);
      expect(error.nextStep).toMatch(/then try again/);
      expect(contents(drive)).toEqual(before);
      for (const other of attempt.otherDrives ?? []) expect(contents(other), other).toEqual([]);
      await nothingLost();
      if (attempt.failureEntries) expect(attempt.failureEntries(since).length).toBeGreaterThan(0);
      if (attempt.step) {
        const failed = engine.status(attempt.step.ceremony).steps[attempt.step.index];
        expect(failed).toMatchObject({ state: 'failed', approvedBy });
      }

      // The cause removed at the same place: the same write, with the approvals it had, now succeeds.
      fault.fixDrive(drive);
      const result = await attempt.write();
      await attempt.succeeded(result, drive);
      if (attempt.step) {
        expect(engine.status(attempt.step.ceremony).steps[attempt.step.index]).toMatchObject({
          state: 'done',
          approvedBy,
        });
        expect((await runToEnd(attempt.step.ceremony)).state).toBe('completed');
      }
      expect(contents(drive).filter((name) => name.includes('partial') || name === 'filler')).toEqual([]);
      await nothingLost();
    },
  );
});

describe('a transcript that cannot be written', () => {
  it('is recorded in the audit log as a failure', async (context) => {
    needsRoot(context);
    const { drive } = places();
    faults[2]?.breakDrive(drive, 0);
    const since = workstation.audit().head().seq;
    expect((await rejection(engine.writeTranscript(endedCeremony, drive))).message).toMatch(/write-protected/);
    expect(
      entriesSince(since).filter((e) => e.action === 'ceremony.transcript' && e.outcome === 'failure'),
    ).toHaveLength(1);
  });
});
