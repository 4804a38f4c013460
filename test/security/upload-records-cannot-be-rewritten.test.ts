/**
 * The attacker with the database file tries to change who recorded an upload, or what they saw, or to
 * make a recorded upload disappear (so a version looks never exported): the store refuses both, as it
 * refuses to rewrite bundle records. (The record is also in the hash-chained audit log, with the officer's
 * signature; rewritten-audit-log-is-refused covers that chain.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/main/store/database';
import { openDatabase } from '../../src/main/store/database';

let dir: string;
let db: Db;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-upload-records-'));
  db = openDatabase(dir);
  // The attacker writes a row directly, without the bundle and officer it should name.
  db.pragma('foreign_keys = OFF');
  db.prepare(
    'INSERT INTO bundle_uploads (bundle_id, officer, recorded_at, note, signed_digest, approval) VALUES (?, ?, ?, ?, ?, ?)',
  ).run('b-1', 'bob', '2026-12-04T10:00:00.000Z', 'AWS console: imported', 'ab'.repeat(32), '{}');
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('refuses to change an upload record: its officer, its note or its signature', () => {
  for (const change of ["officer = 'mallory'", "note = 'never uploaded'", 'approval = \'{"forged":true}\''])
    expect(() => db.prepare(`UPDATE bundle_uploads SET ${change} WHERE bundle_id = 'b-1'`).run()).toThrow(
      'an upload record cannot be changed',
    );
});

it('refuses to delete an upload record', () => {
  expect(() => db.prepare("DELETE FROM bundle_uploads WHERE bundle_id = 'b-1'").run()).toThrow(
    'an upload record cannot be deleted',
  );
  expect(db.prepare('SELECT note FROM bundle_uploads').all()).toEqual([{ note: 'AWS console: imported' }]);
});

it('refuses a second record for the same bundle', () => {
  expect(() =>
    db
      .prepare(
        'INSERT INTO bundle_uploads (bundle_id, officer, recorded_at, note, signed_digest, approval) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run('b-1', 'alice', '2026-12-04T11:00:00.000Z', 'again', 'cd'.repeat(32), '{}'),
  ).toThrow(/UNIQUE constraint failed/);
});
