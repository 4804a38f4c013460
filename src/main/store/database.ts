/**
 * The workstation database: the one place that imports better-sqlite3. Opened with WAL and
 * synchronous=FULL (an acknowledged write survives power loss), foreign keys on, its integrity checked
 * and its schema migrated before anything else touches it.
 *
 * A damaged database is refused before Keyward writes anything: its files are read first (its header,
 * the header of its write-ahead log, which SQLite would otherwise silently ignore and then delete, losing
 * the latest changes), then checked through a read-only connection, which never writes to them, so the
 * damaged files stay exactly as they were for the investigation. A new database is made under a
 * temporary name and linked into place, so an empty or half-made file is never a valid database.
 * Another program holding the database locked, or a full disk, is reported as such wherever it is met
 * (see busy.ts). Commands that only read open it read-only, which works on a full disk too (openReader).
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, linkSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KeywardError } from '../../shared/errors';
import { syncDirectory } from '../files/new-file';
import { busyError, busyTimeoutMs, diskFullError, guardBusy, isBusy, isDiskFull } from './busy';
import { migrations, schemaVersion } from './migrations';

export type Db = Database.Database;

export const databaseFileName = 'keyward.db';

export interface OpenOptions {
  /**
   * For commands that only read: nothing is ever written to the database, and it opens on a disk too full
   * for a connection that writes. A database of an older schema is opened for writing all the same: it
   * must be migrated before this Keyward can read it.
   */
  readOnly?: boolean;
}

export function openDatabase(dataDir: string, options: OpenOptions = {}): Db {
  const path = join(dataDir, databaseFileName);
  if (!existsSync(path)) {
    // A log without its database would be replayed into the new one: the latest changes of a database that is gone.
    const wal = `${path}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0)
      throw damaged(path, `the database file is missing, but its write-ahead log ${wal} is there`);
    createDatabase(path);
  }
  const version = inspect(path);
  if (options.readOnly && version === schemaVersion) return guardBusy(openReader(path, 'query-only'), path);
  // The log's index is made now if missing: on a full disk, what was made of it is removed again.
  const created = sideFiles(path).filter((file) => !existsSync(file));
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch (error) {
    throw unavailable(path, error);
  }
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, path);
  } catch (error) {
    db.close();
    if (isDiskFull(error, dirname(path))) removeMade(created);
    throw asStoreError(path, error);
  }
  return guardBusy(db, path);
}

/** The write-ahead log and its index (shared memory), which SQLite keeps beside a database in WAL mode. */
const sideFiles = (path: string): [string, string] => [`${path}-wal`, `${path}-shm`];

/** Removes side files this Keyward made: the index always (nobody else had it), the log only while it is empty. */
function removeMade(files: string[]): void {
  for (const file of files) {
    if (!existsSync(file)) continue;
    if (file.endsWith('-wal') && statSync(file).size > 0) continue;
    rmSync(file, { force: true });
  }
}

/**
 * A connection that reads, having read the database's header: `read-only` (the inspection: a database that
 * may be damaged is not written, not even by closing the connection), or `query-only` (a command that only
 * reads: no statement can write, and, as any connection SQLite closes last, it moves the log's committed
 * changes into the database and removes the log and its index, as a writing connection would have).
 *
 * SQLite makes the log's index (a 32 KB -shm file) beside the database for every connection, read-only
 * ones too, and a disk too full for it fails them all. Then the connection takes the database for itself
 * (locking_mode EXCLUSIVE), for which SQLite keeps the index in memory, and is kept from writing
 * (query_only). That is done only while the log holds nothing, so that closing it writes nothing either;
 * no other Keyward has the database open then, as it would have made the index.
 */
function openReader(path: string, mode: 'read-only' | 'query-only'): Db {
  const created = sideFiles(path).filter((file) => !existsSync(file));
  let db: Db | undefined;
  try {
    db = new Database(path, { readonly: mode === 'read-only', fileMustExist: true });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (mode === 'query-only') db.pragma('query_only = ON');
    db.pragma('schema_version');
    return db;
  } catch (error) {
    db?.close();
    // Refused, or on a full disk, where what SQLite made of the index took the last free space: removed.
    removeMade(created);
    if (!isDiskFull(error, dirname(path))) throw asStoreError(path, error);
  }
  const [wal] = sideFiles(path);
  if (existsSync(wal) && statSync(wal).size > 0) {
    throw diskFullError(
      dirname(path),
      'read the latest changes, which are in its write-ahead log',
      'Keyward wrote nothing to the database.',
    );
  }
  let exclusive: Db | undefined;
  try {
    exclusive = new Database(path, { fileMustExist: true });
    exclusive.pragma(`busy_timeout = ${busyTimeoutMs}`);
    exclusive.pragma('locking_mode = EXCLUSIVE');
    exclusive.pragma('query_only = ON');
    exclusive.pragma('schema_version');
    return exclusive;
  } catch (error) {
    exclusive?.close();
    throw asStoreError(path, error);
  }
}

/** A new database, made whole under a temporary name (WAL, schema) and then linked into place. */
function createDatabase(path: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.new-${process.pid}`);
  try {
    const db = new Database(temporary);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      migrate(db, path);
    } finally {
      db.close();
    }
    chmodSync(temporary, 0o600);
    try {
      // Linked, not renamed: a database another Keyward made meanwhile is never replaced.
      linkSync(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    rmSync(temporary, { force: true });
    syncDirectory(dirname(path));
  } catch (error) {
    for (const file of [temporary, `${temporary}-wal`, `${temporary}-shm`]) rmSync(file, { force: true });
    if (error instanceof KeywardError) throw error;
    if (isDiskFull(error, dirname(path)))
      throw diskFullError(
        dirname(path),
        'create its workstation database',
        'Nothing of it was left in the data folder.',
      );
    throw unavailable(path, error);
  }
}

const damaged = (path: string, what: string): KeywardError =>
  new KeywardError(
    'STORE_CORRUPT',
    `The workstation database ${path} is damaged: ${what}. Keyward wrote nothing to it and left its files as they are.`,
    `Do not delete or edit the damaged files: move ${path} and, if they are there, ${path}-wal and ${path}-shm together out of the data folder, for the investigation (a log left behind would be replayed into the restored database). Then put back the database from the workstation's latest backup copy, start Keyward again and run "keyward audit verify"; compare its head with the latest signed audit export.`,
  );

function unavailable(path: string, error: unknown): KeywardError {
  if (isDiskFull(error, dirname(path)))
    return diskFullError(dirname(path), 'open its workstation database', 'Keyward wrote nothing to it.');
  return new KeywardError(
    'STORE_UNAVAILABLE',
    `The workstation database ${path} cannot be opened: ${error instanceof Error ? error.message : String(error)}. Keyward wrote nothing to it.`,
    'Check that the data folder is on a mounted, writable volume that Keyward may read and write, then start Keyward again.',
  );
}

/** SQLite's own words for a damaged file become STORE_CORRUPT; a lock held by another program, the busy error; a full disk, its error. */
function asStoreError(path: string, error: unknown): KeywardError {
  if (error instanceof KeywardError) return error;
  const code = (error as { code?: unknown }).code;
  if (isBusy(error)) return busyError(path);
  if (isDiskFull(error, dirname(path)))
    return diskFullError(dirname(path), 'open its workstation database', 'Keyward wrote nothing to it.');
  if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) {
    return damaged(
      path,
      code === 'SQLITE_NOTADB'
        ? 'it is not a SQLite database Keyward can read (its header is missing or overwritten)'
        : `SQLite reports "${(error as Error).message}"`,
    );
  }
  return new KeywardError(
    'STORE_UNAVAILABLE',
    `The workstation database ${path} cannot be used: ${error instanceof Error ? error.message : String(error)}. Keyward wrote nothing to it.`,
    'Check that the data folder is on a mounted, writable volume; then start Keyward again.',
  );
}

const sqliteMagic = Buffer.from('SQLite format 3\0', 'latin1');

function readStart(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** The write-ahead log's header: its magic, version, page size and checksum (SQLite's WAL format, section 4 of fileformat2). */
function walProblem(header: Buffer, pageSize: number): string | undefined {
  if (header.length < 32) return 'its header is cut short';
  const magic = header.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return 'its header is not a SQLite write-ahead log header';
  if (header.readUInt32BE(4) !== 3007000) return 'its format version is unknown';
  const walPageSize = header.readUInt32BE(8);
  if (walPageSize !== pageSize) return `its page size (${walPageSize}) is not the database's (${pageSize})`;
  const word = (offset: number): number => (magic & 1 ? header.readUInt32BE(offset) : header.readUInt32LE(offset));
  let s0 = 0;
  let s1 = 0;
  for (let offset = 0; offset < 24; offset += 8) {
    s0 = (s0 + word(offset) + s1) >>> 0;
    s1 = (s1 + word(offset + 4) + s0) >>> 0;
  }
  if (s0 !== header.readUInt32BE(24) || s1 !== header.readUInt32BE(28)) return 'its header checksum does not match';
  return undefined;
}

/** Everything read, nothing written: the files' headers, then integrity and schema through a read-only connection; the schema version. */
function inspect(path: string): number {
  let size: number;
  let header: Buffer;
  try {
    size = statSync(path).size;
    header = readStart(path, 100);
  } catch (error) {
    throw unavailable(path, error);
  }
  if (size === 0) throw damaged(path, 'the file is empty (0 bytes): its content is gone');
  if (header.length < 100 || !header.subarray(0, 16).equals(sqliteMagic))
    throw damaged(path, 'it is not a SQLite database (its header is missing or overwritten)');
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    const problem = walProblem(readStart(wal, 32), pageSize);
    // SQLite would ignore such a log, and delete it on close: the changes it holds would be lost unseen.
    if (problem)
      throw damaged(path, `its write-ahead log ${wal}, which holds the latest changes, is damaged (${problem})`);
  }
  // A read-only connection creates the log's index (and an empty log) when there are none: removed again on refusal.
  const created = sideFiles(path).filter((file) => !existsSync(file));
  const db = openReader(path, 'read-only');
  let refused = false;
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    if (problems.length > 0) throw damaged(path, `SQLite's integrity check reports ${problems.slice(0, 3).join('; ')}`);
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > schemaVersion) throw tooNew(path, current);
    return current;
  } catch (error) {
    refused = true;
    throw asStoreError(path, error);
  } finally {
    // A read-only connection never checkpoints: closing it leaves the database and its log as they were.
    db.close();
    if (refused) removeMade(created);
  }
}

const tooNew = (path: string, current: number): KeywardError =>
  new KeywardError(
    'STORE_TOO_NEW',
    `The workstation database ${path} was written by a newer Keyward (schema ${current}; this Keyward knows up to ${schemaVersion}).`,
    'Install the Keyward version this workstation was last used with, or a newer one. Nothing was changed.',
  );

function migrate(db: Db, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > schemaVersion) throw tooNew(path, current);
  if (current === schemaVersion) return;
  db.transaction(() => {
    for (let version = current; version < schemaVersion; version++) db.exec(migrations[version] ?? '');
    db.pragma(`user_version = ${schemaVersion}`);
  }).immediate();
}
