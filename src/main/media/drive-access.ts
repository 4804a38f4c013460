/**
 * What the app may read and write: removable drives, and on the rehearsal token practice folders that
 * stand in for them. Every path the renderer names is checked to lie on one of these (symbolic links
 * resolved), so the app never reads or writes elsewhere on the workstation.
 */
import { mkdirSync, readdirSync, realpathSync, statSync, statfsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { KeywardError } from '../../shared/errors';
import type { DriveEntry, RemovableDrive } from '../../shared/media';
import { listRemovableDrives } from './drives';

export const practiceDrivesFolder = 'practice-drives';
const defaultPracticeDrives = ['PRACTICE-1', 'PRACTICE-2', 'PRACTICE-3'];
const maxEntries = 500;

/** Practice folders in the data directory, created on first use; a test or trainer may add more. */
export function practiceDrives(dataDir: string): RemovableDrive[] {
  const root = join(dataDir, practiceDrivesFolder);
  for (const name of defaultPracticeDrives) mkdirSync(join(root, name), { recursive: true, mode: 0o700 });
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const mountPoint = join(root, entry.name);
      const space = statfsSync(mountPoint);
      return {
        device: 'practice folder',
        label: entry.name,
        mountPoint,
        sizeBytes: space.blocks * space.bsize,
        availableBytes: space.bavail * space.bsize,
        readOnly: false,
        transport: null,
        practice: true,
      };
    })
    .sort((a, b) => a.mountPoint.localeCompare(b.mountPoint));
}

const within = (root: string, path: string): boolean =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** Where desktop Linux mounts removable media. A "removable" device mounted elsewhere (a live-USB root, a hot-plug bay) is not a drive for ceremonies. */
export const mediaRoots = ['/media', '/run/media', '/mnt'];

/** Drives the app may use: removable media mounted under a media root, never one holding Keyward's data, plus practice folders on the rehearsal token. */
export function appDrives(dataDir: string, rehearsal: boolean): RemovableDrive[] {
  return [...usableDrives(listRemovableDrives(), dataDir), ...(rehearsal ? practiceDrives(dataDir) : [])];
}

export function usableDrives(drives: RemovableDrive[], dataDir: string): RemovableDrive[] {
  const data = realOrParent(dataDir);
  return drives.filter(
    (d) =>
      mediaRoots.some((root) => within(root, d.mountPoint) && d.mountPoint !== root) && !within(d.mountPoint, data),
  );
}

/** The real path of `path`, or of its nearest existing parent with the rest appended (for a folder to be created). */
function realOrParent(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return join(realOrParent(parent), basename(path));
  }
}

/** The drive a path lies on; anything elsewhere is refused. */
export function driveOf(path: string, drives: RemovableDrive[]): RemovableDrive {
  if (!path.startsWith('/'))
    throw new KeywardError(
      'NOT_ON_A_DRIVE',
      `${path} is not a full path on a drive.`,
      'Pick the file or folder from a drive in the list.',
    );
  const real = realOrParent(resolve(path));
  const drive = drives.find((d) => within(realOrParent(d.mountPoint), real));
  if (!drive)
    throw new KeywardError(
      'NOT_ON_A_DRIVE',
      `${path} is not on a removable drive${drives.some((d) => d.practice) ? ' or practice folder' : ''}.`,
      'Insert the drive, then pick the file or folder from the list of drives.',
    );
  return drive;
}

/** Files and folders on a drive, two levels deep (provider files sit in a folder or two), names only. */
export function driveEntries(drive: RemovableDrive): DriveEntry[] {
  const entries: DriveEntry[] = [];
  const visit = (folder: string, depth: number): void => {
    let names;
    try {
      names = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of names.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entries.length >= maxEntries || entry.name.startsWith('.')) continue;
      const full = join(folder, entry.name);
      const path = relative(drive.mountPoint, full);
      if (entry.isDirectory()) {
        entries.push({ path, kind: 'folder', sizeBytes: 0 });
        if (depth < 2) visit(full, depth + 1);
      } else if (entry.isFile()) {
        entries.push({ path, kind: 'file', sizeBytes: statSync(full).size });
      }
    }
  };
  visit(drive.mountPoint, 1);
  return entries;
}
