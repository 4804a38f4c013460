/**
 * Another program holding the workstation database locked (a database browser, a copy or backup tool, a
 * second Keyward) makes SQLite give up after the busy timeout with SQLITE_BUSY or SQLITE_LOCKED. That is
 * turned, in this one place, into an error that says so and names the program when the system shows it,
 * for every statement and transaction of the connection openDatabase returns. SQLite has rolled back
 * whatever the refused statement or transaction had begun: nothing is half-written.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { KeywardError } from '../../shared/errors';
import type { Db } from './database';

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Marks the error made here, so that callers do not try to audit a failure into a database that is locked. */
const busyMark = Symbol('keyward.store-busy');

export function isStoreBusy(error: unknown): boolean {
  return error instanceof KeywardError && busyMark in error;
}

/** How long a statement waits for another connection's lock before Keyward reports the database busy. */
export const busyTimeoutMs = 5000;

export function busyError(path: string): KeywardError {
  const holders = programsUsing(path);
  const named = holders.length ? ` (${holders.join('; ')})` : '';
  const error = new KeywardError(
    'STORE_UNAVAILABLE',
    `Another program${named} has the workstation database ${path} locked and did not let go within ${busyTimeoutMs / 1000} seconds, so Keyward could not read or record anything in it. Nothing was half-written: the database is as it was before.`,
    `Close the program that has the database open${named}: it may be a database browser, a copy or backup tool, or a second Keyward window or command. Then try again.`,
  );
  Object.defineProperty(error, busyMark, { value: true });
  return error;
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

/** Runs a database call, turning a lock another program held too long into the busy error. */
function guarded<T>(path: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (isBusy(error)) throw busyError(path);
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
        if (property === 'iterate') return (...args: unknown[]) => guardIterator(guarded(path, () => method.apply(target, args)) as Iterator<unknown>, path);
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
  for (const variant of ['deferred', 'immediate', 'exclusive'] as const) Object.defineProperty(guardedDefault, variant, { value: wrap(transaction[variant]) });
  return guardedDefault;
}

/** The connection, with every statement, pragma, exec and transaction reporting another program's lock as the busy error. */
export function guardBusy(db: Db, path: string): Db {
  const proxy: Db = new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as Fn;
      if (property === 'prepare') return (...args: unknown[]) => guardStatement(method.apply(target, args) as object, path);
      if (property === 'transaction') return (...args: unknown[]) => guardTransaction(method.apply(target, args) as Fn & Record<'deferred' | 'immediate' | 'exclusive', Fn>, path);
      return (...args: unknown[]) => {
        const result = guarded(path, () => method.apply(target, args));
        return result === target ? proxy : result;
      };
    },
  });
  return proxy;
}
