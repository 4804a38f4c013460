/**
 * The attack: eight passphrase checks for one officer started at once (seven wrong guesses, then the
 * right passphrase), through approveStep and through the air-gap acknowledgement that was attacked.
 * Each check used to read the lock-out state before its half-second scrypt and count its failure only
 * after, so all eight ran and the right one was accepted. Every check must be counted before it runs:
 * the fifth wrong passphrase locks the officer out whatever the concurrency, and a check the workstation
 * never finished (a crash) counts as a wrong one. Officers on a real SQLite file; scrypt as in production.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveStep, enrolOfficer } from '../../src/main/officers/enrolment';
import { AuditLog } from '../../src/main/store/audit-log';
import { databaseFileName, openDatabase, type Db } from '../../src/main/store/database';
import { Officers } from '../../src/main/store/officers';
import { AirGapGuard } from '../../src/main/system/air-gap-guard';
import { issueCertificate } from '../../src/main/x509/certificate';
import type { AirGapStatus } from '../../src/shared/air-gap';
import { KeywardError } from '../../src/shared/errors';
import { rejection } from '../helpers/rejection';
import { softwareSigner } from '../helpers/software-signer';

const passphrases = {
  alice: 'correct horse battery staple',
  dana: 'tulip orbit granite falcon',
  frank: 'amber canyon whistle pebble',
};
type OfficerId = keyof typeof passphrases;
const digest = createHash('sha256').update('generate CMK "Tenant" AES_256').digest('hex');
const wrongGuesses = Array.from({ length: 7 }, (_, i) => `wrong guess number ${i + 1}`);

let dir: string;
let dataDir: string;
let db: Db;
let log: AuditLog;
let officers: Officers;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-lockout-'));
  dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  db = openDatabase(dataDir);
  log = new AuditLog(db);
  officers = new Officers(db, log);
  const signer = softwareSigner('ECDSA_P256');
  const certificateDer = await issueCertificate(
    {
      profile: 'workstation',
      subject: { commonName: 'WS lock-out', organization: 'Example Org', organizationalUnit: 'Keyward workstation' },
      subjectSpki: signer.spki,
      serial: randomBytes(16),
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 365 * 86_400_000),
    },
    signer,
  );
  for (const [id, passphrase] of Object.entries(passphrases)) {
    await enrolOfficer(
      officers,
      { signer, certificateDer },
      { id, displayName: `Officer ${id}`, role: 'security-officer', passphrase },
      { actors: ['alice', 'dana'], ceremony: 'init-1' },
    );
  }
}, 120_000);

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The officer's refused authentications, oldest first. */
function refusals(store: AuditLog, officer: OfficerId): string[] {
  return store
    .query({ subject: officer, limit: 100 })
    .filter((e) => e.outcome === 'refused')
    .map((e) => e.action)
    .reverse();
}

function messagesOf(results: PromiseSettledResult<unknown>[]): string[] {
  return results.map((r) =>
    r.status === 'rejected' ? (r.reason instanceof KeywardError ? r.reason.message : String(r.reason)) : 'accepted',
  );
}

/** What the attack must leave: the right passphrase refused, locked out by the fifth wrong one, and staying locked out. */
async function expectLockedOutByTheFifthWrongPassphrase(
  officer: OfficerId,
  results: PromiseSettledResult<unknown>[],
): Promise<void> {
  const messages = messagesOf(results);
  expect(
    results.at(-1)?.status,
    `the right passphrase, sent last among the guesses, was accepted: ${messages.join(' | ')}`,
  ).toBe('rejected');
  // Five checks ran (each a wrong guess, counted before it ran); the other three were refused before any scrypt.
  expect(messages.filter((m) => m.startsWith(`Wrong passphrase for ${officer}`))).toHaveLength(5);
  expect(messages.filter((m) => m === `Wrong passphrase for ${officer}: ${officer} is now locked out.`)).toHaveLength(
    1,
  );
  expect(
    messages.filter((m) => m.startsWith(`Officer ${officer} has no passphrase attempt left for now`)),
  ).toHaveLength(3);
  const record = officers.get(officer);
  expect(record.lockedSince).not.toBeNull();
  expect(record.failedAttempts).toBe(5);
  // Exactly five wrong passphrases audited, the fifth being the lock-out.
  expect(refusals(log, officer)).toEqual([
    'officer.passphrase',
    'officer.passphrase',
    'officer.passphrase',
    'officer.passphrase',
    'officer.locked',
  ]);
  const later = await rejection(approveStep(officers, officer, passphrases[officer], digest));
  expect(later.message).toContain(`Officer ${officer} is locked out after 5 wrong passphrases`);
  expect(later.nextStep).toBe('Another quorum of officers must unlock this officer in an officer ceremony.');
}

describe('eight concurrent passphrase checks for one officer (seven wrong, then the right one)', () => {
  it('through approveStep: the right one is refused, and the fifth wrong passphrase locks the officer out', async () => {
    const attempts = [...wrongGuesses, passphrases.dana].map((passphrase) =>
      approveStep(officers, 'dana', passphrase, digest),
    );
    const results = await Promise.allSettled(attempts);
    await expectLockedOutByTheFifthWrongPassphrase('dana', results);
  }, 60_000);

  it('through the air-gap acknowledgement: not acknowledged, and the officer is locked out after the fifth wrong passphrase', async () => {
    const exposed: AirGapStatus = {
      isolated: false,
      findings: ['eth0 is up (wired).'],
      interfaces: [{ name: 'eth0', state: 'up', up: true, wireless: false }],
      defaultRoutes: [],
    };
    const guard = new AirGapGuard({ officers: () => officers, log: () => log }, () => exposed);
    const attempts = [...wrongGuesses, passphrases.alice].map((passphrase) =>
      guard.acknowledge('alice', passphrase, exposed.findings),
    );
    const results = await Promise.allSettled(attempts);
    expect(guard.status().acknowledged).toBeNull();
    expect(() => guard.require()).toThrow(/may not be air-gapped/);
    await expectLockedOutByTheFifthWrongPassphrase('alice', results);
    expect(log.query({ action: 'air-gap.acknowledge', limit: 10 }).filter((e) => e.outcome === 'success')).toEqual([]);
  }, 60_000);
});

describe('checks the workstation never finished (a crash or power cut during scrypt)', () => {
  it('count as wrong passphrases: five of them lock the officer out when Keyward starts again', async () => {
    // Five checks with the right passphrase, running; the database files as they are now are what a crash leaves.
    const running = Array.from({ length: 5 }, () => approveStep(officers, 'frank', passphrases.frank, digest));
    const crashed = join(dir, 'after-crash');
    mkdirSync(crashed);
    for (const suffix of ['', '-wal']) {
      const file = join(dataDir, `${databaseFileName}${suffix}`);
      if (existsSync(file)) copyFileSync(file, join(crashed, `${databaseFileName}${suffix}`));
    }
    await Promise.all(running);
    expect(officers.get('frank')).toMatchObject({ failedAttempts: 0, lockedSince: null });

    const restartedDb = openDatabase(crashed);
    try {
      const restartedLog = new AuditLog(restartedDb);
      const restarted = new Officers(restartedDb, restartedLog);
      expect(restarted.get('frank').failedAttempts).toBe(5);
      const refused = await rejection(approveStep(restarted, 'frank', passphrases.frank, digest));
      expect(refused.message).toBe(
        'Officer frank is now locked out: 5 passphrase checks in a row were wrong or never finished (a check the workstation stopped during counts as a wrong passphrase).',
      );
      expect(refused.nextStep).toBe('Another quorum of officers must unlock this officer in an officer ceremony.');
      expect(restarted.get('frank').lockedSince).not.toBeNull();
      expect(refusals(restartedLog, 'frank')).toEqual(['officer.locked']);
      expect((await rejection(approveStep(restarted, 'frank', passphrases.frank, digest))).message).toContain(
        'Officer frank is locked out after 5 wrong passphrases',
      );
    } finally {
      restartedDb.close();
    }
  }, 60_000);
});
