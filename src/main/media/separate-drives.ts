/**
 * A backup's custodians keep their shares apart: each share on a physical drive of its own, and the
 * package on a drive holding no share. A folder's drive is the disk under its file system, as the kernel
 * describes it in sysfs: /sys/dev/block/MAJ:MIN is the file system's block device; a partition's entry
 * holds a `partition` file and lies in its disk's; a mapped device (LUKS, LVM) lists what it lies on in
 * `slaves`. So two partitions of one USB stick are one drive. A file system sysfs does not describe
 * (tmpfs, say) is told apart by its device number alone. Never by how paths are spelt. Checked when
 * planned and again immediately before anything is written. The rehearsal token protects nothing, so
 * there practice folders on one disk stand in for drives, provided they are distinct folders, none
 * inside another.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { KeywardError } from '../../shared/errors';
import { practiceDrivesFolder } from './drive-access';

/** Where the kernel describes block devices; a test points it at a tree of its own (simulating, say, a stick with two partitions). */
let sysfsRoot = '/sys';

/** Reads block devices from another sysfs tree (tests only); returns what puts the real one back. */
export function useSysfsRoot(root: string): () => void {
  const before = sysfsRoot;
  sysfsRoot = root;
  return () => {
    sysfsRoot = before;
  };
}

/** A physical drive: `key` tells drives apart, `name` shows it to officers. */
interface Drive {
  key: string;
  name: string;
}

interface Place {
  what: string;
  folder: string;
  real: string;
  drives: Drive[];
}

/** Linux's dev_t encoding (glibc's gnu_dev_major/minor): 12 bits of major and 20 of minor, split across the word. */
function majorMinor(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** A device mapper's stack is a few levels deep at most; the bound guards against a malformed tree. */
const deepestStack = 8;

/** The disks a block device (its sysfs directory) lies on: itself, its disk if it is a partition, or what it is mapped onto. */
function disksUnder(device: string, depth: number): Drive[] {
  const disk = existsSync(join(device, 'partition')) ? dirname(device) : device;
  let below: string[] = [];
  try {
    below = readdirSync(join(disk, 'slaves'));
  } catch {
    // No `slaves`: a plain disk.
  }
  if (below.length === 0 || depth >= deepestStack) return [{ key: `disk ${disk}`, name: basename(disk) }];
  return below.flatMap((name) => disksUnder(realpathSync(join(disk, 'slaves', name)), depth + 1));
}

/** The physical drives a file system lies on: its disk as sysfs knows it, or else its device number. */
function drivesOf(dev: bigint): Drive[] {
  const number = majorMinor(dev);
  let device: string;
  try {
    device = realpathSync(join(sysfsRoot, 'dev', 'block', number));
  } catch {
    return [{ key: `device ${number}`, name: '' }];
  }
  return disksUnder(device, 0);
}

/** Where a folder lies, or undefined when it is not there (its write will fail and say so; it shares no drive). */
function placeOf(what: string, folder: string): Place | undefined {
  let real: string;
  let dev: bigint;
  try {
    real = realpathSync(folder);
    dev = statSync(real, { bigint: true }).dev;
  } catch {
    return undefined;
  }
  return { what, folder, real, drives: drivesOf(dev) };
}

const inside = (a: string, b: string): boolean => a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);

/** On the rehearsal token, what stands for a drive: the practice folder a path is in, or else the folder itself. */
const rehearsalDrive = (real: string): string =>
  new RegExp(`^(.*\\${sep}${practiceDrivesFolder}\\${sep}[^\\${sep}]+)`).exec(real)?.[1] ?? real;

/** The drive two places share, if any ('' when it has no name to show). */
function sharedDrive(a: Place, b: Place): Drive | undefined {
  return a.drives.find((drive) => b.drives.some((other) => other.key === drive.key));
}

export function requireSeparateDrives(packageFolder: string, shareFolders: string[], rehearsal: boolean): void {
  const places = [
    placeOf('backup package', packageFolder),
    ...shareFolders.map((folder, i) => placeOf(`share ${i + 1}`, folder)),
  ].filter((place) => place !== undefined);
  for (const [i, a] of places.entries()) {
    for (const b of places.slice(i + 1)) {
      const [x, y] = [rehearsalDrive(a.real), rehearsalDrive(b.real)];
      const shared = rehearsal ? undefined : sharedDrive(a, b);
      const together = rehearsal ? inside(x, y) || inside(y, x) : shared !== undefined;
      if (together) {
        const which = rehearsal ? 'folder' : `drive${shared?.name ? ` (${shared.name})` : ''}`;
        throw new KeywardError(
          'INVALID_REQUEST',
          `The ${a.what} (${a.folder}) and the ${b.what} (${b.folder}) are on the same ${which}: each share goes to a physical drive of its own, apart from the package and the other shares (two partitions of one drive count as one), so that no one drive rebuilds the backup key. Nothing was written.`,
          'Give each custodian their own drive, and the package another one.',
        );
      }
    }
  }
}
