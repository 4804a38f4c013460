/**
 * Files Keyward writes for others (exports, signatures, bundles) never replace an existing file and are
 * never seen half-written: the content goes to a temporary file that is flushed to disk, then linked to
 * its name (which fails if the name exists), and the directory is flushed too.
 */
import { closeSync, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeywardError } from '../../shared/errors';

export type Write = (chunk: Uint8Array | string) => void;

export function writeNewFile(path: string, produce: (write: Write) => void): void {
  const temporary = `${path}.partial-${process.pid}`;
  let fd: number;
  try {
    fd = openSync(temporary, 'wx', 0o600);
  } catch (error) {
    throw notWritten(path, error);
  }
  try {
    produce((chunk) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done);
    });
    fsyncSync(fd);
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temporary);
    throw error instanceof KeywardError ? error : notWritten(path, error);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    throw notWritten(path, error);
  } finally {
    unlinkSync(temporary);
  }
  syncDirectory(dirname(path));
}

export function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function notWritten(path: string, error: unknown): KeywardError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EEXIST'
      ? `${path} already exists, and Keyward never overwrites a file`
      : code === 'ENOSPC'
        ? 'the drive is full'
        : code === 'EACCES' || code === 'EROFS'
          ? 'the drive or folder is not writable'
          : code === 'ENOENT'
            ? 'the folder does not exist'
            : (error as Error).message;
  return new KeywardError('FILE_NOT_WRITTEN', `Nothing was written to ${path}: ${why}.`, 'Choose a new file name, or another drive, and try again.');
}
