/**
 * Reads a small file someone brought on a drive (a plan, a share, a provider's key file): a regular file
 * only (a FIFO or device would block), under a size no such file reaches, or a precise refusal.
 */
import { readFileSync, statSync } from 'node:fs';
import { KeywardError } from '../../shared/errors';

export function readSmallFile(path: string, maxBytes: number, what: string): Buffer {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new KeywardError('INVALID_REQUEST', `${path} is not a file, so it cannot be the ${what}.`, `Pick the ${what} itself.`);
    size = stat.size;
  } catch (error) {
    if (error instanceof KeywardError) throw error;
    throw new KeywardError('INVALID_REQUEST', `The ${what} ${path} cannot be read.`, 'Check that its drive is inserted and the name is right, then try again.');
  }
  if (size > maxBytes) throw new KeywardError('INVALID_REQUEST', `${path} is ${size} bytes, larger than any ${what} (at most ${maxBytes}).`, `Pick the ${what} itself.`);
  try {
    return readFileSync(path);
  } catch {
    throw new KeywardError('INVALID_REQUEST', `The ${what} ${path} could not be read to its end (was its drive taken out?).`, 'Check that its drive is inserted, then try again.');
  }
}

/** The same, as UTF-8 text (plans, answers, shares). */
export const readSmallText = (path: string, maxBytes: number, what: string): string => readSmallFile(path, maxBytes, what).toString('utf8');
