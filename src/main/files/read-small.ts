/**
 * Reads a small file someone brought on a drive (a plan, a share, a provider's key file, a bundle's
 * files): a regular file only (a FIFO or device would block), under a size no such file reaches, or a
 * precise refusal. The limit holds while reading: the size stat reports is never trusted (procfs files
 * say 0; a file can grow between stat and read), and no more than limit + 1 bytes are ever read.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { KeywardError } from '../../shared/errors';

/** What reading a file under a limit found: its bytes, or why there are none. */
export type BoundedRead =
  | { outcome: 'read'; bytes: Buffer }
  | { outcome: 'absent' }
  /** The name is a symbolic link: what it points to is not the file that was brought. */
  | { outcome: 'link' }
  | { outcome: 'not-a-file' }
  | { outcome: 'too-large' }
  /** It exists but could not be opened (permissions, a failing drive). */
  | { outcome: 'unreadable' }
  /** Opened, but a read failed part-way (a drive taken out). */
  | { outcome: 'cut-short' };

// O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever, before fstat can refuse it.
// O_NOCTTY: a terminal device named by mistake does not become this process's terminal.
const openFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
const chunkBytes = 64 * 1024;

/** Opens `path` once (never following a final symbolic link), checks the open file is a regular file, and reads at most `maxBytes` + 1 bytes. */
export function readBounded(path: string, maxBytes: number): BoundedRead {
  let fd: number;
  try {
    fd = openSync(path, openFlags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { outcome: 'absent' };
    if (code === 'ELOOP') return { outcome: 'link' };
    return { outcome: 'unreadable' };
  }
  try {
    try {
      if (!fstatSync(fd).isFile()) return { outcome: 'not-a-file' };
    } catch {
      return { outcome: 'unreadable' };
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // Never asks for more than one byte past the limit: that byte alone proves the file too large.
      const chunk = Buffer.alloc(Math.min(chunkBytes, maxBytes + 1 - total));
      let count: number;
      try {
        count = readSync(fd, chunk, 0, chunk.length, null);
      } catch {
        return { outcome: 'cut-short' };
      }
      if (count === 0) return { outcome: 'read', bytes: Buffer.concat(chunks, total) };
      chunks.push(chunk.subarray(0, count));
      total += count;
      if (total > maxBytes) return { outcome: 'too-large' };
    }
  } finally {
    try {
      closeSync(fd);
    } catch {
      // read-only: nothing is lost when closing fails
    }
  }
}

export function readSmallFile(path: string, maxBytes: number, what: string): Buffer {
  const read = readBounded(path, maxBytes);
  switch (read.outcome) {
    case 'read':
      return read.bytes;
    case 'absent':
    case 'unreadable':
      throw new KeywardError(
        'INVALID_REQUEST',
        `The ${what} ${path} cannot be read.`,
        'Check that its drive is inserted and the name is right, then try again.',
      );
    case 'link':
      throw new KeywardError(
        'INVALID_REQUEST',
        `${path} is a link to another file, so it cannot be the ${what}.`,
        `Pick the ${what} itself, not a link to it.`,
      );
    case 'not-a-file':
      throw new KeywardError(
        'INVALID_REQUEST',
        `${path} is not a file, so it cannot be the ${what}.`,
        `Pick the ${what} itself.`,
      );
    case 'too-large':
      throw new KeywardError(
        'INVALID_REQUEST',
        `${path} is larger than any ${what} (at most ${maxBytes} bytes); it was not read further.`,
        `Pick the ${what} itself.`,
      );
    case 'cut-short':
      throw new KeywardError(
        'INVALID_REQUEST',
        `The ${what} ${path} could not be read to its end (was its drive taken out?).`,
        'Check that its drive is inserted, then try again.',
      );
  }
}

/** The same, as UTF-8 text (plans, answers, shares). */
export const readSmallText = (path: string, maxBytes: number, what: string): string =>
  readSmallFile(path, maxBytes, what).toString('utf8');
