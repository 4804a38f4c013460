/**
 * A backup's custodians keep their shares apart: each share on a drive of its own, and the package on a
 * drive holding no share. Drives are told apart by device identity (the file system a folder lies on),
 * never by how their paths are spelt. Checked when planned and again just before anything is written. The rehearsal token protects nothing, so there practice folders on
 * one disk stand in for drives, provided they are distinct folders, none inside another.
 */
import { realpathSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { KeywardError } from '../../shared/errors';
import { practiceDrivesFolder } from './drive-access';

interface Place {
  what: string;
  folder: string;
  real: string;
  device: number;
}

/** Where a folder lies, or undefined when it is not there (its write will fail and say so; it shares no drive). */
function placeOf(what: string, folder: string): Place | undefined {
  try {
    const real = realpathSync(folder);
    return { what, folder, real, device: statSync(real).dev };
  } catch {
    return undefined;
  }
}

const inside = (a: string, b: string): boolean => a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);

/** On the rehearsal token, what stands for a drive: the practice folder a path is in, or else the folder itself. */
const rehearsalDrive = (real: string): string => new RegExp(`^(.*\\${sep}${practiceDrivesFolder}\\${sep}[^\\${sep}]+)`).exec(real)?.[1] ?? real;

export function requireSeparateDrives(packageFolder: string, shareFolders: string[], rehearsal: boolean): void {
  const places = [placeOf('backup package', packageFolder), ...shareFolders.map((folder, i) => placeOf(`share ${i + 1}`, folder))].filter((place) => place !== undefined);
  for (const [i, a] of places.entries()) {
    for (const b of places.slice(i + 1)) {
      const [x, y] = [rehearsalDrive(a.real), rehearsalDrive(b.real)];
      const together = rehearsal ? inside(x, y) || inside(y, x) : a.device === b.device;
      if (together) {
        throw new KeywardError(
          'INVALID_REQUEST',
          `The ${a.what} (${a.folder}) and the ${b.what} (${b.folder}) are on the same ${rehearsal ? 'folder' : 'drive'}: each share goes to a drive of its own, apart from the package and the other shares, so that no one drive rebuilds the backup key. Nothing was written.`,
          'Give each custodian their own drive, and the package another one.',
        );
      }
    }
  }
}
