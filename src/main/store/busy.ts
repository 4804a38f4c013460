/**
 * The database refusing a write, turned in this one place into an error that says why and what to do,
 * for every statement and transaction of the connection openDatabase returns (and for its opening):
 * - another program holding it locked (a database browser, a copy or backup tool, a second Keyward)
 *   makes SQLite give up after the busy timeout with SQLITE_BUSY or SQLITE_LOCKED; the error names
 *   the program when the system shows it;
 * - a full disk makes SQLite fail with SQLITE_FULL, or with an I/O error when it cannot grow the log's
 *   index beside the database: the error names the disk, its free space and the space Keyward needs.
 * SQLite has rolled back whatever the refused statement or transaction had begun: nothing is half-written.
 */
import type Database from 'better-sqlite3';
import { readFileSync, readdirSync, readlinkSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeywardError } from '../../shared/errors';

type Db = Database.Database;

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Marks the errors made here, so that callers do not try to audit a failure into a database that cannot take it. */
const unwritableMark = Symbol('keyward.store-unwritable');

/** The database cannot take a write now (another program holds it locked, or its disk is full): a failure is not audited into it. */
export function isStoreBusy(error: unknown): boolean {
  return error instanceof KeywardError && unwritableMark in error;
}

const marked = (error: KeywardError): KeywardError => Object.defineProperty(error, unwritableMark, { value: true });

/** How long a statement waits for another connection's lock before Keyward reports the database busy. */
export const busyTimeoutMs = 5000;

export function busyError(path: string): KeywardError {
  const holders = programsUsing(path);
  const named = holders.length ? ` (${holders.join('; ')})` : '';
  return marked(
    new KeywardError(
      'STORE_UNAVAILABLE',
      `Another program${named} has the workstation database ${path} locked and did not let go within ${busyTimeoutMs / 1000} seconds, so Keyward could not read or record anything in it. Nothing was half-written: the database is as it was before.`,
      `Close the program that has the database open${named}: it may be a database browser, a copy or backup tool, or a second Keyward window or command. Then try again.`,
    ),
  );
}

const megabyte = 1024 * 1024;

/**
 * The free space Keyward asks for on the data folder's disk: the write-ahead log grows to about 4 MB before
 * SQLite copies it into the database, which can grow by as much, and the rehearsal token's files live there too.
 */
export const neededFreeBytes = 16 * megabyte;

/** Below this much free space, an I/O error from SQLite is taken for the full disk it most likely is (statfs tells). */
const ioErrorMeansFullBelowBytes = megabyte;

/** Free space on the disk holding `folder`, for the user Keyward runs as; undefined when the system does not say. */
export function freeBytes(folder: string): number | undefined {
  try {
    const stats = statfsSync(folder);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** A write refused for want of space on the disk holding `folder`: SQLITE_FULL, ENOSPC, or an I/O error on a disk with (almost) no space left. */
export function isDiskFull(error: unknown, folder: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  if (!code.startsWith('SQLITE_IOERR')) return false;
  const free = freeBytes(folder);
  return free !== undefined && free < ioErrorMeansFullBelowBytes;
}

const inWords = (bytes: number): string =>
  bytes < megabyte ? `${Math.floor(bytes / 1024)} KB` : `${(bytes / megabyte).toFixed(1)} MB`;

/**
 * The disk holding the data folder is full. `purpose` completes "Keyward needs at least 16 MB there to ...";
 * `outcome` says what became of the write that was refused.
 */
export function diskFullError(folder: string, purpose: string, outcome: string): KeywardError {
  const free = freeBytes(folder);
  return marked(
    new KeywardError(
      'STORE_DISK_FULL',
      `The disk holding Keyward's data folder (${folder}) is full: ${free === undefined ? 'the system reports no space left' : `${inWords(free)} free`}; Keyward needs at least ${neededFreeBytes / megabyte} MB there to ${purpose}. ${outcome}`,
      `Make room on that disk: move files that are not Keyward's to another drive, or give the volume more space (do not delete or move anything in ${folder}); "df -h ${folder}" shows the free space. Commands that only read (keyward key list, ceremony list, workstation show) work meanwhile. Then try again.`,
    ),
  );
}

/** Runs `work`, which writes in the data folder `folder`; a full disk is reported as such. */
export function onFullDisk<T>(folder: string, purpose: string, outcome: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (isDiskFull(error, folder)) throw diskFullError(folder, purpose, outcome);
    throw error;
  }
}

/** The processes, other than this one, that have the database or its log open: "sqlite3, process 1234". */
function programsUsing(path: string): string[] {
  const files = new Set([path, `${path}-wal`, `${path}-shm`]);
  const found: string[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return found;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or another user's (not readable)
    }
    const holds = fds.some((fd) => {
      try {
        return files.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let name = 'a program';
    try {
      name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || name;
    } catch {
      // keeps "a program"
    }
    found.push(`${name}, process ${pid}`);
    if (found.length >= 5) break;
  }
  return found;
}

type Fn = (...args: unknown[]) => unknown;

/** Runs a database call, turning a lock another program held too long into the busy error, and a full disk into its error. */
function guarded<T>(path: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (isBusy(error)) throw busyError(path);
    if (isDiskFull(error, dirname(path))) {
      throw diskFullError(
        dirname(path),
        'record its work in the workstation database',
        'The change it was recording was not written: SQLite rolled it back, so the database is as it was before that change.',
      );
    }
    throw error;
  }
}

const statementMethods = new Set(['run', 'get', 'all', 'iterate']);
const chainingMethods = new Set(['bind', 'pluck', 'expand', 'raw', 'safeIntegers']);

function guardStatement<S extends object>(statement: S, path: string): S {
  const proxy: S = new Proxy(statement, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as Fn;
      if (statementMethods.has(property)) {
        if (property === 'iterate')
          return (...args: unknown[]) =>
            guardIterator(guarded(path, () => method.apply(target, args)) as Iterator<unknown>, path);
        return (...args: unknown[]) => guarded(path, () => method.apply(target, args));
      }
      if (chainingMethods.has(property)) {
        return (...args: unknown[]) => {
          const result = method.apply(target, args);
          return result === target ? proxy : result;
        };
      }
      return method.bind(target);
    },
  });
  return proxy;
}

function guardIterator(iterator: Iterator<unknown>, path: string): IterableIterator<unknown> {
  return {
    next: (...args: []) => guarded(path, () => iterator.next(...args)),
    return: (value?: unknown) => iterator.return?.(value) ?? { done: true, value },
    [Symbol.iterator]() {
      return this;
    },
  };
}

function guardTransaction(transaction: Fn & Record<'deferred' | 'immediate' | 'exclusive', Fn>, path: string): Fn {
  const wrap = (fn: Fn): Fn =>
    function (this: unknown, ...args: unknown[]) {
      return guarded(path, () => fn.apply(this, args));
    };
  const guardedDefault = wrap(transaction);
  for (const variant of ['deferred', 'immediate', 'exclusive'] as const)
    Object.defineProperty(guardedDefault, variant, { value: wrap(transaction[variant]) });
  return guardedDefault;
}

/** The connection, with every statement, pragma, exec and transaction reporting another program's lock, or a full disk, in words. */
export function guardBusy(db: Db, path: string): Db {
  const proxy: Db = new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as Fn;
      if (property === 'prepare')
        return (...args: unknown[]) => guardStatement(method.apply(target, args) as object, path);
      if (property === 'transaction')
        return (...args: unknown[]) =>
          guardTransaction(method.apply(target, args) as Fn & Record<'deferred' | 'immediate' | 'exclusive', Fn>, path);
      return (...args: unknown[]) => {
        const result = guarded(path, () => method.apply(target, args));
        return result === target ? proxy : result;
      };
    },
  });
  return proxy;
}
