/**
 * What a step that did not complete had written on drives. Its outputs were claimed (recorded) before
 * the first byte was written, so after a crash or a failure Keyward removes them: no unrecorded bundle,
 * backup package, share, certificate or export is left on a drive for someone to pick up later. A drive
 * that is no longer mounted is reported, so the officers remove what is on it themselves.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface OutputsRemoval {
  removed: string[];
  /** Outputs on a drive that is not there now: the officers insert it and delete them. */
  unreachable: string[];
}

export function removeOutputs(paths: string[]): OutputsRemoval {
  const result: OutputsRemoval = { removed: [], unreachable: [] };
  for (const path of paths) {
    const parent = dirname(path);
    if (!existsSync(parent)) {
      result.unreachable.push(path);
      continue;
    }
    // The writers' hidden temporaries (".NAME.partial-PID" folders, "NAME.partial-PID" files) go too.
    const name = basename(path);
    const partials = readdirSync(parent).filter((entry) => entry.startsWith(`.${name}.partial-`) || entry.startsWith(`${name}.partial-`));
    const present = [...(existsSync(path) ? [path] : []), ...partials.map((entry) => join(parent, entry))];
    for (const leftover of present) rmSync(leftover, { recursive: true, force: true });
    result.removed.push(...present);
  }
  return result;
}
