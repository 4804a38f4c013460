/**
 * A full disk under Keyward's data folder: the data folder (the database, and the rehearsal token's files
 * with it) on a real, tiny tmpfs, made full by a filler file. Commands that only read still work, and
 * change nothing. What must write says the disk is full, how much is free and how much Keyward needs. A
 * ceremony step the full disk stops after it made its key on the token says that the step is left running
 * and rolled back at the next login, never that nothing was changed; once there is room, that login rolls
 * it back and the ceremony completes, the token holding exactly what the inventory records. A step whose
 * key the full disk kept off the token is rolled back at once, and says so.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  statfsSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { parse } from 'yaml';
import { runCeremony } from '../../src/cli/ceremony-run';
import { closeSecretInput } from '../../src/cli/secret-input';
import type { CrashPoint } from '../../src/main/ceremonies/engine';
import { openCeremonyEngine } from '../../src/main/ceremonies/open-engine';
import { planGenerateCmk } from '../../src/main/ceremonies/types/generate-cmk';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { openWorkstation } from '../../src/main/open-workstation';
import { AuditLog } from '../../src/main/store/audit-log';
import { databaseFileName, openDatabase } from '../../src/main/store/database';
import type { AuditEntry } from '../../src/shared/audit';
import { KeywardError, toErrorData } from '../../src/shared/errors';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { editedPlan } from '../helpers/plans';
import { rejection } from '../helpers/rejection';

const isRoot = process.getuid?.() === 0;
const needsRoot = (context: TestContext): void => {
  if (!isRoot) context.skip('mounting a tiny tmpfs for the data folder, to fill it, needs root');
};

const repo = join(import.meta.dirname, '../..');
const answersFile = join(repo, 'docs/ceremonies/rehearsal-answers.yaml');
const answers = parse(readFileSync(answersFile, 'utf8')) as { passphrases: Record<string, string> };
const generatePlan = readFileSync(join(repo, 'docs/ceremonies/generate-cmk.yaml'), 'utf8');
const generateOfficers = (parse(generatePlan) as { officers: string[] }).officers;

/** Any claim that nothing changed, in the words Keyward uses for it. */
const nothingChangedClaim = /nothing (further )?was (changed|done)/i;

let base: string;
/** The tiny tmpfs: the data folder and the filler that fills it. */
let disk: string;
let dataDir: string;
/** Off the full disk: transcripts and plans. */
let out: string;
const filler = (): string => join(disk, 'filler');

function keyward(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [join(repo, 'bin/keyward.mjs'), ...args], {
    cwd: repo,
    env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
    encoding: 'utf8',
    ...(input !== undefined ? { input } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const runPlanFile = (plan: string) =>
  keyward(['ceremony', 'run', '--network-acknowledged', plan, '--answers', answersFile, '--out', out]);

function freeKb(): number {
  const stats = statfsSync(disk);
  return (stats.bavail * stats.bsize) / 1024;
}

/** Fills the disk, then gives back `kb` of it: the disk as the stress test left it. */
function fillDisk(kb: number): void {
  rmSync(filler(), { force: true });
  const fd = openSync(filler(), 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  truncateSync(filler(), Math.max(0, statSync(filler()).size - kb * 1024));
  expect(freeKb()).toBe(kb);
}

const makeRoom = (): void => rmSync(filler(), { force: true });

/** Every file of the data folder with its size, the database's digest, and the free space: what reading must not change. */
function snapshot(ignore: RegExp = /^$/): { files: string[]; database: string; freeKb: number } {
  const files = readdirSync(dataDir, { recursive: true, encoding: 'utf8' })
    .filter((name) => !ignore.test(name))
    .map(
      (name) =>
        `${name} ${statSync(join(dataDir, name)).isDirectory() ? 'folder' : statSync(join(dataDir, name)).size}`,
    )
    .sort();
  return {
    files,
    database: createHash('sha256')
      .update(readFileSync(join(dataDir, databaseFileName)))
      .digest('hex'),
    freeKb: freeKb(),
  };
}

/** The key objects on the rehearsal token, counted by SoftHSM's own files: what no Keyward record can hide. */
function tokenObjects(): number {
  const tokens = join(dataDir, 'rehearsal', 'tokens');
  return readdirSync(tokens).flatMap((token) =>
    readdirSync(join(tokens, token)).filter((name) => name.endsWith('.object') && name !== 'token.object'),
  ).length;
}

function auditEntries(ceremony: string): AuditEntry[] {
  const db = openDatabase(dataDir, { readOnly: true });
  try {
    return new AuditLog(db).query({ ceremony, limit: 1000 }).sort((a, b) => a.seq - b.seq);
  } finally {
    db.close();
  }
}

const auditVerify = () => keyward(['audit', 'verify'], `${rehearsalToken.userPin}\n`);

/** Empties the write-ahead log into the database (TRUNCATE: to 0 bytes, so the next write must grow it; RESTART: the next write reuses it from its start). */
function checkpoint(mode: 'TRUNCATE' | 'RESTART'): void {
  const db = new Database(join(dataDir, databaseFileName), { fileMustExist: true });
  try {
    expect(db.pragma(`wal_checkpoint(${mode})`)).toEqual([expect.objectContaining({ busy: 0 })]);
  } finally {
    db.close();
  }
}

beforeAll(() => {
  if (!isRoot) return;
  base = mkdtempSync(join(tmpdir(), 'keyward-disk-full-'));
  disk = join(base, 'disk');
  out = join(base, 'out');
  mkdirSync(disk);
  mkdirSync(out);
  spawnSyncChecked('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'keyward-full-disk', disk]);
  dataDir = join(disk, 'data');
  // A rehearsal workstation with a key, made by the CLI as officers make one.
  for (const plan of ['initialise-workstation.yaml', 'generate-cmk.yaml']) {
    const made = runPlanFile(join(repo, 'docs/ceremonies', plan));
    expect(made.code, made.stdout + made.stderr).toBe(0);
  }
}, 120_000);

afterAll(() => {
  if (!isRoot) return;
  spawnSync('umount', ['-l', disk]);
  rmSync(base, { recursive: true, force: true });
});

function spawnSyncChecked(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
}

const fullDisk = (purpose: string) =>
  new RegExp(
    `The disk holding Keyward's data folder \\(${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) is full: (\\d+) KB free; Keyward needs at least 16 MB there to ${purpose}`,
  );

describe('a full disk under the data folder', () => {
  it('leaves key list, ceremony list and workstation show working, with no space at all, and changes nothing', (context) => {
    needsRoot(context);
    fillDisk(0);
    const before = snapshot();
    const keys = keyward(['key', 'list', '--json']);
    expect(keys.code, keys.stderr).toBe(0);
    expect((JSON.parse(keys.stdout) as { keys: { name: string }[] }).keys.map((k) => k.name)).toEqual(['Tenant CMK']);
    const ceremonies = keyward(['ceremony', 'list', '--json']);
    expect(ceremonies.code, ceremonies.stderr).toBe(0);
    expect((JSON.parse(ceremonies.stdout) as { recent: { type: string; state: string }[] }).recent).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'generate-cmk', state: 'completed' })]),
    );
    const shown = keyward(['workstation', 'show']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('O=Example Org');
    // Nothing written, nothing left beside the database (no log, no index), not a byte of the disk taken.
    expect(snapshot()).toEqual(before);
  });

  it('lets audit verify read the database when the token has just room for its lock; with none, names the lock that needs it', (context) => {
    needsRoot(context);
    // The token's files are on the full disk too: its login and the reads need no space. The one write is
    // the instance lock's journal (a few pages), taken before the login.
    fillDisk(16);
    const before = snapshot(/^instance\./);
    const verified = auditVerify();
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain('Audit log verified');
    expect(verified.stdout).toMatch(/Anchored in the HSM/);
    expect(snapshot(/^instance\./)).toEqual(before);

    fillDisk(0);
    const refused = auditVerify();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      fullDisk('take the lock that keeps a second Keyward off this workstation and its token'),
    );
    expect(refused.stderr).not.toMatch(/disk I\/O error|SQLITE|unexpected error/);
    expect(refused.stderr).toMatch(/Next step: Make room on that disk/);
  });

  it('refuses a ceremony that cannot open the database for writing, naming the full disk and the space needed, and changes nothing', (context) => {
    needsRoot(context);
    const plan = join(out, 'refused-cmk.yaml');
    writeFileSync(
      plan,
      editedPlan(generatePlan, (text) => text.replace('name: Tenant CMK', 'name: Refused CMK')),
    );
    fillDisk(16);
    const objects = tokenObjects();
    const before = snapshot(/^instance\./);
    const refused = runPlanFile(plan);
    expect(refused.code).toBe(1);
    const named = fullDisk('open its workstation database').exec(refused.stderr);
    expect(named, refused.stderr).not.toBeNull();
    expect(Number(named?.[1])).toBeLessThanOrEqual(16);
    expect(refused.stderr).toContain('Keyward wrote nothing to it.');
    expect(refused.stderr).not.toMatch(/disk I\/O error|SQLITE|unexpected error/);
    expect(tokenObjects()).toBe(objects);
    expect(snapshot(/^instance\./)).toEqual(before);
  });

  it('stops a step that made its key, when the disk fills before it is recorded: left running, never "nothing was changed"; with room, the next login rolls it back and the ceremony completes', async (context) => {
    needsRoot(context);
    makeRoom();
    const plan = join(out, 'second-cmk.yaml');
    writeFileSync(
      plan,
      editedPlan(generatePlan, (text) => text.replace('name: Tenant CMK', 'name: Second CMK')),
    );
    const objectsBefore = tokenObjects();
    const printed: string[] = [];
    const workstation = openWorkstation(dataDir, nodeHsmChannel);
    let failure: unknown;
    try {
      await runCeremony(workstation, plan, {
        answersPath: answersFile,
        pinParts: 1,
        transcriptDir: out,
        print: (text) => printed.push(text),
        networkAcknowledged: true,
        // The key is on the token now; the disk fills before the step is recorded as done.
        crash: (point: CrashPoint, step: number) => {
          if (point !== 'after-run' || step !== 0) return;
          checkpoint('TRUNCATE');
          fillDisk(4);
        },
      });
    } catch (error) {
      failure = error;
    } finally {
      closeSecretInput();
      workstation.close();
    }
    expect(failure, printed.join('')).toBeInstanceOf(KeywardError);
    // What the officer reads, as the CLI prints it.
    const { code, message, nextStep } = toErrorData(failure);
    expect(code).toBe('STORE_DISK_FULL');
    expect(message).toMatch(fullDisk('record its work in the workstation database'));
    expect(message).toContain(
      'Step 1 is left running, its start recorded in the audit log: the next login to the token rolls step 1 back before anything else, destroying whatever it made on the token ("Second CMK v1")',
    );
    expect(`${message} ${nextStep}`).not.toMatch(nothingChangedClaim);
    expect(`${message} ${nextStep}`).not.toMatch(/SQLITE|unexpected error/);
    expect(nextStep).toMatch(/^Make room on that disk/);
    expect(nextStep).toContain(
      'The next login to the token (resuming the ceremony) rolls step 1 back first; then it runs again.',
    );
    const id = /Ceremony id: (\S+)/.exec(printed.join(''))?.[1] ?? '';
    expect(nextStep).toContain(`keyward ceremony resume ${id} --out DIR`);
    // The token was touched: the key is there, recorded only as the step's start.
    expect(tokenObjects()).toBe(objectsBefore + 1);
    const listed = keyward(['ceremony', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { unfinished: { id: string }[] }).unfinished.map((c) => c.id)).toContain(id);

    makeRoom();
    const resumed = keyward([
      'ceremony',
      'resume',
      id,
      '--network-acknowledged',
      '--answers',
      answersFile,
      '--out',
      out,
    ]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(
      `(${id}) was interrupted when Keyward stopped: it was rolled back and runs again (recorded in the audit log). Objects it had made on the token, destroyed: 1.`,
    );
    expect(resumed.stdout).toContain(`Ceremony completed: ${id}.`);
    // Nothing unrecorded: one new key on the token, the one the inventory holds; the rollback on record.
    expect(tokenObjects()).toBe(objectsBefore + 1);
    const keys = JSON.parse(keyward(['key', 'list', '--json']).stdout) as {
      keys: { name: string; versions: { state: string }[] }[];
    };
    expect(keys.keys.find((k) => k.name === 'Second CMK')?.versions.map((v) => v.state)).toEqual(['active']);
    const entries = auditEntries(id);
    const rolledBack = entries.filter((e) => e.action === 'ceremony.step.rolled-back');
    expect(rolledBack).toHaveLength(1);
    expect(rolledBack[0]?.details).toMatchObject({
      step: 0,
      destroyedObjects: [expect.objectContaining({ label: 'Second CMK v1' })],
    });
    expect(entries.filter((e) => e.action === 'ceremony.step.begin' && e.details.step === 0)).toHaveLength(2);
    expect(entries.map((e) => e.action)).toContain('ceremony.complete');
    expect(auditVerify().code).toBe(0);
  }, 120_000);

  it('rolls back at once a step whose key the full disk kept off the token, and says so, never "nothing was changed"', async (context) => {
    needsRoot(context);
    makeRoom();
    const objectsBefore = tokenObjects();
    let filled = false;
    const workstation = openWorkstation(dataDir, nodeHsmChannel);
    try {
      await workstation.login('user', [rehearsalToken.userPin]);
      const engine = await openCeremonyEngine(
        workstation,
        {
          pinParts: () => Promise.resolve([rehearsalToken.userPin]),
          newPassphrase: () => Promise.reject(new Error('no enrolment here')),
          backupShares: () => Promise.reject(new Error('no restore here')),
        },
        {
          // The step has begun (on record); the disk fills before the token writes the key's file. The log
          // is emptied first, so that the step's failure can still be recorded in the room it had.
          crash: (point: CrashPoint, step: number) => {
            if (point !== 'after-begin' || step !== 0 || filled) return;
            filled = true;
            checkpoint('RESTART');
            fillDisk(0);
          },
        },
      );
      const planned = planGenerateCmk(workstation.inventory(), {
        keyName: 'Third CMK',
        purpose: 'tenant data',
        provider: 'aws-kms',
        spec: 'AES_256',
        rotationDays: 365,
      });
      const plan = await engine.plan('generate-cmk', planned.title, planned.steps);
      for (const officer of generateOfficers)
        await engine.checkIn(plan.id, officer, answers.passphrases[officer] ?? '');
      for (const step of plan.steps)
        if (step.sensitive)
          for (const officer of generateOfficers)
            await engine.approve(plan.id, step.index, officer, answers.passphrases[officer] ?? '');

      const error = await rejection(engine.runNext(plan.id));
      expect(filled).toBe(true);
      expect(error.nextStep).toContain(
        'Step 1 was rolled back at once: Keyward destroyed what it had made on the token ("Third CMK v1"), removed what it had begun to write and recorded the step as failed; it runs again with the approvals it has, or the ceremony can be aborted.',
      );
      expect(`${error.message} ${error.nextStep}`).not.toMatch(nothingChangedClaim);
      expect(engine.status(plan.id).steps[0]?.state).toBe('failed');
      expect(tokenObjects()).toBe(objectsBefore);

      makeRoom();
      for (;;) {
        const status = await engine.runNext(plan.id);
        if (status.state === 'completed') break;
      }
      expect(tokenObjects()).toBe(objectsBefore + 1);
    } finally {
      workstation.close();
    }
    expect(existsSync(filler())).toBe(false);
    expect(auditVerify().code).toBe(0);
  }, 120_000);
});
