/**
 * Audit log benchmark: durable appends per second (one transaction, one fsync, per entry), and full
 * verification of 1,000,000 entries against a bare loop that only reads and hashes the same rows in the
 * same run. Results go to bench/out/audit.json and bench/out/audit.md.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, it } from 'vitest';
import { AuditLog } from '../src/main/store/audit-log';
import { openDatabase } from '../src/main/store/database';

const total = Number(process.env.KEYWARD_BENCH_AUDIT_ENTRIES ?? 1_000_000);
const durableAppends = Number(process.env.KEYWARD_BENCH_DURABLE_APPENDS ?? 2000);
const outDir = join(import.meta.dirname, 'out');
const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

it('measures audit appends and verification', () => {
  mkdirSync(outDir, { recursive: true });
  const db = openDatabase(dir);
  const log = new AuditLog(db);
  const record = (i: number) => ({ actors: ['alice', 'bob'], action: 'key.rotate', subject: `CMK ${i % 97}`, outcome: 'success' as const, details: { version: i, kcv: 'a1b2c3' } });

  let start = process.hrtime.bigint();
  for (let i = 0; i < durableAppends; i++) log.append(record(i));
  const appendsPerSecond = durableAppends / seconds(start);

  // Filling up to the target size in large transactions: the chain is the same, only fsyncs are fewer.
  start = process.hrtime.bigint();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) log.append(record(i));
  });
  for (let i = durableAppends; i < total; i += 50_000) batch(i, Math.min(total, i + 50_000));
  const fillSeconds = seconds(start);

  start = process.hrtime.bigint();
  const report = log.verify();
  const verifySeconds = seconds(start);
  if (!report.ok || report.entries !== total) throw new Error(`verification failed: ${JSON.stringify(report.problem)}`);

  start = process.hrtime.bigint();
  let bare = '';
  for (const row of db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<Record<string, string | number>>) {
    bare = createHash('sha256').update(String(row.prev_hash)).update(`${row.seq}${row.time}${row.actors}${row.action}${row.subject}${row.outcome}${row.details}`).digest('hex');
  }
  const bareSeconds = seconds(start);
  db.close();

  const results = { entries: total, durableAppendsPerSecond: appendsPerSecond, bulkFillSeconds: fillSeconds, verifySeconds, bareReadAndHashSeconds: bareSeconds, ratio: verifySeconds / bareSeconds, lastBareHash: bare };
  const report_md = [
    '## Audit log (SQLite, WAL, synchronous=FULL, same run)',
    '',
    `- Durable appends: ${appendsPerSecond.toFixed(0)} per second (each its own transaction and fsync; ${durableAppends} appends).`,
    `- Verification of ${total.toLocaleString('en')} entries: ${verifySeconds.toFixed(2)} s; a bare loop that only reads and hashes the same rows: ${bareSeconds.toFixed(2)} s; ratio ${results.ratio.toFixed(2)}.`,
    '',
  ].join('\n');
  writeFileSync(join(outDir, 'audit.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'audit.md'), report_md);
  console.log(`\n${report_md}`);
});
