/**
 * One Keyward at a time logs in to a workstation's data: a second one (another window, the Chromium shell,
 * a CLI command) would otherwise roll back, as "interrupted", the ceremony step the first is running and
 * destroy what it is making on the token. The lock is an SQLite file held in exclusive locking mode: the
 * operating system releases it when the holder exits, even when it is killed, so a crash never leaves
 * the workstation locked.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeywardError } from '../../shared/errors';
import { isBusy } from './busy';

export interface InstanceLock {
  release(): void;
}

const lockFile = 'instance.lock';
const holderFile = 'instance.pid';

export function lockDataDir(dataDir: string): InstanceLock {
  const db = new Database(join(dataDir, lockFile), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // A write takes the exclusive lock; in this locking mode it is kept until the connection closes.
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL); DELETE FROM holder;');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (error) {
    db.close();
    if (!isBusy(error)) throw error;
    throw new KeywardError(
      'STORE_UNAVAILABLE',
      `Keyward is already running on this workstation's data folder ${dataDir}${holderOf(dataDir)}, logged in to its token. Only one Keyward at a time works on a workstation, so that one never undoes the other's ceremony step.`,
      'Use the Keyward that is already open, or close it (finish or stop its ceremony first), then try again.',
    );
  }
  try {
    // For the message another Keyward shows (the lock file itself cannot be read while it is held).
    writeFileSync(join(dataDir, holderFile), `${process.pid}\n`, { mode: 0o600 });
  } catch (error) {
    db.close(); // a full disk must not leave the lock held by a Keyward that reports it could not start
    throw error;
  }
  return { release: () => db.close() };
}

/**
 * Runs `act` while no other Keyward can take the lock (it is taken for that moment, nothing written) and
 * says so; returns false without running it while a live Keyward holds the lock, or the lock cannot be had.
 */
export function whileNoOtherKeyward(dataDir: string, act: () => void): boolean {
  let db: Database.Database;
  try {
    db = new Database(join(dataDir, lockFile), { timeout: 0 });
    db.exec('BEGIN EXCLUSIVE');
  } catch {
    return false; // busy (a live Keyward), or not takeable (a full disk): assume another Keyward may be at work
  }
  try {
    act();
    return true;
  } finally {
    db.exec('ROLLBACK');
    db.close();
  }
}

/** The Keyward that holds the data folder now (a live process holds the lock), if another one does. */
export function lockHolder(dataDir: string): { pid: number | null; command: string } | undefined {
  const file = join(dataDir, lockFile);
  if (!existsSync(file)) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 0, fileMustExist: true });
    // Taking the lock for a moment tells whether a live Keyward holds it; nothing is written.
    db.exec('BEGIN EXCLUSIVE; ROLLBACK;');
    return undefined;
  } catch (error) {
    if (!isBusy(error)) return undefined;
    return holderProcess(dataDir) ?? { pid: null, command: '' };
  } finally {
    db?.close();
  }
}

function holderProcess(dataDir: string): { pid: number; command: string } | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, holderFile), 'utf8').trim());
    if (!Number.isInteger(pid)) return undefined;
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 3).join(' ');
    } catch {
      // the process's command is not readable: its number is enough
    }
    return { pid, command };
  } catch {
    return undefined;
  }
}

/** "process 1234: node bin/keyward.mjs ceremony", for the officers. */
export const describeHolder = (holder: { pid: number | null; command: string }): string =>
  holder.pid === null ? 'another Keyward' : `process ${holder.pid}${holder.command ? `: ${holder.command}` : ''}`;

function holderOf(dataDir: string): string {
  const holder = holderProcess(dataDir);
  return holder ? ` (${describeHolder(holder)})` : '';
}
