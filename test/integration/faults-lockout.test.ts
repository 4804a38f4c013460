/**
 * Fault testing, issue 15 item 1: with the shipped founding set, a locked-out officer could never be
 * unlocked (unlocking needs two security officers; the example had one). Now initialisation refuses a
 * founding set that could not unlock, enrol, remove or change a policy with any one officer locked out,
 * and the example plans meet the rule. Run as officers run it: the real CLI, the documented plans and
 * rehearsal answers, a real SoftHSM token and SQLite file. Each founding officer in turn is locked out by
 * five wrong passphrases, refused with the right one, then unlocked by the others, and signs again.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AuditLog } from '../../src/main/store/audit-log';
import { openDatabase } from '../../src/main/store/database';
import { Officers } from '../../src/main/store/officers';
import { maxPassphraseAttempts } from '../../src/shared/officers';
import { buildCeremonyHarness } from '../helpers/build-harness';
import { typedAtTerminal } from '../helpers/terminal';

const repo = process.cwd();
const keywardCli = join(repo, 'bin/keyward.mjs');
const docs = (file: string) => join(repo, 'docs/ceremonies', file);
const founding = (
  parse(readFileSync(docs('initialise-workstation.yaml'), 'utf8')) as { founding: { id: string; role: string }[] }
).founding;
const rehearsalAnswers = readFileSync(docs('rehearsal-answers.yaml'), 'utf8');
let dataDir: string;

function keyward(...args: string[]) {
  const result = spawnSync(process.execPath, [keywardCli, ...args], {
    cwd: dataDir,
    env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 110_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const run = (plan: string, answers = join(dataDir, 'answers.yaml')) => {
  writeFileSync(join(dataDir, 'plan.yaml'), plan);
  return keyward(
    'ceremony',
    'run',
    '--network-acknowledged',
    join(dataDir, 'plan.yaml'),
    '--answers',
    answers,
    '--out',
    join(dataDir, 'transcripts'),
  );
};

function lockedSince(id: string): string | null {
  const db = openDatabase(dataDir, { readOnly: true });
  try {
    return new Officers(db, new AuditLog(db)).get(id).lockedSince;
  } finally {
    db.close();
  }
}

const securityOfficers = founding.filter((f) => f.role === 'security-officer').map((f) => f.id);
/** Two officers who can approve a CMK generation, other than `id`. */
const cmkPair = (id: string) => ['alice', 'bob', 'dave'].filter((o) => o !== id).slice(0, 2);

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-lockout-'));
  mkdirSync(join(dataDir, 'transcripts'));
  writeFileSync(join(dataDir, 'answers.yaml'), rehearsalAnswers);
  const initialised = keyward(
    'ceremony',
    'run',
    '--network-acknowledged',
    docs('initialise-workstation.yaml'),
    '--answers',
    docs('rehearsal-answers.yaml'),
    '--out',
    join(dataDir, 'transcripts'),
  );
  expect(initialised.status, initialised.stderr).toBe(0);
}, 180_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('every founding officer of the example plans, locked out, is unlocked by the others', () => {
  it('the example founding set has at least three security officers', () => {
    expect(securityOfficers.length).toBeGreaterThanOrEqual(3);
  });

  for (const { id } of founding) {
    it(`${id}: five wrong passphrases lock them out, the right one is then refused, and two other security officers unlock them`, () => {
      const wrong = join(dataDir, `wrong-${id}.yaml`);
      writeFileSync(
        wrong,
        rehearsalAnswers.replace(new RegExp(`^  ${id}: .*$`, 'm'), `  ${id}: not the passphrase at all`),
      );
      // The officer checks in first, to a generation two others could approve: each wrong passphrase ends that ceremony.
      const plan = `ceremony: generate-cmk\nofficers: [${[id, ...cmkPair(id)].join(', ')}]\nkey: { name: Locked ${id}, purpose: lock-out test, provider: aws-kms, spec: AES_256, rotationDays: 365 }\n`;
      for (let attempt = 1; attempt <= maxPassphraseAttempts; attempt++) {
        const refused = run(plan, wrong);
        expect(refused.status).toBe(1);
        expect(refused.stderr).toContain(attempt < maxPassphraseAttempts ? `Wrong passphrase for ${id}` : 'locked out');
      }
      expect(lockedSince(id)).not.toBeNull();
      const stillLocked = run(plan);
      expect(stillLocked.status).toBe(1);
      expect(stillLocked.stderr).toContain(`${id} is locked out`);

      const unlockers = securityOfficers.filter((o) => o !== id).slice(0, 2);
      const unlocked = run(
        `ceremony: suspend-officer\nofficers: [${unlockers.join(', ')}]\nofficer: ${id}\nchange: unlock\n`,
      );
      expect(unlocked.status, unlocked.stderr).toBe(0);
      expect(lockedSince(id)).toBeNull();
      // Unlocked, the officer checks in with their passphrase again.
      const signsAgain = run(plan);
      expect(signsAgain.status, signsAgain.stderr).toBe(0);
    }, 240_000);
  }
});

describe('a self-governing workstation stays so: what would break it is refused when planned', () => {
  it('removing one of its three security officers', () => {
    const refused = run('ceremony: remove-officer\nofficers: [alice, dave]\nofficer: grace\n');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      "Removing grace would leave the workstation's officers unable to govern it with one of them locked out",
    );
    expect(refused.stderr).toContain('Enrol another officer in that role first');
  });

  it('a policy that the officers could not meet with one of them locked out', () => {
    const refused = run(
      'ceremony: change-policy\nofficers: [alice, dave]\npolicy: { ceremonyType: suspend-officer, quorum: 3, roles: [security-officer] }\n',
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('This policy for suspend-officer would leave');
    expect(refused.stderr).toContain('Unlocking an officer needs 3 approvals from security officer, so 4 are needed');
  });
});

describe('a founding set that could not unlock its own officers is refused before any PIN is typed', () => {
  it('two security officers: refused, naming the rule and how many more are needed', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'keyward-lockout-refused-'));
    try {
      writeFileSync(
        join(fresh, 'plan.yaml'),
        'ceremony: initialise-workstation\nworkstation: { organization: Example Org, name: WS, signingKey: ECDSA_P256 }\nfounding:\n  - { id: alice, name: Alice Martin, role: security-officer }\n  - { id: bob, name: Bob Chen, role: key-custodian }\n  - { id: dave, name: Dave Okafor, role: security-officer }\n',
      );
      const result = spawnSync(
        process.execPath,
        [keywardCli, 'ceremony', 'run', '--network-acknowledged', join(fresh, 'plan.yaml'), '--out', fresh],
        { env: { ...process.env, KEYWARD_DATA_DIR: fresh }, encoding: 'utf8', input: '' },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('These founding officers could not govern the workstation on their own');
      expect(result.stderr).toContain('the officers name 2 (alice, dave). Add 1 more in that role.');
      expect(result.stderr).not.toMatch(/PIN/i);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe('a wrong passphrase typed at the terminal', () => {
  it('is asked again, counted, and does not end the ceremony', async () => {
    const passphrases = (parse(rehearsalAnswers) as { passphrases: Record<string, string> }).passphrases;
    writeFileSync(
      join(dataDir, 'typed.yaml'),
      'ceremony: generate-cmk\nofficers: [alice, bob]\nkey: { name: Typed at the terminal, purpose: retry test, spec: AES_256 }\n',
    );
    let aliceAsked = 0;
    const typed = await typedAtTerminal(
      [
        process.execPath,
        keywardCli,
        'ceremony',
        'run',
        '--network-acknowledged',
        join(dataDir, 'typed.yaml'),
        '--out',
        join(dataDir, 'transcripts'),
      ].join(' '),
      { KEYWARD_DATA_DIR: dataDir },
      (screen) => {
        if (/PIN[^\n]*: $/.test(screen)) return '1111-2222';
        const officer = /(\w+), type your passphrase[^\n]*: $/.exec(screen)?.[1];
        if (!officer) return undefined;
        // alice mistypes the first time she is asked.
        if (officer === 'alice' && aliceAsked++ === 0) return 'a slip of the finger';
        return passphrases[officer];
      },
    );
    expect(typed.stdout).toContain('Wrong passphrase for alice. 4 attempts left before alice is locked out.');
    expect(typed.stdout).toContain('Ceremony completed');
    expect(typed.status, typed.stdout).toBe(0);
    expect(aliceAsked).toBeGreaterThan(1);
    expect(lockedSince('alice')).toBeNull();
  }, 180_000);
});

describe('an abort on the command line with no officer named', () => {
  it('is signed by the officers checked in whose role counts, never asking one whose signature could not count', async () => {
    // carol (an auditor, who may check in but not approve a generation), alice and bob check in; then
    // Keyward is killed, leaving the ceremony unfinished.
    const harness = await buildCeremonyHarness();
    writeFileSync(
      join(dataDir, 'abort-plan.yaml'),
      'ceremony: generate-cmk\nofficers: [carol, alice, bob]\nkey: { name: Aborted by default, purpose: abort test, spec: AES_256 }\n',
    );
    const killed = spawnSync(
      process.execPath,
      [harness, 'run', 'abort-plan.yaml', 'answers.yaml', join(dataDir, 'transcripts'), 'checked-in', '3'],
      { cwd: dataDir, env: { ...process.env, KEYWARD_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 110_000 },
    );
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
    const id = /Ceremony id: (\S+)/.exec(killed.stdout)?.[1] ?? '';
    const aborted = keyward(
      'ceremony',
      'abort',
      id,
      '--reason',
      'the officers were called away',
      '--answers',
      join(dataDir, 'answers.yaml'),
      '--out',
      join(dataDir, 'transcripts'),
      '--network-acknowledged',
    );
    expect(aborted.status, aborted.stderr).toBe(0);
    expect(aborted.stdout).toContain('abort signed by alice');
    expect(aborted.stdout).toContain('abort signed by bob');
    expect(aborted.stdout).not.toContain('abort signed by carol');
  }, 180_000);
});
