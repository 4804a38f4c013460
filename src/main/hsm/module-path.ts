/**
 * Which files may be loaded as a PKCS#11 module. Loading one runs its code (an ELF constructor runs at
 * dlopen) in the HSM process, and every PIN typed later passes through it: so only a library installed
 * in a system library folder, owned by root and writable by nobody else, from the file up to the root,
 * is ever opened; never a file on a removable drive or in Keyward's data folder. A drive can be mounted
 * under /opt or /usr/local/lib with root-owned files on it, so the file's own file system is checked too:
 * neither one of the removable drives Keyward lists nor on a removable or USB block device. Checked in
 * main before an HSM process is started, and again in the HSM process just before dlopen, on the real path.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, sep } from 'node:path';
import { KeywardError } from '../../shared/errors';
import { listRemovableDrives } from '../media/drives';

/** Where vendors and Debian install PKCS#11 modules. */
export const systemLibraryFolders = ['/usr/lib', '/usr/lib64', '/usr/local/lib', '/lib', '/lib64', '/opt'];

const within = (path: string, folder: string): boolean =>
  path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);

const refused = (path: string, why: string): KeywardError =>
  new KeywardError(
    'HSM_MODULE_REFUSED',
    `${path} is not loaded as a PKCS#11 module: ${why}. Loading a module runs its code with every PIN typed afterwards.`,
    `Install the HSM vendor's module with the vendor's package (it goes to a system folder such as ${systemLibraryFolders.slice(0, 2).join(' or ')}, owned by root), then choose that file.`,
  );

/** Owned by root and writable by nobody else (group and others may not write). */
function rootOnly(path: string): string | undefined {
  const stat = lstatSync(path);
  if (stat.uid !== 0) return `${path} is owned by user ${stat.uid}, not by root`;
  if ((stat.mode & 0o022) !== 0)
    return `${path} can be changed by ${(stat.mode & 0o002) !== 0 ? 'any user' : 'its group'}`;
  return undefined;
}

/** Where the removable drives are, as the system tells (tests give their own). */
export interface RemovableMedia {
  /** Mount points of the removable drives Keyward lists to the officers (src/main/media/drives.ts). */
  mountPoints(): string[];
  /** /proc/self/mountinfo: which device each mounted file system comes from. */
  mountInfo(): string;
  /** Where sysfs is: a block device there says whether it is removable, and which bus it hangs on. */
  sysfs: string;
}

export const systemMedia: RemovableMedia = {
  mountPoints: () => listRemovableDrives().map((drive) => drive.mountPoint),
  mountInfo: () => readFileSync('/proc/self/mountinfo', 'utf8'),
  sysfs: '/sys',
};

/** "major:minor" of a device number, as the kernel (glibc's gnu_dev_major/minor) splits it. */
export function deviceNumber(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** The devices a file system on `device` is mounted from, per mountinfo (a btrfs volume's own device, say). */
function mountSources(device: string, mountInfo: string): string[] {
  const sources: string[] = [];
  for (const line of mountInfo.split('\n')) {
    const fields = line.split(' ');
    if (fields[2] !== device) continue;
    const source = fields[fields.indexOf('-') + 2];
    if (!source?.startsWith('/dev/')) continue;
    try {
      sources.push(deviceNumber(statSync(source, { bigint: true }).rdev));
    } catch {
      // A device node that is gone names nothing to check.
    }
  }
  return sources;
}

/** How a block device is removable (flagged so, or on USB), or undefined when it is not, or is no block device (tmpfs, overlay). */
function removableBlockDevice(device: string, sysfs: string): string | undefined {
  let node: string;
  try {
    node = realpathSync(join(sysfs, 'dev', 'block', device));
  } catch {
    return undefined;
  }
  if (node.split(sep).some((part) => /^usb\d+$/.test(part))) return `a USB drive (${basename(node)})`;
  // A partition's own folder has no "removable" flag: its disk, one folder up, has.
  for (const folder of [node, dirname(node)]) {
    try {
      if (readFileSync(join(folder, 'removable'), 'utf8').trim() === '1')
        return `a removable drive (${basename(node)})`;
    } catch {
      // no flag here
    }
  }
  return undefined;
}

/** Why the file's file system is a removable drive, or undefined. */
function onRemovableDrive(real: string, media: RemovableMedia): string | undefined {
  const { dev } = statSync(real, { bigint: true });
  // Drives that cannot be listed (lsblk missing) refuse the module, with their own next step: install it.
  const mountPoints = media.mountPoints();
  for (const mountPoint of mountPoints) {
    try {
      if (statSync(mountPoint, { bigint: true }).dev === dev)
        return `it is on the removable drive mounted at ${mountPoint}`;
    } catch {
      // A drive unmounted since it was listed holds nothing.
    }
  }
  const device = deviceNumber(dev);
  let mountInfo = '';
  try {
    mountInfo = media.mountInfo();
  } catch {
    // Without /proc, the file system's own device is still checked.
  }
  for (const source of [device, ...mountSources(device, mountInfo)]) {
    const removable = removableBlockDevice(source, media.sysfs);
    if (removable) return `its file system is on ${removable}`;
  }
  return undefined;
}

/**
 * The real path of a module file Keyward may load, or a precise refusal. `dataDir`: Keyward's data
 * folder, where nothing is ever loaded from (it holds what officers bring on drives and practice copies).
 */
export function trustedModulePath(path: string, dataDir?: string, media: RemovableMedia = systemMedia): string {
  if (!isAbsolute(path)) throw refused(path, 'it is not a full path');
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new KeywardError(
      'HSM_MODULE_LOAD_FAILED',
      `There is no PKCS#11 module at ${path}.`,
      'Check the module path in the HSM vendor documentation (it usually ends in .so) and that the vendor software is installed.',
    );
  }
  if (!statSync(real).isFile()) throw refused(path, 'it is not a file');
  if (!systemLibraryFolders.some((folder) => within(real, folder)))
    throw refused(
      path,
      `it is not in a system library folder (${systemLibraryFolders.join(', ')})${real !== path ? ` (it leads to ${real})` : ''}`,
    );
  if (dataDir) {
    let data = dataDir;
    try {
      data = realpathSync(dataDir);
    } catch {
      // A data folder not made yet holds nothing.
    }
    if (within(real, data)) throw refused(path, "it is in Keyward's data folder");
  }
  // The file and every folder above it: a folder others may write to lets them put another file there.
  for (let at = real; ; at = dirname(at)) {
    const problem = rootOnly(at);
    if (problem) throw refused(path, problem);
    if (dirname(at) === at) break;
  }
  const removable = onRemovableDrive(real, media);
  if (removable) throw refused(path, removable);
  return real;
}
