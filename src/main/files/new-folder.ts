/**
 * A folder for a drive (bundle, transcript, backup package, share, destruction certificate) is written so
 * that it either appears whole or not at all: its files go into a hidden
 * temporary folder, each written new and flushed; the final name is claimed with mkdir (which fails if
 * it exists), then the temporary folder replaces that empty placeholder in one rename, and the parent is
 * flushed. A write error, a full or write-protected drive, or a drive pulled out removes everything
 * written, and the error says which drive, why, and what to do.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { KeywardError } from '../../shared/errors';
import { DriveWriteError, describeProblem, diagnose, syncDirectory, writeNewFile, type DriveProblem } from './new-file';

export interface NewFile {
  name: string;
  bytes: Uint8Array;
}

/** One folder to write: `what` is how it is named to officers in errors (a bundle, a transcript). */
interface NewFolder {
  parent: string;
  name: string;
  files: NewFile[];
  what: string;
}

/** A drive problem met while writing a folder, or its name already taken. */
class FolderProblem extends Error {
  constructor(readonly problem: DriveProblem | 'exists') {
    super(typeof problem === 'string' ? problem : problem.kind);
  }
}

/** `what`: how the folder is named to officers in errors (a bundle, a transcript). */
export function writeNewFolder(parent: string, name: string, files: NewFile[], what: string): string {
  const folder: NewFolder = { parent, name, files, what };
  const temporary = join(parent, `.${name}.partial-${process.pid}`);
  /** Everything this call put on the drive, removed if it fails. */
  const written: string[] = [];
  try {
    stage(folder, temporary, written);
    return publish(folder, temporary, written);
  } catch (error) {
    const leftovers = written.filter((path) => !removeTree(path));
    throw folderError(folder, error, leftovers);
  }
}

/** The folder's files in a hidden temporary folder beside where it will go, each written new and flushed. */
function stage(folder: NewFolder, temporary: string, written: string[]): void {
  try {
    mkdirSync(temporary, { mode: 0o700 });
  } catch (error) {
    throw new FolderProblem(diagnose(error, folder.parent));
  }
  written.push(temporary);
  try {
    for (const file of folder.files) writeNewFile(join(temporary, file.name), (write) => write(file.bytes));
    syncDirectory(temporary);
  } catch (error) {
    // The file writer read the drive's state before cleaning up (a full file table shows only then).
    throw new FolderProblem(error instanceof DriveWriteError ? error.problem : diagnose(error, folder.parent));
  }
}

/** The final name is claimed with mkdir (never replacing anything), then the staged folder takes its place. */
function publish(folder: NewFolder, temporary: string, written: string[]): string {
  const final = join(folder.parent, folder.name);
  try {
    mkdirSync(final);
  } catch (error) {
    throw new FolderProblem(
      (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists' : diagnose(error, folder.parent),
    );
  }
  // From here the final name is this call's: removed (whole) if anything fails.
  written.push(final);
  try {
    renameSync(temporary, final);
  } catch (error) {
    throw new FolderProblem(diagnose(error, folder.parent));
  }
  try {
    syncDirectory(folder.parent);
  } catch (error) {
    // Not known to be on the drive: the caller removes it, as for any other failure.
    throw new FolderProblem(diagnose(error, folder.parent));
  }
  return final;
}

function removeTree(path: string): boolean {
  try {
    rmSync(path, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

function folderError(folder: NewFolder, error: unknown, leftovers: string[]): KeywardError {
  if (!(error instanceof FolderProblem) && error instanceof KeywardError) return error;
  const { what, parent } = folder;
  const left = leftovers.length
    ? ` Keyward could not remove ${leftovers.join(', ')}: delete ${leftovers.length > 1 ? 'them' : 'it'} from the drive.`
    : '';
  const problem = error instanceof FolderProblem ? error.problem : diagnose(error, parent);
  if (problem === 'exists') {
    const final = join(parent, folder.name);
    return new KeywardError(
      'FILE_NOT_WRITTEN',
      `Nothing was written: ${final} already exists, and Keyward never overwrites a ${what}.${left}`,
      `Choose another drive or remove the old ${what} there first.`,
    );
  }
  const { cause, nextStep } = describeProblem(problem, parent);
  return new KeywardError(
    'FILE_NOT_WRITTEN',
    `The ${what} was not written to ${parent}: ${cause}. ${leftovers.length ? left.trim() : 'Nothing of it was left there.'}`,
    nextStep,
  );
}
