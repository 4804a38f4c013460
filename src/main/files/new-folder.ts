/**
 * A folder for a drive (bundle, transcript, backup package, share, destruction certificate) is written so
 * that it either appears whole or not at all: its files go into a hidden
 * temporary folder, each written new and flushed; the final name is claimed with mkdir (which fails if
 * it exists), then the temporary folder replaces that empty placeholder in one rename, and the parent is
 * flushed. A write error or a full drive removes everything written.
 */
import { mkdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { KeywardError } from '../../shared/errors';
import { syncDirectory, writeNewFile } from './new-file';

export interface NewFile {
  name: string;
  bytes: Uint8Array;
}

/** `what`: how the folder is named to officers in errors (a bundle, a transcript). */
export function writeNewFolder(parent: string, name: string, files: NewFile[], what: string): string {
  const final = join(parent, name);
  const temporary = join(parent, `.${name}.partial-${process.pid}`);
  try {
    mkdirSync(temporary, { mode: 0o700 });
  } catch (error) {
    throw new KeywardError('FILE_NOT_WRITTEN', `Nothing was written to ${parent}: ${(error as Error).message}.`, 'Check that the drive is mounted and writable, then try again.');
  }
  try {
    for (const file of files) writeNewFile(join(temporary, file.name), (write) => write(file.bytes));
    syncDirectory(temporary);
    try {
      mkdirSync(final);
    } catch {
      throw new KeywardError('FILE_NOT_WRITTEN', `Nothing was written: ${final} already exists, and Keyward never overwrites a ${what}.`, `Choose another drive or remove the old ${what} there first.`);
    }
    try {
      renameSync(temporary, final);
    } catch (error) {
      rmdirSync(final);
      throw error;
    }
    syncDirectory(parent);
    return final;
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (error instanceof KeywardError && error.message.includes('never overwrites')) throw error;
    const why = error instanceof KeywardError ? error.message : (error as Error).message;
    const full = /drive is full|ENOSPC/.test(why) || (error as NodeJS.ErrnoException).code === 'ENOSPC';
    throw new KeywardError(
      'FILE_NOT_WRITTEN',
      `The ${what} was not written to ${parent}${full ? ': the drive is full' : ` (${why})`}. Nothing of it was left there.`,
      full ? 'Free space on that drive (or insert a larger one at the same place), then run the step again; or abort the ceremony and plan it with another drive.' : 'Check the drive and try again.',
    );
  }
}
