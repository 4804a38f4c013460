/**
 * Fault testing, issue 15 items 5 and 8. A kill while the transcript was written left a hidden partial
 * folder, or an empty final one that `ceremony transcript` then refused to overwrite, and `ceremony list`
 * gave no hint that the transcript was missing. And `ceremony list` from a second CLI called a ceremony
 * still running in the first "INTERRUPTED", suggesting a resume that would roll back a live step.
 * Run as officers run them: the real CLI (and the fault harness), a real SoftHSM token and SQLite file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CeremonySummary } from '../../src/shared/ceremonies';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { buildCeremonyHarness } from '../helpers/build-harness';

const repo = process.cwd();
const keywardCli = join(repo, 'bin/keyward.mjs');
const answers = join(repo, 'docs/ceremonies/rehearsal-answers.yaml');
const generation =
  'ceremony: generate-cmk\nofficers: [alice, bob]\nkey: { name: Transcript CMK, purpose: Fault injection, provider: aws-kms, spec: AES_256, rotationDays: 365 }\n';
let base: string;
let harness: string;
const made: string[] = [];

function keyward(dataDir: string, args: string[], input = '') {
  const result = spawnSync(process.execPath, [keywardCli, ...args], {
    cwd: dataDir,
    env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 110_000,
    input,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const listed = (dataDir: string) =>
  JSON.parse(keyward(dataDir, ['ceremony', 'list', '--json']).stdout) as {
    unfinished: CeremonySummary[];
    recent: CeremonySummary[];
  };

function copyOfBase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-transcripts-'));
  made.push(dir);
  cpSync(base, dir, { recursive: true });
  mkdirSync(join(dir, 'elsewhere'));
  rmSync(join(dir, 'rehearsal', 'softhsm2.conf'));
  writeFileSync(join(dir, 'plan.yaml'), generation);
  return dir;
}

beforeAll(async () => {
  harness = await buildCeremonyHarness();
  base = mkdtempSync(join(tmpdir(), 'keyward-transcripts-base-'));
  made.push(base);
  mkdirSync(join(base, 'transcripts'));
  const initialised = keyward(base, [
    'ceremony',
    'run',
    '--network-acknowledged',
    join(repo, 'docs/ceremonies/initialise-workstation.yaml'),
    '--answers',
    answers,
    '--out',
    join(base, 'transcripts'),
  ]);
  expect(initialised.status, initialised.stderr).toBe(0);
}, 240_000);
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('a transcript is a tracked output', () => {
  it('killed while its transcript was written: listed as missing with the command; that command removes the leftovers and writes it', () => {
    const dataDir = copyOfBase();
    const transcripts = join(dataDir, 'transcripts');
    const killed = spawnSync(
      process.execPath,
      [harness, 'run', 'plan.yaml', answers, transcripts, 'transcript-claimed', '-1'],
      { cwd: dataDir, env: { ...process.env, KEYWARD_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 110_000 },
    );
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
    const [ended] = listed(dataDir).recent;
    expect(ended).toMatchObject({ state: 'completed', transcript: 'missing' });
    const id = ended?.id ?? '';
    // What a kill in the middle of writing leaves: the hidden staging folder, and the final name already made.
    mkdirSync(join(transcripts, `.REHEARSAL-keyward-transcript-${id}.partial-4242`));
    writeFileSync(
      join(transcripts, `.REHEARSAL-keyward-transcript-${id}.partial-4242`, 'transcript.json'),
      '{"cut short',
    );
    mkdirSync(join(transcripts, `REHEARSAL-keyward-transcript-${id}`));

    const text = keyward(dataDir, ['ceremony', 'list']).stdout;
    expect(text).toContain(`NO SIGNED TRANSCRIPT written yet: keyward ceremony transcript ${id} --out DIR`);

    const written = keyward(
      dataDir,
      ['ceremony', 'transcript', id, '--out', transcripts],
      `${rehearsalToken.userPin}\n`,
    );
    expect(written.status, written.stderr).toBe(0);
    expect(written.stdout).toContain(
      `The signed transcript of "Generate key "Transcript CMK" (AES-256)" (${id}) was being written when Keyward stopped`,
    );
    expect(readdirSync(transcripts).filter((e) => e.includes(id))).toEqual([`REHEARSAL-keyward-transcript-${id}`]);
    expect(readdirSync(join(transcripts, `REHEARSAL-keyward-transcript-${id}`)).sort()).toEqual([
      'signer.pem',
      'transcript.json',
      'transcript.json.p7s',
      'transcript.pdf',
      'transcript.pdf.p7s',
    ]);
    expect(listed(dataDir).recent[0]).toMatchObject({ id, transcript: 'written' });
    expect(keyward(dataDir, ['ceremony', 'list']).stdout).not.toContain('NO SIGNED TRANSCRIPT');
  }, 240_000);

  it('a folder of the same name that was there before the transcript was written is never removed, and not overwritten', () => {
    const dataDir = copyOfBase();
    const transcripts = join(dataDir, 'transcripts');
    // Someone's folder under the name the next ceremony's transcript will have: made before it, so not Keyward's.
    const before = listed(dataDir).recent.map((c) => c.id);
    const killedFirst = spawnSync(
      process.execPath,
      [harness, 'run', 'plan.yaml', answers, join(dataDir, 'elsewhere'), 'transcript-claimed', '-1'],
      { cwd: dataDir, env: { ...process.env, KEYWARD_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 110_000 },
    );
    expect(killedFirst.signal).toBe('SIGKILL');
    const id =
      listed(dataDir)
        .recent.map((c) => c.id)
        .find((c) => !before.includes(c)) ?? '';
    const kept = join(transcripts, `REHEARSAL-keyward-transcript-${id}`);
    mkdirSync(kept);
    writeFileSync(join(kept, 'notes.txt'), 'kept');
    const refused = keyward(
      dataDir,
      ['ceremony', 'transcript', id, '--out', transcripts],
      `${rehearsalToken.userPin}\n`,
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('already exists');
    expect(readdirSync(kept)).toEqual(['notes.txt']);
  }, 240_000);
});

describe('ceremony list beside a Keyward that is running a step', () => {
  it('shows the ceremony as running in that process, never as interrupted; once that process is killed, as interrupted', async () => {
    const dataDir = copyOfBase();
    const first = spawn(
      process.execPath,
      [harness, 'run', 'plan.yaml', answers, join(dataDir, 'transcripts'), 'after-run', '0', 'pause'],
      { cwd: dataDir, env: { ...process.env, KEYWARD_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    first.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise((resolve) => first.on('exit', resolve));
    try {
      await expect.poll(() => out, { timeout: 60_000 }).toContain('PAUSED after-run 0');
      const [running] = listed(dataDir).unfinished;
      expect(running).toMatchObject({ interrupted: false });
      expect(running?.runningIn).toContain(`process ${first.pid}`);
      const text = keyward(dataDir, ['ceremony', 'list']).stdout;
      expect(text).toContain(`RUNNING now, in the Keyward of process ${first.pid}`);
      expect(text).not.toContain('INTERRUPTED');
    } finally {
      first.kill('SIGKILL');
      await exited;
    }
    const [interrupted] = listed(dataDir).unfinished;
    expect(interrupted).toMatchObject({ interrupted: true });
    expect(interrupted?.runningIn).toBeUndefined();
  }, 240_000);
});
