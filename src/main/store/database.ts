/**
 * The workstation database: the one place that imports better-sqlite3. Opened with WAL and
 * synchronous=FULL (an acknowledged write survives power loss), foreign keys on, its integrity checked
 * and its schema migrated before anything else touches it.
 */
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { KeywardError } from '../../shared/errors';
import { migrations, schemaVersion } from './migrations';

export type Db = Database.Database;

export const databaseFileName = 'keyward.db';

export function openDatabase(dataDir: string): Db {
  const path = join(dataDir, databaseFileName);
  const isNew = !existsSync(path);
  let db: Db;
  try {
    db = new Database(path);
  } catch (error) {
    throw new KeywardError(
      'STORE_UNAVAILABLE',
      `The workstation database ${path} cannot be opened: ${error instanceof Error ? error.message : String(error)}.`,
      'Check that the data folder is on a mounted, writable volume and that no other program holds the file.',
    );
  }
  if (isNew) chmodSync(path, 0o600);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    checkIntegrity(db, path);
    migrate(db, path);
  } catch (error) {
    db.close();
    if (error instanceof KeywardError) throw error;
    throw new KeywardError(
      'STORE_UNAVAILABLE',
      `The workstation database ${path} cannot be used: ${error instanceof Error ? error.message : String(error)}.`,
      'Nothing was written. If another Keyward is running, close it; otherwise restore the database from its backup.',
    );
  }
  return db;
}

function checkIntegrity(db: Db, path: string): void {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
  if (problems.length > 0) {
    throw new KeywardError(
      'STORE_CORRUPT',
      `The workstation database ${path} is damaged (${problems.slice(0, 3).join('; ')}). Keyward wrote nothing to it.`,
      'Keep the damaged file for the investigation, restore the database from its latest backup, then run "keyward audit verify".',
    );
  }
}

function migrate(db: Db, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > schemaVersion) {
    throw new KeywardError(
      'STORE_TOO_NEW',
      `The workstation database ${path} was written by a newer Keyward (schema ${current}; this Keyward knows up to ${schemaVersion}).`,
      'Install the Keyward version this workstation was last used with, or a newer one. Nothing was changed.',
    );
  }
  if (current === schemaVersion) return;
  db.transaction(() => {
    for (let version = current; version < schemaVersion; version++) db.exec(migrations[version] ?? '');
    db.pragma(`user_version = ${schemaVersion}`);
  }).immediate();
}
