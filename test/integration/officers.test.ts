/**
 * Officers on a real SQLite file, certified by a workstation key in a real SoftHSM token: approval
 * keys sealed under passphrases, lock-out after repeated failures, certificates openssl accepts, and
 * quorum policies that never drop below two officers where a CMK is concerned.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ceremonyRules, defaultPolicies } from '../../src/main/ceremonies/catalogue';
import { checkApprovals } from '../../src/main/officers/approvals';
import { approveStep, enrolOfficer, type Workstation } from '../../src/main/officers/enrolment';
import { AuditLog } from '../../src/main/store/audit-log';
import { databaseFileName, type Db } from '../../src/main/store/database';
import { Officers } from '../../src/main/store/officers';
import { Policies } from '../../src/main/store/policies';
import { KeywardError } from '../../src/shared/errors';
import { rejection } from '../helpers/rejection';
import { testWorkstation, type TestWorkstation } from '../helpers/workstation';

let ws: TestWorkstation;
let db: Db;
let log: AuditLog;
let officers: Officers;
let workstation: Workstation;
const change = { actors: ['alice', 'bob', 'carol'], ceremony: 'init-1' };
const passphrases = {
  alice: 'correct horse battery staple',
  bob: 'tulip orbit granite falcon',
  carol: 'velvet harbour quiet lemon',
};

beforeAll(async () => {
  ws = await testWorkstation('Officers', 'ECDSA_P256');
  ({ db, log } = ws);
  workstation = { signer: ws.signer, certificateDer: ws.certificateDer };
  officers = new Officers(db, log);
  await enrolOfficer(
    officers,
    workstation,
    { id: 'alice', displayName: 'Alice Martin', role: 'security-officer', passphrase: passphrases.alice },
    change,
  );
  await enrolOfficer(
    officers,
    workstation,
    { id: 'bob', displayName: 'Bob Chen', role: 'key-custodian', passphrase: passphrases.bob },
    change,
  );
  await enrolOfficer(
    officers,
    workstation,
    { id: 'carol', displayName: 'Carol Diaz', role: 'auditor', passphrase: passphrases.carol },
    change,
  );
}, 120_000);

afterAll(() => ws.close());

describe('enrolment', () => {
  it('certifies each approval key with the workstation key: openssl accepts the chain, and the role is in the certificate', () => {
    const ca = join(ws.dir, 'workstation.pem');
    writeFileSync(ca, new X509Certificate(Buffer.from(workstation.certificateDer)).toString());
    for (const id of ['alice', 'bob', 'carol']) {
      const certificate = officers.certificate(id);
      const path = join(ws.dir, `${id}.pem`);
      writeFileSync(path, certificate.toString());
      expect(execFileSync('openssl', ['verify', '-CAfile', ca, path], { encoding: 'utf8' })).toContain(': OK');
      expect(certificate.subject).toContain(`CN=${id}`);
      expect(certificate.subject).toContain(`OU=${officers.get(id).role}`);
    }
    expect(officers.list().map((o) => [o.id, o.role, o.state])).toEqual([
      ['alice', 'security-officer', 'active'],
      ['bob', 'key-custodian', 'active'],
      ['carol', 'auditor', 'active'],
    ]);
  });

  it('refuses weak passphrases, bad names and a name already used', async () => {
    const enrol = (id: string, passphrase: string) =>
      enrolOfficer(officers, workstation, { id, displayName: 'X', role: 'auditor', passphrase }, change);
    expect((await rejection(enrol('dave', 'short'))).message).toContain('at least 12 characters');
    expect((await rejection(enrol('dave', 'dave-is-my-passphrase'))).message).toContain(
      "must not contain the officer's name",
    );
    expect((await rejection(enrol('Dave Smith', 'long enough passphrase'))).message).toContain(
      'cannot be an officer name',
    );
    expect((await rejection(enrol('alice', 'another long passphrase'))).message).toContain('already enrolled');
  }, 30_000);
});

describe('approvals', () => {
  const digest = createHash('sha256').update('generate CMK "Tenant" AES_256').digest('hex');

  it('signs the step digest with the unsealed key; two officers in allowed roles meet the default CMK quorum', async () => {
    const approvals = [
      await approveStep(officers, 'alice', passphrases.alice, digest),
      await approveStep(officers, 'bob', passphrases.bob, digest),
    ];
    const check = checkApprovals(
      digest,
      approvals,
      defaultPolicies['generate-cmk'],
      new X509Certificate(Buffer.from(workstation.certificateDer)),
      new Date(),
    );
    expect(check).toEqual({ met: true, counted: ['alice', 'bob'], problems: [] });
    const auditor = await approveStep(officers, 'carol', passphrases.carol, digest);
    expect(
      checkApprovals(
        digest,
        [approvals[0] as (typeof approvals)[number], auditor],
        defaultPolicies['generate-cmk'],
        new X509Certificate(Buffer.from(workstation.certificateDer)),
        new Date(),
      ).met,
    ).toBe(false);
  }, 30_000);

  it('counts wrong passphrases, locks the officer out at the fifth, and needs a quorum to unlock', async () => {
    for (let left = 4; left >= 1; left--) {
      const error = await rejection(approveStep(officers, 'bob', 'not the passphrase', digest));
      expect(error.message).toBe(
        `Wrong passphrase for bob. ${left} attempt${left === 1 ? '' : 's'} left before bob is locked out.`,
      );
    }
    expect((await rejection(approveStep(officers, 'bob', 'still not it', digest))).message).toBe(
      'Wrong passphrase for bob: bob is now locked out.',
    );
    const locked = await rejection(approveStep(officers, 'bob', passphrases.bob, digest));
    expect(locked.message).toContain('is locked out after 5 wrong passphrases');
    expect(locked.nextStep).toContain('unlock this officer in an officer ceremony');
    expect(
      log
        .query({ subject: 'bob', limit: 10 })
        .filter((e) => e.outcome === 'refused')
        .map((e) => e.action),
    ).toEqual([
      'officer.locked',
      'officer.passphrase',
      'officer.passphrase',
      'officer.passphrase',
      'officer.passphrase',
    ]);
    officers.unlock('bob', { actors: ['alice', 'carol'], ceremony: 'unlock-1' });
    expect((await approveStep(officers, 'bob', passphrases.bob, digest)).officer).toBe('bob');
  }, 60_000);

  it('refuses a suspended officer, and a removed one for good', async () => {
    officers.setState('carol', 'suspended', { actors: ['alice', 'bob'], ceremony: 'suspend-1' });
    expect((await rejection(approveStep(officers, 'carol', passphrases.carol, digest))).message).toContain(
      'is suspended and cannot approve',
    );
    officers.setState('carol', 'removed', { actors: ['alice', 'bob'], ceremony: 'remove-1' });
    expect(() => officers.setState('carol', 'active', { actors: ['alice', 'bob'], ceremony: 'x' })).toThrow(
      /removed; they cannot become active/,
    );
    expect(() => db.prepare("UPDATE officers SET state = 'active' WHERE id = 'carol'").run()).toThrow(
      /a removed officer cannot change/,
    );
    expect(() => db.prepare('DELETE FROM officers').run()).toThrow(/never deleted/);
  });

  it('keeps no passphrase and no approval private key in clear in the database file', () => {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(join(ws.dataDir, databaseFileName));
    for (const passphrase of Object.values(passphrases)) expect(bytes.includes(Buffer.from(passphrase))).toBe(false);
    // Every P-256 PKCS#8 private key starts with these bytes (version 0, id-ecPublicKey, prime256v1).
    expect(bytes.includes(Buffer.from('020100301306072a8648ce3d020106082a8648ce3d030107', 'hex'))).toBe(false);
  });
});

describe('quorum policies', () => {
  it('start from the defaults, change only through a recorded decision, and never go below two officers for a CMK', () => {
    const policies = new Policies(db, log, ceremonyRules);
    expect(policies.get('generate-cmk')).toEqual({
      quorum: 2,
      roles: ['security-officer', 'key-custodian'],
      approvalLifetimeHours: 8,
    });
    expect(
      policies.set(
        'generate-cmk',
        { quorum: 3, roles: ['security-officer', 'key-custodian', 'key-custodian'], approvalLifetimeHours: 4 },
        { actors: ['alice', 'bob'], ceremony: 'policy-1' },
      ),
    ).toEqual({ quorum: 3, roles: ['security-officer', 'key-custodian'], approvalLifetimeHours: 4 });
    expect(() =>
      policies.set(
        'destroy-key',
        { quorum: 1, roles: ['security-officer'], approvalLifetimeHours: 8 },
        { actors: ['alice'], ceremony: 'policy-2' },
      ),
    ).toThrow(/needs at least 2 distinct officers/);
    expect(
      policies.set(
        'export-audit',
        { quorum: 1, roles: ['auditor'], approvalLifetimeHours: 8 },
        { actors: ['alice', 'bob'], ceremony: 'policy-3' },
      ).quorum,
    ).toBe(1);
    expect(log.query({ action: 'policy.change', limit: 5 }).map((e) => [e.subject, e.outcome])).toEqual([
      ['export-audit', 'success'],
      ['destroy-key', 'failure'],
      ['generate-cmk', 'success'],
    ]);
  });
});

// Concurrent checks beyond the limit are attacked in test/security/concurrent-passphrases-cannot-bypass-lockout.test.ts.
describe('passphrase counting: one check at a time, and several at once below the limit', () => {
  const digest = createHash('sha256').update('generate CMK "Tenant" AES_256').digest('hex');
  const counted = { erin: 'velvet harbour quiet lemon', gwen: 'copper meadow lantern drift' };
  const wrongGuesses = Array.from({ length: 4 }, (_, i) => `wrong guess number ${i + 1}`);

  beforeAll(async () => {
    for (const [id, passphrase] of Object.entries(counted)) {
      await enrolOfficer(
        officers,
        workstation,
        { id, displayName: `Officer ${id}`, role: 'security-officer', passphrase },
        change,
      );
    }
  }, 60_000);

  /** The officer's refused authentications, oldest first. */
  const refusals = (officer: string): string[] =>
    log
      .query({ subject: officer, limit: 100 })
      .filter((e) => e.outcome === 'refused')
      .map((e) => e.action)
      .reverse();
  const messagesOf = (results: PromiseSettledResult<unknown>[]): string[] =>
    results.map((r) =>
      r.status === 'rejected' ? (r.reason instanceof KeywardError ? r.reason.message : String(r.reason)) : 'accepted',
    );

  it('counts four wrong passphrases, a right one resets the count, then the fifth wrong one in a row locks the officer out', async () => {
    for (let left = 4; left >= 1; left--) {
      expect((await rejection(approveStep(officers, 'erin', `not the passphrase ${left}`, digest))).message).toBe(
        `Wrong passphrase for erin. ${left} attempt${left === 1 ? '' : 's'} left before erin is locked out.`,
      );
    }
    expect((await approveStep(officers, 'erin', counted.erin, digest)).officer).toBe('erin');
    expect(officers.get('erin')).toMatchObject({ failedAttempts: 0, lockedSince: null });
    for (let left = 4; left >= 1; left--) {
      const wrong = await rejection(approveStep(officers, 'erin', `still not it ${left}`, digest));
      expect(wrong.message).toBe(
        `Wrong passphrase for erin. ${left} attempt${left === 1 ? '' : 's'} left before erin is locked out.`,
      );
      expect(wrong.nextStep).toBe('erin types the passphrase again, slowly.');
    }
    const fifth = await rejection(approveStep(officers, 'erin', 'the fifth wrong one', digest));
    expect(fifth.message).toBe('Wrong passphrase for erin: erin is now locked out.');
    expect(officers.get('erin').lockedSince).not.toBeNull();
    expect((await rejection(approveStep(officers, 'erin', counted.erin, digest))).message).toContain(
      'Officer erin is locked out after 5 wrong passphrases',
    );
    expect(refusals('erin')).toEqual([...Array<string>(8).fill('officer.passphrase'), 'officer.locked']);
    officers.unlock('erin', { actors: ['alice', 'bob'], ceremony: 'unlock-2' });
    expect((await approveStep(officers, 'erin', counted.erin, digest)).officer).toBe('erin');
  }, 60_000);

  it('four wrong and the right one at once: the right one is accepted and the officer is not locked out (only a fifth wrong one locks)', async () => {
    const results = await Promise.allSettled(
      [...wrongGuesses, counted.gwen].map((passphrase) => approveStep(officers, 'gwen', passphrase, digest)),
    );
    expect(results.at(-1)?.status, messagesOf(results).join(' | ')).toBe('fulfilled');
    expect(officers.get('gwen').lockedSince).toBeNull();
    expect(refusals('gwen')).toEqual(Array<string>(4).fill('officer.passphrase'));
    expect((await approveStep(officers, 'gwen', counted.gwen, digest)).officer).toBe('gwen');
    expect(officers.get('gwen').failedAttempts).toBe(0);
  }, 60_000);
});
