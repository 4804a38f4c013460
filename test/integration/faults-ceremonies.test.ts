/**
 * Fault injection in ceremonies: SIGKILL at every step of every kind of ceremony, and the token removed
 * in the middle of every step of a generation and an export. Each ceremony runs as
 * `keyward ceremony run` runs it, in its own process, on a copy of one rehearsal workstation (a real
 * SoftHSM token and SQLite file); the process kills itself after a step's token and drive work and before
 * the step is recorded (the worst moment), again at the next step after resuming, and so on; then the
 * real `keyward ceremony resume` finishes it. The result must equal the same ceremony run without a crash:
 * the same objects on the token (nothing half-made left behind, nothing made twice), the same inventory,
 * officers and policies, the same files on the drives, and an audit log that verifies and records each
 * rolled-back step. With the token removed, the step fails with a message naming the token and the next
 * step; once it is put back, `keyward ceremony resume` ends the ceremony as if nothing had happened.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrashPoint } from '../../src/main/ceremonies/engine';
import { AuditLog } from '../../src/main/store/audit-log';
import { openDatabase } from '../../src/main/store/database';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { buildCeremonyHarness } from '../helpers/build-harness';
import { listTokenObjects } from '../helpers/softhsm';

let harness: string;
let base: string;
const keywardCli = join(process.cwd(), 'bin/keyward.mjs');
const drives = ['usb', 'backup', 'c1', 'c2', 'c3', 'audit', 'transcripts'];

const passphrases = {
  alice: 'granite lantern over the river',
  bob: 'seven quiet owls at dawn',
  carol: 'the ledger never forgets',
  dave: 'copper kettle in the vault',
  grace: 'a third security officer signs',
  erin: 'a new custodian arrives today',
};
const answers = (shareFiles: string[] = []) =>
  [
    `pinParts: ['${rehearsalToken.userPin}']`,
    `soPinParts: ['${rehearsalToken.soPin}']`,
    'passphrases:',
    ...Object.entries(passphrases).map(([officer, passphrase]) => `  ${officer}: ${passphrase}`),
    ...(shareFiles.length ? [`shareFiles: [${shareFiles.map((f) => `'${f}'`).join(', ')}]`] : []),
    '',
  ].join('\n');

/** Plans by ceremony type, their paths relative to the workstation folder (the plan files are written there). */
const plans: Record<string, string> = {
  'generate-cmk':
    'ceremony: generate-cmk\nofficers: [alice, bob]\nkey: { name: Fault CMK, purpose: Fault injection, provider: aws-kms, spec: AES_256, rotationDays: 365 }\n',
  'rotate-cmk': 'ceremony: rotate-cmk\nofficers: [alice, bob]\nkey: { name: Tenant CMK }\nreason: manual\n',
  'disable-key': 'ceremony: disable-key\nofficers: [alice, bob]\nkey: { name: Tenant CMK, version: 2 }\n',
  'destroy-key':
    'ceremony: destroy-key\nofficers: [alice, bob]\nkey: { name: Tenant CMK, version: 2 }\nconfirm: Tenant CMK\ndestination: { folder: usb }\n',
  'import-wrapping-key':
    'ceremony: import-wrapping-key\nofficers: [alice, bob]\nprovider: aws-kms\nlabel: AWS import 2\nfiles: { wrappingKey: params-2.json }\nfields: { algorithm: RSAES_OAEP_SHA_1 }\n',
  'export-key':
    'ceremony: export-key\nofficers: [alice, bob]\nkey: { name: Tenant CMK, version: 2 }\nprovider: aws-kms\nfiles: { wrappingKey: params.json }\nfields: { algorithm: RSAES_OAEP_SHA_1 }\ndestination: { folder: usb, drive: KEYWARD-USB }\n',
  backup:
    'ceremony: backup\nofficers: [alice, bob, grace]\nkeys: [{ name: Tenant CMK, version: 2 }]\nthreshold: 2\npackage: backup\nshares: [{ custodian: alice, drive: c1 }, { custodian: bob, drive: c2 }, { custodian: grace, drive: c3 }]\n',
  restore: 'ceremony: restore\nofficers: [alice, bob]\npackage: PACKAGE\nkeys: [{ name: Tenant CMK, version: 1 }]\n',
  'enrol-officer':
    'ceremony: enrol-officer\nofficers: [alice, dave]\nofficer: { id: erin, name: Erin Park, role: key-custodian }\n',
  'suspend-officer': 'ceremony: suspend-officer\nofficers: [alice, dave]\nofficer: bob\nchange: suspend\n',
  'remove-officer': 'ceremony: remove-officer\nofficers: [alice, dave]\nofficer: carol\n',
  'change-policy':
    'ceremony: change-policy\nofficers: [alice, dave]\npolicy: { ceremonyType: export-key, quorum: 3, roles: [security-officer, key-custodian] }\n',
  'export-audit': 'ceremony: export-audit\nofficers: [dave]\nfile: audit/audit-export.jsonl\n',
};

function run(command: string, args: string[], dataDir: string, input?: string) {
  const result = spawnSync(process.execPath, [command, ...args], {
    cwd: dataDir,
    env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 110_000,
    ...(input === undefined ? {} : { input }),
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}
const keyward = (dataDir: string, ...args: string[]) => run(keywardCli, args, dataDir);
/** `keyward audit verify`: it checks the log against the anchor in the HSM, so the rehearsal token's user PIN is given. */
const auditVerify = (dataDir: string) => run(keywardCli, ['audit', 'verify'], dataDir, `${rehearsalToken.userPin}\n`);

/** `keyward ceremony run` of a plan, in the workstation folder; fails the test unless it completes. */
function ceremony(dataDir: string, plan: string, answersFile = 'answers.yaml'): string {
  writeFileSync(join(dataDir, 'plan.yaml'), plan);
  const result = keyward(
    dataDir,
    'ceremony',
    'run',
    '--network-acknowledged',
    'plan.yaml',
    '--answers',
    answersFile,
    '--out',
    join(dataDir, 'transcripts'),
  );
  expect(result.stderr.replace(/^This workstation may not be air-gapped:\n|^ {2}.*\n/gm, '')).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

/** A copy of the prepared workstation: the rehearsal token's configuration is made anew for the copy's own token folder. */
function copyOfBase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-sigkill-'));
  cpSync(base, dir, { recursive: true });
  rmSync(join(dir, 'rehearsal', 'softhsm2.conf'));
  return dir;
}

/** What a ceremony leaves behind, to compare a crashed-and-resumed run with an uninterrupted one. */
function outcome(dataDir: string) {
  keyward(dataDir, 'token', 'list'); // recreates the copy's SoftHSM configuration if no run has yet
  const tokenLabels = listTokenObjects(
    { SOFTHSM2_CONF: join(dataDir, 'rehearsal', 'softhsm2.conf') },
    rehearsalToken.label,
    rehearsalToken.userPin,
  )
    .map((o) => o.label)
    .sort();
  const db = openDatabase(dataDir);
  try {
    const anonymous = (value: string) => value.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|[0-9a-f]{8,}/g, '#');
    const rows = (sql: string) => db.prepare(sql).all();
    return {
      tokenLabels,
      versions: rows(
        'SELECT k.name, v.version, v.state, v.token_label FROM key_versions v JOIN keys k ON k.id = v.key_id ORDER BY k.name, v.version',
      ),
      wrappingKeys: rows('SELECT label FROM wrapping_keys ORDER BY label'),
      officers: rows('SELECT id, role, state FROM officers ORDER BY id'),
      policies: rows('SELECT ceremony_type, quorum, roles FROM policies ORDER BY ceremony_type'),
      bundles: (rows('SELECT COUNT(*) AS n FROM bundles')[0] as { n: number }).n,
      // Every entry on every drive, hidden ones included (a half-written folder would show here).
      drives: drives.map(
        (drive) =>
          `${drive}: ${readdirSync(join(dataDir, drive), { recursive: true })
            .map((e) => anonymous(String(e)))
            .sort()
            .join(', ')}`,
      ),
    };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  harness = await buildCeremonyHarness();
  base = mkdtempSync(join(tmpdir(), 'keyward-sigkill-base-'));
  for (const drive of drives) mkdirSync(join(base, drive));
  writeFileSync(join(base, 'answers.yaml'), answers());
  // Two sets of AWS import parameters: one imported in the base (for exports), one for the import ceremony.
  for (const file of ['params.json', 'params-2.json']) {
    const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(
      join(base, file),
      JSON.stringify({
        KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        ImportToken: randomBytes(40).toString('base64'),
        PublicKey: provider.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        ParametersValidTo: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    );
  }
  ceremony(
    base,
    'ceremony: initialise-workstation\nworkstation: { organization: Example Org, name: FAULTS-WS, signingKey: ECDSA_P256 }\nfounding:\n  - { id: alice, name: Alice Martin, role: security-officer }\n  - { id: bob, name: Bob Chen, role: key-custodian }\n  - { id: dave, name: Dave Okafor, role: security-officer }\n  - { id: grace, name: Grace Lindqvist, role: security-officer }\n  - { id: carol, name: Carol Diaz, role: auditor }\n',
  );
  ceremony(
    base,
    'ceremony: generate-cmk\nofficers: [alice, bob]\nkey: { name: Tenant CMK, purpose: Tenant data, provider: aws-kms, spec: AES_256, rotationDays: 365 }\n',
  );
  ceremony(
    base,
    plans['import-wrapping-key']?.replace('AWS import 2', 'AWS import 1').replace('params-2.json', 'params.json') ?? '',
  );
  ceremony(base, plans['rotate-cmk'] ?? '');
  // Version 1 is backed up, then destroyed: the restore ceremony brings it back.
  const backedUp = ceremony(base, (plans.backup ?? '').replace('version: 2', 'version: 1'));
  const packageFolder = /\) in (\S+); shares in/.exec(backedUp)?.[1] ?? '';
  const shareFolders = /shares in (.+)\.\n/.exec(backedUp)?.[1]?.split(', ') ?? [];
  ceremony(
    base,
    'ceremony: destroy-key\nofficers: [alice, bob]\nkey: { name: Tenant CMK, version: 1 }\ndestination: { folder: usb }\n',
  );
  // The base's own outputs move off the drives, so each test's drives hold only what its ceremony wrote.
  mkdirSync(join(base, 'kept'));
  for (const folder of [packageFolder, ...shareFolders])
    cpSync(folder, join(base, 'kept', folder.slice(base.length + 1)), { recursive: true });
  for (const drive of drives)
    for (const entry of readdirSync(join(base, drive))) rmSync(join(base, drive, entry), { recursive: true });
  plans.restore = (plans.restore ?? '').replace('PACKAGE', join('kept', packageFolder.slice(base.length + 1)));
  writeFileSync(
    join(base, 'restore-answers.yaml'),
    answers(shareFolders.slice(0, 2).map((f) => join('kept', f.slice(base.length + 1), 'share.txt'))),
  );
}, 300_000);

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

/** Runs `type`'s plan in a copy of the base, killed at `point` of each step in turn, then resumed to completion. */
function crashedAtEveryStep(type: string, point: CrashPoint) {
  const dataDir = copyOfBase();
  const answersFile = type === 'restore' ? 'restore-answers.yaml' : 'answers.yaml';
  writeFileSync(join(dataDir, 'plan.yaml'), plans[type] ?? '');
  let id = '';
  let steps = Number.POSITIVE_INFINITY;
  for (let step = 0; step < steps; step++) {
    const killed = run(
      harness,
      [id ? 'resume' : 'run', id || 'plan.yaml', answersFile, join(dataDir, 'transcripts'), point, String(step)],
      dataDir,
    );
    expect(killed.stderr.replace(/^This workstation may not be air-gapped:\n|^ {2}.*\n/gm, '')).toBe('');
    expect(killed.signal, killed.stdout).toBe('SIGKILL');
    expect(killed.stdout).toContain(`KILLED ${point} ${step}`);
    if (!id) {
      id = /Ceremony id: (\S+)/.exec(killed.stdout)?.[1] ?? '';
      steps = [...killed.stdout.matchAll(/^ {2}\d+\. /gm)].length;
      expect(steps).toBeGreaterThan(1);
    }
    const listed = JSON.parse(keyward(dataDir, 'ceremony', 'list', '--json').stdout) as {
      unfinished: { id: string; interrupted: boolean; stepsDone: number }[];
      recent: { id: string; state: string }[];
    };
    if (point === 'after-commit' && step === steps - 1) {
      // Killed once the last step was recorded: the ceremony is complete, only its transcript is not written.
      expect(listed.recent[0]).toMatchObject({ id, state: 'completed' });
    } else {
      expect(listed.unfinished).toEqual([
        expect.objectContaining({
          id,
          interrupted: point !== 'after-commit',
          stepsDone: point === 'after-commit' ? step + 1 : step,
        }),
      ]);
    }
  }
  if (point === 'after-commit') {
    const ended = keyward(
      dataDir,
      'ceremony',
      'resume',
      id,
      '--answers',
      answersFile,
      '--network-acknowledged',
      '--out',
      join(dataDir, 'transcripts'),
    );
    expect(ended.stderr).toContain(`keyward ceremony transcript ${id} --out DIR`);
    const transcript = spawnSync(
      process.execPath,
      [keywardCli, 'ceremony', 'transcript', id, '--out', join(dataDir, 'transcripts')],
      {
        cwd: dataDir,
        env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
        encoding: 'utf8',
        input: `${rehearsalToken.userPin}\n`,
      },
    );
    expect(transcript.stderr).toBe('');
    expect(transcript.stdout).toMatch(/Signed transcript \(JSON and PDF\): \S+keyward-transcript-/);
  } else {
    const resumed = keyward(
      dataDir,
      'ceremony',
      'resume',
      id,
      '--network-acknowledged',
      '--answers',
      answersFile,
      '--out',
      join(dataDir, 'transcripts'),
    );
    expect(resumed.status, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`(${id}) was interrupted when Keyward stopped: it was rolled back and runs again`);
    expect(resumed.stdout).toContain(`Step ${steps} of "`);
    expect(resumed.stdout).toContain(`Ceremony completed: ${id}.`);
  }
  const verified = auditVerify(dataDir);
  expect(verified.status, verified.stdout).toBe(0);
  const db = openDatabase(dataDir);
  try {
    const rolledBack = new AuditLog(db)
      .query({ action: 'ceremony.step.rolled-back', limit: 100 })
      .filter((e) => e.subject === id);
    expect(rolledBack).toHaveLength(point === 'after-commit' ? 0 : steps);
  } finally {
    db.close();
  }
  return { dataDir, id };
}

/** The same plan in a copy of the base, without a crash. */
function uninterrupted(type: string) {
  const dataDir = copyOfBase();
  ceremony(dataDir, plans[type] ?? '', type === 'restore' ? 'restore-answers.yaml' : 'answers.yaml');
  return dataDir;
}

/** The crashed-and-resumed ceremony ends exactly as the same plan run without a crash. */
function endsAsIfNeverInterrupted(type: string, point: CrashPoint): void {
  const reference = uninterrupted(type);
  const { dataDir } = crashedAtEveryStep(type, point);
  try {
    expect(outcome(dataDir)).toEqual(outcome(reference));
  } finally {
    rmSync(reference, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('SIGKILL after the work of every step, before it is recorded: resumed, the ceremony ends as if never interrupted', () => {
  for (const type of Object.keys(plans)) it(type, () => endsAsIfNeverInterrupted(type, 'after-run'), 240_000);
});

describe('SIGKILL at the other points of every step of an export (just begun; just recorded)', () => {
  for (const point of ['after-begin', 'after-commit'] as const)
    it(point, () => endsAsIfNeverInterrupted('export-key', point), 240_000);
});

describe('the token removed in the middle of every step: a clear failure, then resumed once it is back', () => {
  for (const type of ['generate-cmk', 'export-key']) {
    it(
      type,
      () => {
        const reference = uninterrupted(type);
        const dataDir = copyOfBase();
        try {
          writeFileSync(join(dataDir, 'plan.yaml'), plans[type] ?? '');
          let id = '';
          let steps = Number.POSITIVE_INFINITY;
          // The token goes at the start of a step; a step without token work completes, and the next one fails.
          for (let step = 0; step < steps;) {
            const failed = run(
              harness,
              [
                id ? 'resume' : 'run',
                id || 'plan.yaml',
                'answers.yaml',
                join(dataDir, 'transcripts'),
                'after-begin',
                String(step),
                'remove-token',
              ],
              dataDir,
            );
            expect(failed.stdout).toContain(`TOKEN REMOVED after-begin ${step}`);
            expect(failed.status, failed.stdout).toBe(1);
            const message = failed.stderr.replace(/^This workstation may not be air-gapped:\n|^ {2}.*\n/gm, '');
            expect(message).toMatch(/^keyward: [^\n]*(Keyward Rehearsal|token)[^\n]*\nNext step: [^\n]+\n$/);
            expect(message).not.toMatch(/\n\s+at /);
            if (!id) {
              id = /Ceremony id: (\S+)/.exec(failed.stdout)?.[1] ?? '';
              steps = [...failed.stdout.matchAll(/^ {2}\d+\. /gm)].length;
            }
            expect(message).toContain(
              `Then go on with the ceremony where it stopped: keyward ceremony resume ${id} --out DIR.`,
            );
            const listed = JSON.parse(keyward(dataDir, 'ceremony', 'list', '--json').stdout) as {
              unfinished: { id: string; stepsDone: number }[];
            };
            const unfinished = listed.unfinished.find((c) => c.id === id);
            expect(unfinished?.stepsDone).toBeGreaterThanOrEqual(step);
            // The failure of the step that met the missing token is on record.
            const db = openDatabase(dataDir);
            try {
              const failures = new AuditLog(db)
                .query({ action: 'ceremony.step', limit: 20 })
                .filter((e) => e.subject === id && e.outcome === 'failure');
              expect(failures.map((e) => e.details.step)).toContain(unfinished?.stepsDone);
            } finally {
              db.close();
            }
            // The step that failed runs again first in the next run, once the token is back; the token goes at the one after.
            step = (unfinished?.stepsDone ?? steps) + 1;
            // The token is put back.
            const removed = join(dataDir, 'removed-token');
            for (const entry of readdirSync(removed))
              renameSync(join(removed, entry), join(dataDir, 'rehearsal', 'tokens', entry));
            rmdirSync(removed);
          }
          const resumed = keyward(
            dataDir,
            'ceremony',
            'resume',
            id,
            '--network-acknowledged',
            '--answers',
            'answers.yaml',
            '--out',
            join(dataDir, 'transcripts'),
          );
          expect(resumed.status, resumed.stdout + resumed.stderr).toBe(0);
          expect(auditVerify(dataDir).status).toBe(0);
          expect(outcome(dataDir)).toEqual(outcome(reference));
        } finally {
          rmSync(reference, { recursive: true, force: true });
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
      240_000,
    );
  }
});
