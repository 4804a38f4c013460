/**
 * Files Keyward writes for others (exports, signatures, bundles) never replace an existing file and are
 * never seen half-written: the content goes to a hidden temporary file that is flushed to disk, then
 * linked to its name (which fails if the name exists), and the directory is flushed too. A failure
 * removes the temporary file and says, in words, what went wrong with the drive and what to do.
 */
import { closeSync, fsyncSync, linkSync, openSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KeywardError } from '../../shared/errors';

export type Write = (chunk: Uint8Array | string) => void;

/** What went wrong with a drive, as far as the system says. */
export type DriveProblem =
  | { kind: 'full' | 'no-file-entries' | 'read-only' | 'not-permitted' | 'missing' | 'io' | 'too-large' }
  | { kind: 'other'; detail: string };

/**
 * Reads the error of a failed write on the drive holding `folder`. Called before anything is cleaned
 * up, so that a drive whose file table is full still shows it.
 */
export function diagnose(error: unknown, folder: string): DriveProblem {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return { kind: outOfFileEntries(folder) ? 'no-file-entries' : 'full' };
    case 'EROFS':
      return { kind: 'read-only' };
    case 'EACCES':
    case 'EPERM':
      return { kind: 'not-permitted' };
    case 'ENOENT':
    case 'ENOTDIR':
      return { kind: 'missing' };
    case 'EIO':
      return { kind: 'io' };
    case 'EFBIG':
      return { kind: 'too-large' };
    default:
      return { kind: 'other', detail: error instanceof Error ? error.message : String(error) };
  }
}

/** The problem in an officer's words (`cause` completes "... was not written to X: "), and what to do; `folder` is where the drive should be. */
export function describeProblem(problem: DriveProblem, folder: string): { cause: string; nextStep: string } {
  const retry = 'then try again: nothing needs to be undone first';
  switch (problem.kind) {
    case 'full':
      return {
        cause: 'the drive is full',
        nextStep: `Free space on the drive, or insert a larger drive and mount it at the same place, ${folder}, ${retry}.`,
      };
    case 'no-file-entries':
      return {
        cause:
          'the drive is full: it cannot take any more files (all of its file entries are used, even if some space is left)',
        nextStep: `Insert a drive with room for more files (or delete files this one no longer needs) and mount it at the same place, ${folder}, ${retry}.`,
      };
    case 'read-only':
      return {
        cause: 'the drive is write-protected (it is mounted read-only), so it is not writable',
        nextStep: `Slide the drive's write-protect switch to unlocked (or insert another drive) and mount it writable at the same place, ${folder}, ${retry}.`,
      };
    case 'not-permitted':
      return {
        cause: 'the folder is not writable: its permissions do not let Keyward write there',
        nextStep: `Choose a folder on the drive that Keyward may write to, or mount the drive so that ${folder} is writable, ${retry}.`,
      };
    case 'missing':
      return {
        cause: 'the folder is not there: the drive was removed or is not mounted',
        nextStep: `Insert the drive and mount it at the same place, ${folder}, ${retry}.`,
      };
    case 'io':
      return {
        cause: 'the drive reported a write error: it may be failing, or it was pulled out while Keyward wrote to it',
        nextStep: `Use another drive, mounted at the same place, ${folder}, ${retry}.`,
      };
    case 'too-large':
      return {
        cause: "a file is larger than the drive's file system allows",
        nextStep: `Use a drive formatted with another file system, mounted at ${folder}, ${retry}.`,
      };
    case 'other':
      return {
        cause: `the system reported: ${problem.detail.replace(/\.$/, '')}`,
        nextStep: `Check the drive (or use another one) mounted at ${folder}, ${retry}.`,
      };
  }
}

/** A file not written because of its drive: the problem is kept for a caller that names the drive its own way (a folder writer). */
export class DriveWriteError extends KeywardError {
  constructor(
    readonly path: string,
    readonly problem: DriveProblem,
    leftover?: string,
  ) {
    const { cause, nextStep } = describeProblem(problem, dirname(path));
    const left = leftover ? ` Keyward could not remove ${leftover} from the drive: delete it there.` : '';
    super('FILE_NOT_WRITTEN', `Nothing was written to ${path}: ${cause}.${left}`, nextStep);
  }
}

/** A file system that counts its file entries (FAT does not) and has none left. */
function outOfFileEntries(folder: string): boolean {
  try {
    const stats = statfsSync(folder);
    return stats.files > 0 && stats.ffree === 0;
  } catch {
    return false;
  }
}

/** Removes a file, whatever state its drive is in; false when it may still be there. */
export function removeQuietly(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

export function writeNewFile(path: string, produce: (write: Write) => void): void {
  const folder = dirname(path);
  const temporary = join(folder, `.${basename(path)}.partial-${process.pid}`);
  let fd: number;
  try {
    fd = openSync(temporary, 'wx', 0o600);
  } catch (error) {
    throw new DriveWriteError(path, diagnose(error, folder));
  }
  try {
    produce((chunk) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done);
    });
    fsyncSync(fd);
  } catch (error) {
    const problem = error instanceof KeywardError ? undefined : diagnose(error, folder);
    closeQuietly(fd);
    const removed = removeQuietly(temporary);
    if (problem) throw new DriveWriteError(path, problem, removed ? undefined : temporary);
    throw error;
  }
  try {
    closeSync(fd);
  } catch (error) {
    const problem = diagnose(error, folder);
    throw new DriveWriteError(path, problem, removeQuietly(temporary) ? undefined : temporary);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'EEXIST' ? undefined : diagnose(error, folder);
    const removed = removeQuietly(temporary);
    if (!problem)
      throw new KeywardError(
        'FILE_NOT_WRITTEN',
        `Nothing was written to ${path}: it already exists, and Keyward never overwrites a file.`,
        'Choose a new file name, or another drive.',
      );
    throw new DriveWriteError(path, problem, removed ? undefined : temporary);
  }
  removeQuietly(temporary);
  try {
    syncDirectory(folder);
  } catch (error) {
    // Not known to be on the drive: not left there as if it were.
    const problem = diagnose(error, folder);
    throw new DriveWriteError(path, problem, removeQuietly(path) ? undefined : path);
  }
}

export function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // The write already failed; that failure is the one reported.
  }
}
