/**
 * What a step that did not complete had written on drives. Its outputs were claimed (recorded, with the
 * device of the folder they go in and the time) before the first byte was written, so after a crash or a
 * failure Keyward removes them: no unrecorded bundle, backup package, share, certificate or export is left
 * on a drive for someone to pick up later. Only what this step can have made: never on another device (a
 * drive taken out, its empty mount point left), never an entry older than the claim (another drive's
 * file of the same name). Those are named instead, so the officers look and remove them.
 */
import { existsSync, lstatSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A file or folder a step is about to write, and the device (drive) of the folder it goes in. */
export interface ClaimedOutput {
  path: string;
  device: number;
  /** When it was claimed (ms since the epoch): anything there that changed earlier is not the step's. */
  claimedAt: number;
}

export interface OutputsRemoval {
  removed: string[];
  /** Outputs Keyward could not check were its own (their drive is not there now): the officers look and delete them. */
  unreachable: string[];
}

const deviceOf = (folder: string): number | undefined => {
  try {
    return statSync(folder).dev;
  } catch {
    return undefined;
  }
};

/** The claim for `path`, made before it is written; none when its folder is not there (the write will fail and say so). */
export function claimOf(path: string): ClaimedOutput | undefined {
  const device = deviceOf(dirname(path));
  return device === undefined ? undefined : { path, device, claimedAt: Date.now() };
}

export function removeOutputs(claims: ClaimedOutput[]): OutputsRemoval {
  const result: OutputsRemoval = { removed: [], unreachable: [] };
  for (const claim of claims) {
    // A drive that fails while being cleaned (pulled, an I/O error) must not hide the step's own error
    // nor stop a rollback: what could not be removed is named for the officers.
    try {
      removeClaimed(claim, result);
    } catch {
      result.unreachable.push(claim.path);
    }
  }
  return result;
}

function removeClaimed({ path, device, claimedAt }: ClaimedOutput, result: OutputsRemoval): void {
  const parent = dirname(path);
  if (deviceOf(parent) !== device) {
    result.unreachable.push(path);
    return;
  }
  // The writers' hidden temporaries (".NAME.partial-PID", files and folders alike) go too.
  const name = basename(path);
  const partials = readdirSync(parent).filter((entry) => entry.startsWith(`.${name}.partial-`));
  const present = [...(existsSync(path) ? [path] : []), ...partials.map((entry) => join(parent, entry))];
  for (const leftover of present) {
    // Made (or renamed into place) by the step, so changed after the claim; an older entry is someone else's.
    // (A second of slack: file systems stamp times with a coarse clock.)
    if (lstatSync(leftover).ctimeMs + 1000 < claimedAt) {
      result.unreachable.push(leftover);
      continue;
    }
    rmSync(leftover, { recursive: true, force: true });
    result.removed.push(leftover);
  }
}
