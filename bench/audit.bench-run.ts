/**
 * Audit log benchmark: durable appends per second (one transaction, one fsync, per entry) against bare
 * inserts of the same rows into a plain table of a database opened the same way; and full verification
 * of 1,000,000 entries against a bare loop that only reads and hashes the same rows, in the same run.
 * Results: bench/out/audit.json and audit.md.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, it } from 'vitest';
import { AuditLog } from '../src/main/store/audit-log';
import { openDatabase } from '../src/main/store/database';
import { envNumber, secondsSince, table, writeSection } from './sections';

const total = envNumber('KEYWARD_BENCH_AUDIT_ENTRIES', 1_000_000);
const durableAppends = envNumber('KEYWARD_BENCH_DURABLE_APPENDS', 2000);
const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('measures audit appends and verification', () => {
  const db = openDatabase(dir);
  const log = new AuditLog(db);
  const record = (i: number) => ({
    actors: ['alice', 'bob'],
    action: 'key.rotate',
    subject: `CMK ${i % 97}`,
    outcome: 'success' as const,
    details: { version: i, kcv: 'a1b2c3' },
  });

  // Baseline: the same rows, one transaction (and so one fsync) each, into a bare table of a database
  // opened the same way, with no hash chain, no index and no checks.
  const bareDir = join(dir, 'bare');
  mkdirSync(bareDir);
  const bareDb = openDatabase(bareDir);
  bareDb.exec(
    'CREATE TABLE bare (seq INTEGER PRIMARY KEY, time TEXT, actors TEXT, action TEXT, subject TEXT, outcome TEXT, details TEXT, prev_hash TEXT, hash TEXT)',
  );
  const insert = bareDb.prepare('INSERT INTO bare VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const placeholderHash = 'f'.repeat(64);
  const bareAppend = (i: number) => {
    const r = record(i);
    bareDb
      .transaction(() =>
        insert.run(
          i + 1,
          new Date().toISOString(),
          JSON.stringify(r.actors),
          r.action,
          r.subject,
          r.outcome,
          JSON.stringify(r.details),
          placeholderHash,
          placeholderHash,
        ),
      )
      .immediate();
  };
  // Keyward and the baseline alternate by blocks of 100, so that a slower moment of the machine falls on both.
  let appendSeconds = 0;
  let bareAppendSeconds = 0;
  for (let from = 0; from < durableAppends; from += 100) {
    const to = Math.min(durableAppends, from + 100);
    let start = process.hrtime.bigint();
    for (let i = from; i < to; i++) log.append(record(i));
    appendSeconds += secondsSince(start);
    start = process.hrtime.bigint();
    for (let i = from; i < to; i++) bareAppend(i);
    bareAppendSeconds += secondsSince(start);
  }
  const appendsPerSecond = durableAppends / appendSeconds;
  const bareAppendsPerSecond = durableAppends / bareAppendSeconds;
  bareDb.close();

  // Filling up to the target size in large transactions: the chain is the same, only fsyncs are fewer.
  let start = process.hrtime.bigint();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) log.append(record(i));
  });
  for (let i = durableAppends; i < total; i += 50_000) batch(i, Math.min(total, i + 50_000));
  const fillSeconds = secondsSince(start);

  start = process.hrtime.bigint();
  const report = log.verify();
  const verifySeconds = secondsSince(start);
  if (!report.ok || report.entries !== total) throw new Error(`verification failed: ${JSON.stringify(report.problem)}`);

  start = process.hrtime.bigint();
  let bare = '';
  for (const row of db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<
    Record<string, string | number>
  >) {
    bare = createHash('sha256')
      .update(String(row.prev_hash))
      .update(`${row.seq}${row.time}${row.actors}${row.action}${row.subject}${row.outcome}${row.details}`)
      .digest('hex');
  }
  const bareSeconds = secondsSince(start);
  db.close();

  const results = {
    entries: total,
    durableAppends,
    durableAppendsPerSecond: appendsPerSecond,
    bareDurableInsertsPerSecond: bareAppendsPerSecond,
    appendRatio: bareAppendsPerSecond / appendsPerSecond,
    bulkFillSeconds: fillSeconds,
    verifySeconds,
    bareReadAndHashSeconds: bareSeconds,
    ratio: verifySeconds / bareSeconds,
    lastBareHash: bare,
  };
  writeSection('audit', results, [
    `SQLite in WAL mode with synchronous=FULL; ${durableAppends} durable appends, alternating with the baseline's by blocks of 100; the log then filled to ${total.toLocaleString('en')} entries in transactions of 50,000 (${fillSeconds.toFixed(1)} s, not compared) and verified whole. Ratio = Keyward's time ÷ the baseline's.`,
    '',
    ...table([
      {
        measure: 'durable append (its own transaction and fsync)',
        keyward: `${appendsPerSecond.toFixed(0)} per s`,
        baseline: `${bareAppendsPerSecond.toFixed(0)} per s`,
        ratio: results.appendRatio,
      },
      {
        measure: `verification of ${total.toLocaleString('en')} entries`,
        keyward: `${verifySeconds.toFixed(2)} s`,
        baseline: `${bareSeconds.toFixed(2)} s`,
        ratio: results.ratio,
      },
    ]),
  ]);
});
