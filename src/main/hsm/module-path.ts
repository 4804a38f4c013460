/**
 * Which files may be loaded as a PKCS#11 module. Loading one runs its code (an ELF constructor runs at
 * dlopen) in the HSM process, and every PIN typed later passes through it: so only a library installed
 * in a system library folder, owned by root and writable by nobody else, from the file up to the root,
 * is ever opened; never a file on a removable drive or in Keyward's data folder. Checked in main before
 * an HSM process is started, and again in the HSM process just before dlopen, on the real path.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, sep } from 'node:path';
import { KeywardError } from '../../shared/errors';

/** Where vendors and Debian install PKCS#11 modules. */
export const systemLibraryFolders = ['/usr/lib', '/usr/lib64', '/usr/local/lib', '/lib', '/lib64', '/opt'];

const within = (path: string, folder: string): boolean => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);

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
  if ((stat.mode & 0o022) !== 0) return `${path} can be changed by ${(stat.mode & 0o002) !== 0 ? 'any user' : 'its group'}`;
  return undefined;
}

/**
 * The real path of a module file Keyward may load, or a precise refusal. `dataDir`: Keyward's data
 * folder, where nothing is ever loaded from (it holds what officers bring on drives and practice copies).
 */
export function trustedModulePath(path: string, dataDir?: string): string {
  if (!isAbsolute(path)) throw refused(path, 'it is not a full path');
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new KeywardError('HSM_MODULE_LOAD_FAILED', `There is no PKCS#11 module at ${path}.`, 'Check the module path in the HSM vendor documentation (it usually ends in .so) and that the vendor software is installed.');
  }
  if (!statSync(real).isFile()) throw refused(path, 'it is not a file');
  if (!systemLibraryFolders.some((folder) => within(real, folder))) throw refused(path, `it is not in a system library folder (${systemLibraryFolders.join(', ')})${real !== path ? ` (it leads to ${real})` : ''}`);
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
  return real;
}
