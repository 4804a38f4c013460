/**
 * Fault testing, issue 15 item 2: a ceremony stopped before every officer checked in (the CLI killed, or
 * its power cut) could be neither resumed nor aborted from the CLI. Now
 * `ceremony resume ID --officer ID` lets the missing officers check in, and `ceremony abort ID` ends it
 * with the app's rules. Run as officers run them: the real CLI, a real SoftHSM token and SQLite file.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { buildCeremonyHarness } from '../helpers/build-harness';

const keywardCli = join(process.cwd(), 'bin/keyward.mjs');
const passphrases: Record<string, string> = {
  alice: 'granite lantern over the river',
  bob: 'seven quiet owls at dawn',
  dave: 'copper kettle in the vault',
  grace: 'a third security officer signs',
};
const answers = [
  `pinParts: ['${rehearsalToken.userPin}']`,
  `soPinParts: ['${rehearsalToken.soPin}']`,
  'passphrases:',
  ...Object.entries(passphrases).map(([officer, passphrase]) => `  ${officer}: ${passphrase}`),
  '',
].join('\n');
const generation =
  'ceremony: generate-cmk\nofficers: [alice, bob]\nkey: { name: Check-in CMK, purpose: Fault injection, provider: aws-kms, spec: AES_256, rotationDays: 365 }\n';

let base: string;
let harness: string;
const made: string[] = [];

function keyward(dataDir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [keywardCli, ...args], {
    cwd: dataDir,
    env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 110_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const withAnswers = (dataDir: string, file: string, ...args: string[]) =>
  keyward(dataDir, ...args, '--network-acknowledged', '--answers', file, '--out', join(dataDir, 'transcripts'));

function copyOfBase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-check-in-'));
  made.push(dir);
  cpSync(base, dir, { recursive: true });
  rmSync(join(dir, 'rehearsal', 'softhsm2.conf'));
  return dir;
}

/** A generation whose CLI was killed (SIGKILL) once `checkedIn` officers had checked in: planned, unfinished. */
function killedAtCheckIn(dataDir: string, checkedIn: number): string {
  writeFileSync(join(dataDir, 'plan.yaml'), generation);
  const killed = spawnSync(
    process.execPath,
    [harness, 'run', 'plan.yaml', 'answers.yaml', join(dataDir, 'transcripts'), 'checked-in', String(checkedIn)],
    { cwd: dataDir, env: { ...process.env, KEYWARD_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 110_000 },
  );
  expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
  const listed = JSON.parse(keyward(dataDir, 'ceremony', 'list', '--json').stdout) as {
    unfinished: { id: string; checkedIn: string[] }[];
  };
  expect(listed.unfinished).toHaveLength(1);
  expect(listed.unfinished[0]?.checkedIn).toHaveLength(checkedIn);
  return listed.unfinished[0]?.id ?? '';
}

const keyVersions = (dataDir: string) =>
  (
    JSON.parse(keyward(dataDir, 'key', 'list', '--json').stdout) as {
      keys: { name: string; versions: { state: string }[] }[];
    }
  ).keys;

beforeAll(async () => {
  harness = await buildCeremonyHarness();
  base = mkdtempSync(join(tmpdir(), 'keyward-check-in-base-'));
  made.push(base);
  mkdirSync(join(base, 'transcripts'));
  writeFileSync(join(base, 'answers.yaml'), answers);
  writeFileSync(
    join(base, 'plan.yaml'),
    'ceremony: initialise-workstation\nworkstation: { organization: Example Org, name: CHECKIN-WS, signingKey: ECDSA_P256 }\nfounding:\n  - { id: alice, name: Alice Martin, role: security-officer }\n  - { id: bob, name: Bob Chen, role: key-custodian }\n  - { id: dave, name: Dave Okafor, role: security-officer }\n  - { id: grace, name: Grace Lindqvist, role: security-officer }\n',
  );
  const initialised = withAnswers(base, 'answers.yaml', 'ceremony', 'run', 'plan.yaml');
  expect(initialised.status, initialised.stderr).toBe(0);
}, 240_000);

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('a ceremony stopped before every officer checked in', () => {
  it('one officer checked in: resume refuses without the missing officer and says how; with --officer they check in and it completes', () => {
    const dataDir = copyOfBase();
    const id = killedAtCheckIn(dataDir, 1);
    const alone = withAnswers(dataDir, 'answers.yaml', 'ceremony', 'resume', id);
    expect(alone.status).not.toBe(0);
    expect(alone.stderr).toContain('Officers checked in so far: alice.');
    expect(alone.stderr).toContain(`keyward ceremony resume ${id} --officer ID`);
    const resumed = withAnswers(dataDir, 'answers.yaml', 'ceremony', 'resume', id, '--officer', 'bob');
    expect(resumed.status, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('bob checked in.');
    expect(resumed.stdout).toContain(`Ceremony completed: ${id}.`);
    expect(
      keyVersions(dataDir)
        .find((k) => k.name === 'Check-in CMK')
        ?.versions.map((v) => v.state),
    ).toEqual(['active']);
  }, 240_000);

  it('nobody checked in: resume with every officer named completes', () => {
    const dataDir = copyOfBase();
    const id = killedAtCheckIn(dataDir, 0);
    const resumed = withAnswers(
      dataDir,
      'answers.yaml',
      'ceremony',
      'resume',
      id,
      '--officer',
      'alice',
      '--officer',
      'bob',
    );
    expect(resumed.status, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Ceremony completed: ${id}.`);
  }, 240_000);

  it('keyward ceremony abort ends it, signed by an officer who checks in for it, with its transcript; it is no longer listed as unfinished', () => {
    const dataDir = copyOfBase();
    const id = killedAtCheckIn(dataDir, 0);
    const aborted = withAnswers(
      dataDir,
      'answers.yaml',
      'ceremony',
      'abort',
      id,
      '--reason',
      'the officers could not all come',
      '--officer',
      'alice',
    );
    expect(aborted.status, aborted.stdout + aborted.stderr).toBe(0);
    expect(aborted.stdout).toContain('No step has been done: the ceremony simply ends.');
    expect(aborted.stdout).toContain('abort signed by alice');
    expect(aborted.stdout).toContain(`Ceremony ${id} aborted`);
    expect(aborted.stdout).toMatch(/Signed transcript \(JSON and PDF\): \S+keyward-transcript-/);
    const listed = JSON.parse(keyward(dataDir, 'ceremony', 'list', '--json').stdout) as {
      unfinished: { id: string }[];
      recent: { id: string; state: string }[];
    };
    expect(listed.unfinished.map((c) => c.id)).not.toContain(id);
    expect(listed.recent.find((c) => c.id === id)?.state).toBe('aborted');
    const again = withAnswers(dataDir, 'answers.yaml', 'ceremony', 'abort', id, '--reason', 'twice');
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('has ended (aborted)');
  }, 240_000);

  it('an abort of a ceremony that completed once its officer arrived is refused, naming its transcript', () => {
    const dataDir = copyOfBase();
    const id = killedAtCheckIn(dataDir, 1);
    expect(withAnswers(dataDir, 'answers.yaml', 'ceremony', 'resume', id, '--officer', 'bob').status).toBe(0);
    const aborted = withAnswers(dataDir, 'answers.yaml', 'ceremony', 'abort', id, '--reason', 'too late');
    expect(aborted.status).not.toBe(0);
    expect(aborted.stderr).toContain('has ended (completed)');
    expect(aborted.stderr).toContain(`keyward ceremony transcript ${id}`);
  }, 240_000);
});
