/** The workstation database and the audit log, on real SQLite files. */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'rolldown';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, looksSecret } from '../../src/main/store/audit-log';
import { entryHash } from '../../src/main/store/chain';
import { databaseFileName, openDatabase, type Db } from '../../src/main/store/database';
import { migrations, schemaVersion } from '../../src/main/store/migrations';
import { KeywardError } from '../../src/shared/errors';
import { thrown } from '../helpers/rejection';

let dir: string;
let db: Db;
let log: AuditLog;
const path = () => join(dir, databaseFileName);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-store-'));
  db = openDatabase(dir);
  log = new AuditLog(db);
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function appendMany(n: number): void {
  for (let i = 1; i <= n; i++)
    log.append({
      actors: [`officer-${i % 3}`],
      action: i % 2 ? 'key.generate' : 'bundle.write',
      subject: `key ${i}`,
      outcome: 'success',
      details: { n: i },
    });
}

/** A second connection that bypasses Keyward, as an attacker with file access would. */
function tamper(change: string | ((raw: Database.Database) => void)): void {
  db.close();
  const raw = new Database(path());
  raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  if (typeof change === 'string') raw.exec(change);
  else change(raw);
  raw.close();
  db = openDatabase(dir);
  log = new AuditLog(db);
}

describe('the workstation database', () => {
  it('is created with WAL, full sync, foreign keys, the current schema, readable by its owner only', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    expect(statSync(path()).mode & 0o077).toBe(0);
  });

  it('refuses a database written by a newer Keyward, changing nothing', () => {
    db.close();
    const raw = new Database(path());
    raw.pragma(`user_version = ${schemaVersion + 1}`);
    raw.close();
    const error = thrown(() => openDatabase(dir));
    expect(error.code).toBe('STORE_TOO_NEW');
    expect(error.message).toContain(`schema ${schemaVersion + 1}`);
  });

  it.each(Array.from({ length: schemaVersion - 1 }, (_, i) => i + 1))(
    'migrates a database of schema %i, keeping its audit chain',
    (from) => {
      db.close();
      rmSync(path());
      const old = new Database(path());
      old.exec(migrations.slice(0, from).join('\n'));
      old.pragma(`user_version = ${from}`);
      old.close();
      db = openDatabase(dir);
      log = new AuditLog(db);
      appendMany(3);
      db.close();
      // Re-open the same file with the migrated schema: no migration runs twice, the chain holds.
      db = openDatabase(dir);
      log = new AuditLog(db);
      expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
      expect(log.verify()).toMatchObject({ ok: true, entries: 3 });
    },
  );

  it('refuses a damaged file with a clear message and writes nothing', () => {
    appendMany(400);
    db.close();
    const bytes = readFileSync(path());
    bytes.fill(0x5a, 8192, 16384); // overwrite pages in the middle
    writeFileSync(path(), bytes);
    const error = thrown(() => openDatabase(dir));
    expect(['STORE_CORRUPT', 'STORE_UNAVAILABLE']).toContain(error.code);
    expect(error.message).toContain(path());
    expect(readFileSync(path()).equals(bytes)).toBe(true);
  });
});

describe('the audit log', () => {
  it('chains entries and verifies', () => {
    appendMany(50);
    const report = log.verify();
    expect(report).toMatchObject({ ok: true, entries: 50 });
    expect(report.headHash).toBe(log.head().hash);
    const [newest] = log.query({ limit: 1 });
    expect(newest?.seq).toBe(50);
  });

  it('refuses UPDATE and DELETE through SQL', () => {
    appendMany(3);
    expect(() => db.exec("UPDATE audit_log SET action = 'x' WHERE seq = 2")).toThrow('append-only');
    expect(() => db.exec('DELETE FROM audit_log WHERE seq = 3')).toThrow('append-only');
  });

  it.each([
    ['an edited entry', "UPDATE audit_log SET subject = 'other key' WHERE seq = 7", 7, 'edited'],
    ['a deleted entry', 'DELETE FROM audit_log WHERE seq = 7', 7, 'deleted'],
    [
      'an inserted entry, forged with a correct hash of its own',
      (raw: Database.Database) => {
        raw.exec(
          'UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 7; UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1007;',
        );
        const six = raw.prepare('SELECT hash FROM audit_log WHERE seq = 6').pluck().get() as string;
        const forged = {
          seq: 7,
          time: new Date().toISOString(),
          actors: ['mallory'],
          action: 'key.export',
          subject: 'CMK',
          outcome: 'success' as const,
          details: {},
        };
        raw
          .prepare('INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(
            7,
            forged.time,
            '["mallory"]',
            forged.action,
            forged.subject,
            forged.outcome,
            '{}',
            six,
            entryHash(six, forged),
          );
      },
      8,
      'inserted-or-reordered',
    ],
    [
      'two swapped entries',
      'UPDATE audit_log SET seq = -1 WHERE seq = 7; UPDATE audit_log SET seq = 7 WHERE seq = 8; UPDATE audit_log SET seq = 8 WHERE seq = -1;',
      7,
      'inserted-or-reordered',
    ],
  ])('names %s as the first bad entry', (_what, change, seq, kind) => {
    appendMany(12);
    tamper(change);
    const report = log.verify();
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ seq, kind });
    expect(report.problem?.message).toContain(`${seq}`);
  });

  it('filters by action, actor, subject and time, newest first, by page', () => {
    appendMany(30);
    expect(log.query({ action: 'bundle.write', limit: 100 }).map((e) => e.seq)).toEqual([
      30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2,
    ]);
    expect(log.query({ actor: 'officer-0', limit: 3 }).map((e) => e.seq)).toEqual([30, 27, 24]);
    expect(log.query({ actor: 'officer-0', limit: 3, before: 24 }).map((e) => e.seq)).toEqual([21, 18, 15]);
    expect(log.query({ subject: 'key 5', limit: 10 }).map((e) => e.seq)).toEqual([5]);
    expect(log.query({ from: '2999-01-01T00:00:00Z', limit: 10 })).toEqual([]);
  });

  it('refuses details that look like secrets, and writes nothing', () => {
    const error = thrown(() =>
      log.append({
        actors: ['alice'],
        action: 'token.login',
        subject: 'token',
        outcome: 'success',
        details: { userPin: '1111-2222' },
      }),
    );
    expect(error.code).toBe('AUDIT_REFUSED');
    expect(log.head().seq).toBe(0);
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(path()).includes(Buffer.from('1111-2222'))).toBe(false);
  });

  it('refuses detail keys that name a secret, and only those', () => {
    for (const key of [
      'pin',
      'userPin',
      'pin_parts',
      'SO-PIN',
      'soPIN',
      'privateKey',
      'private_key',
      'tenantSecret',
      'passphrase',
      'shares',
      'seed',
    ])
      expect(looksSecret(key), key).toBe(true);
    for (const key of [
      'wrappingKeyFingerprint',
      'mapping',
      'opinion',
      'spinner',
      'sharedWith',
      'publicKey',
      'keySha256',
    ])
      expect(looksSecret(key), key).toBe(false);
  });

  it('commits a state change with its entry, audits a failed change, and fails closed', () => {
    db.exec('CREATE TABLE inventory (name TEXT)');
    log.record({ actors: ['alice', 'bob'], action: 'key.generate', subject: 'CMK', details: {} }, () =>
      db.prepare("INSERT INTO inventory VALUES ('CMK')").run(),
    );
    expect(() =>
      log.record({ actors: ['alice'], action: 'key.generate', subject: 'CMK2', details: {} }, () => {
        db.prepare("INSERT INTO inventory VALUES ('CMK2')").run();
        throw new KeywardError('HSM_DEVICE_ERROR', 'token gone', 'reconnect');
      }),
    ).toThrow('token gone');
    expect(() =>
      log.record({ actors: ['alice'], action: 'key.generate', subject: 'CMK3', details: { pin: 'x' } }, () =>
        db.prepare("INSERT INTO inventory VALUES ('CMK3')").run(),
      ),
    ).toThrow('looks like a secret');
    expect(db.prepare('SELECT name FROM inventory').pluck().all()).toEqual(['CMK']);
    expect(log.query({ limit: 10 }).map((e) => [e.subject, e.outcome, e.details])).toEqual([
      ['CMK2', 'failure', { error: 'HSM_DEVICE_ERROR' }],
      ['CMK', 'success', {}],
    ]);
    expect(log.verify().ok).toBe(true);
  });

  it('keeps a valid chain when the writing process is killed (SIGKILL) in the middle of appends', async () => {
    db.close();
    const entry = join(dir, 'appender.ts');
    writeFileSync(
      entry,
      `import { openDatabase } from ${JSON.stringify(join(import.meta.dirname, '../../src/main/store/database'))};
import { AuditLog } from ${JSON.stringify(join(import.meta.dirname, '../../src/main/store/audit-log'))};
const log = new AuditLog(openDatabase(process.argv[2]));
process.send?.('ready');
for (let i = 0; ; i++) log.append({ actors: ['workstation'], action: 'test.append', subject: String(i), outcome: 'success', details: { i } });
`,
    );
    // Bundled inside the project so that the child resolves better-sqlite3 from node_modules.
    const bundle = join(import.meta.dirname, '../../node_modules/.cache/keyward-tests', `appender-${process.pid}.mjs`);
    await build({
      input: entry,
      output: { file: bundle, format: 'esm' },
      platform: 'node',
      external: ['better-sqlite3', /^node:/],
      logLevel: 'silent',
    });
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [bundle, dir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const started = await new Promise<boolean>((resolve) => {
        child.once('message', () => resolve(true));
        child.once('exit', () => resolve(false));
      });
      expect(started).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 150 + round * 100));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    db = openDatabase(dir);
    log = new AuditLog(db);
    const report = log.verify();
    expect(report.ok).toBe(true);
    expect(report.entries).toBeGreaterThan(10);
  });
});
