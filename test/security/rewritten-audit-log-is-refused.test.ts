/**
 * Security review, item 2: the audit log could be rewritten and still verify. With plain SQLite, an
 * attacker holding the database file drops the triggers, rewrites entries, recomputes the hash chain and
 * re-signs the checkpoints with a fresh key (the database's own record of the signer changed to match);
 * or deletes every checkpoint; or cuts entries off the end with the checkpoints that covered them. Each
 * must be caught by the app's verification, by `keyward audit verify`, and by the export ceremony, which
 * must refuse to sign the forged history with the real workstation key.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { entryHash } from '../../src/main/store/chain';
import { checkpointBody } from '../../src/main/store/checkpoints';
import { databaseFileName } from '../../src/main/store/database';
import { issueCertificate } from '../../src/main/x509/certificate';
import { genesisHash, type AuditDetails } from '../../src/shared/audit';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { appBench, type AppBench } from '../helpers/app-bench';
import { softwareSigner } from '../helpers/software-signer';

let app: AppBench | undefined;
afterEach(() => {
  app?.close();
  app = undefined;
});

/** A workstation whose log has a few ceremonies in it, each ended by a signed, anchored checkpoint. */
async function workstationWithHistory(): Promise<AppBench> {
  app = await appBench();
  for (const name of ['Ledger CMK', 'Archive CMK']) {
    await app.runThrough(
      { ceremony: 'generate-cmk', officers: ['alice', 'bob'], key: { name, purpose: 'tenant data', spec: 'AES_256' } },
      ['alice', 'bob'],
    );
  }
  return app;
}

interface Row {
  seq: number;
  time: string;
  actors: string;
  action: string;
  subject: string | null;
  outcome: 'success' | 'failure' | 'refused';
  details: string;
}

/** The attacker, with plain SQLite on the database file. */
function attack(bench: AppBench, work: (db: Database.Database) => void | Promise<void>): Promise<void> | void {
  const db = new Database(join(bench.dataDir, databaseFileName));
  db.exec(`DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;
           DROP TRIGGER IF EXISTS audit_checkpoints_no_update; DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;
           DROP TRIGGER IF EXISTS workstation_identity_fixed;`);
  const done = () => db.close();
  const result = work(db);
  if (result instanceof Promise) return result.finally(done);
  done();
  return undefined;
}

/** Rewrites one entry, recomputes the whole chain, re-signs every checkpoint with a fresh key, and records that key as the workstation's. */
async function rewriteAndResign(db: Database.Database): Promise<void> {
  const rows = db
    .prepare('SELECT seq, time, actors, action, subject, outcome, details FROM audit_log ORDER BY seq')
    .all() as Row[];
  let prev = genesisHash;
  const hashes = new Map<number, string>();
  for (const row of rows) {
    const actors = row.action === 'ceremony.approve' ? ['mallory'] : (JSON.parse(row.actors) as string[]);
    const entry = {
      seq: row.seq,
      time: row.time,
      actors,
      action: row.action,
      subject: row.subject,
      outcome: row.outcome,
      details: JSON.parse(row.details) as AuditDetails,
    };
    const hash = entryHash(prev, entry);
    db.prepare('UPDATE audit_log SET actors = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(
      JSON.stringify(actors),
      prev,
      hash,
      row.seq,
    );
    hashes.set(row.seq, hash);
    prev = hash;
  }
  const forger = softwareSigner('ECDSA_P256');
  let prevCheckpoint = genesisHash;
  for (const c of db.prepare('SELECT id, seq, time FROM audit_checkpoints ORDER BY id').all() as {
    id: number;
    seq: number;
    time: string;
  }[]) {
    const unsigned = {
      seq: c.seq,
      headHash: hashes.get(c.seq) ?? genesisHash,
      time: c.time,
      prevCheckpointHash: prevCheckpoint,
    };
    const body = checkpointBody(unsigned);
    const signed = await forger.sign(body);
    const hash = createHash('sha256').update(body).update(signed.signature).digest('hex');
    db.prepare(
      'UPDATE audit_checkpoints SET head_hash = ?, prev_checkpoint_hash = ?, signer_spki = ?, hash_algorithm = ?, scheme = ?, signature = ?, hash = ? WHERE id = ?',
    ).run(
      unsigned.headHash,
      prevCheckpoint,
      Buffer.from(forger.spki),
      signed.hash,
      signed.scheme,
      Buffer.from(signed.signature),
      hash,
      c.id,
    );
    prevCheckpoint = hash;
  }
  const certificate = await issueCertificate(
    {
      profile: 'workstation',
      subject: { commonName: 'WS bench', organization: 'Example Org' },
      subjectSpki: forger.spki,
      serial: randomBytes(16),
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
    },
    forger,
  );
  db.prepare(
    'UPDATE workstation_identity SET certificate = ?, public_key_fingerprint = ? WHERE retired_at IS NULL',
  ).run(Buffer.from(certificate), createHash('sha256').update(forger.spki).digest('hex'));
}

const attacks: [string, (db: Database.Database) => void | Promise<void>][] = [
  ['entries rewritten, the chain recomputed and every checkpoint re-signed with another key', rewriteAndResign],
  ['every checkpoint deleted', (db) => void db.exec('DELETE FROM audit_checkpoints')],
  [
    'the tail cut off with the checkpoint that covered it',
    (db) => {
      const [last, previous] = db.prepare('SELECT id, seq FROM audit_checkpoints ORDER BY id DESC LIMIT 2').all() as {
        id: number;
        seq: number;
      }[];
      db.prepare('DELETE FROM audit_checkpoints WHERE id = ?').run(last?.id);
      db.prepare('DELETE FROM audit_log WHERE seq > ?').run((previous?.seq ?? 0) + 1);
    },
  ],
];

describe.each(attacks)('an audit log with %s', (_name, tamper) => {
  it('fails the app\'s verification, "keyward audit verify" and the export ceremony', async () => {
    const bench = await workstationWithHistory();
    expect((await bench.call('verifyAudit', {})).checkpoints).toMatchObject({
      ok: true,
      anchor: { entriesAfter: expect.any(Number) as number },
    });
    await attack(bench, tamper);

    const inApp = await bench.call('verifyAudit', {});
    expect(inApp.chain.ok && inApp.checkpoints.ok).toBe(false);
    expect(inApp.checkpoints.problem?.incomplete).toBeFalsy();

    // The export ceremony refuses to sign the forged history with the real key.
    const exportFile = join(bench.drive('PRACTICE-1'), 'audit.jsonl');
    const exported = await bench
      .runThrough({ ceremony: 'export-audit', officers: ['carol'], file: exportFile }, ['carol'])
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(String(exported)).toMatch(/AUDIT_REFUSED|SIGNATURE_INVALID|CEREMONY_TAMPERED/);
    expect(existsSync(exportFile)).toBe(false);

    // On the command line, after the app has let go of the workstation.
    bench.workstation.close();
    const cli = spawnSync(process.execPath, ['bin/keyward.mjs', 'audit', 'verify', '--data-dir', bench.dataDir], {
      encoding: 'utf8',
      input: `${rehearsalToken.userPin}\n`,
    });
    expect(cli.status).toBe(1);
    expect(cli.stdout).not.toMatch(/^Audit log verified/);
    expect(cli.stdout).toMatch(/FAILED VERIFICATION|does not match its anchor/);
  }, 180_000);
});

describe('an intact audit log', () => {
  it('verifies in the app and on the command line, saying how many entries come after the anchored point', async () => {
    const bench = await workstationWithHistory();
    const inApp = await bench.call('verifyAudit', {});
    expect(inApp.chain.ok && inApp.checkpoints.ok).toBe(true);
    bench.workstation.close();
    const cli = spawnSync(process.execPath, ['bin/keyward.mjs', 'audit', 'verify', '--data-dir', bench.dataDir], {
      encoding: 'utf8',
      input: `${rehearsalToken.userPin}\n`,
    });
    expect(cli.stdout).toMatch(/^Audit log verified/);
    expect(cli.stdout).toMatch(
      /Anchored in the HSM: checkpoint \d+, entry \d+; \d+ entr(y was|ies were) written after it/,
    );
    expect(cli.status).toBe(0);
  }, 180_000);
});
