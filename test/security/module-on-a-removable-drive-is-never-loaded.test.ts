/**
 * Security review (issue 14), F22: a PKCS#11 module had to be a root-owned file in a system library
 * folder, but a drive mounted under /opt or /usr/local/lib (an officer's USB stick, auto-mounted or
 * mounted there by hand) carries root-owned files too: its library passed, and its code would run in the
 * HSM process with every PIN typed afterwards. The attack is replayed with a real file system mounted under
 * /opt holding a root-owned library whose constructor leaves a mark, named once as one of the removable
 * drives Keyward lists, and once only by what the kernel says of its block device (removable, or on USB).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedModulePath } from '../../src/main/hsm/module-path';
import { KeywardError } from '../../src/shared/errors';
import { softhsmModule } from '../helpers/softhsm';

const isRoot = process.getuid?.() === 0;
let dir: string;
let mountPoint: string;
let mounted = false;
let module: string;
let marker: string;

/** What the test tells Keyward about removable drives, in place of lsblk, /proc/self/mountinfo and /sys. */
type Media = { mountPoints: () => string[]; mountInfo: () => string; sysfs: string };
const noDrives: Media = { mountPoints: () => [], mountInfo: () => '', sysfs: '/nonexistent-sysfs' };

/** "major:minor" of the file system holding a file, as /sys/dev/block names its device. */
function deviceOf(path: string): string {
  const dev = statSync(path, { bigint: true }).dev;
  return `${((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)}:${(dev & 0xffn) | ((dev >> 12n) & ~0xffn)}`;
}

/** A sysfs in which the file system holding `path` is the partition sdb1 of a disk at `diskPath`, with its removable flag. */
function fakeSysfs(path: string, diskPath: string, removable: '0' | '1'): string {
  const sysfs = mkdtempSync(join(dir, 'sys-'));
  const disk = join(sysfs, 'devices', diskPath, 'block', 'sdb');
  mkdirSync(join(disk, 'sdb1'), { recursive: true });
  writeFileSync(join(disk, 'removable'), `${removable}\n`);
  mkdirSync(join(sysfs, 'dev', 'block'), { recursive: true });
  symlinkSync(join(disk, 'sdb1'), join(sysfs, 'dev', 'block', deviceOf(path)));
  return sysfs;
}

function refusal(path: string, media: Media): KeywardError {
  try {
    trustedModulePath(path, undefined, media);
  } catch (error) {
    return error as KeywardError;
  }
  throw new Error(`${path} was accepted as a PKCS#11 module Keyward may load`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-removable-module-'));
  marker = join(dir, 'the-module-ran');
  writeFileSync(
    join(dir, 'evil.c'),
    `#include <stdio.h>\n__attribute__((constructor)) static void ran(void) { FILE *f = fopen("${marker}", "w"); if (f) { fputs("ran", f); fclose(f); } }\nint C_GetFunctionList(void *list) { (void)list; return 0; }\n`,
  );
  execFileSync('cc', ['-shared', '-fPIC', '-o', join(dir, 'libvendor-pkcs11.so'), join(dir, 'evil.c')]);
  if (!isRoot) return;
  // The drive: its own file system, mounted under /opt, its folder and library owned by root and writable by nobody else.
  mountPoint = join('/opt', `keyward-test-drive-${randomBytes(4).toString('hex')}`);
  mkdirSync(mountPoint, { mode: 0o755 });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=8m', 'keyward-test-drive', mountPoint]);
  mounted = true;
  module = join(mountPoint, 'libvendor-pkcs11.so');
  copyFileSync(join(dir, 'libvendor-pkcs11.so'), module);
  chmodSync(module, 0o644);
}, 60_000);

afterAll(() => {
  if (mounted) execFileSync('umount', [mountPoint]);
  if (mountPoint) rmSync(mountPoint, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('a module on a removable drive is never loaded, even mounted under a system library folder and owned by root', () => {
  it('a root-owned library on a drive mounted under /opt, which Keyward lists as removable, is refused', (context) => {
    if (!isRoot) context.skip('mounting a file system under /opt needs root');
    const refused = refusal(module, { ...noDrives, mountPoints: () => [mountPoint] });
    expect(refused.code).toBe('HSM_MODULE_REFUSED');
    expect(refused.message).toContain(`it is on the removable drive mounted at ${mountPoint}`);
    expect(existsSync(marker)).toBe(false);
  });

  it('a library whose file system is on a USB block device, or one flagged removable, is refused though no drive list names it', (context) => {
    if (!isRoot) context.skip('mounting a file system under /opt needs root');
    const usb = refusal(module, {
      ...noDrives,
      sysfs: fakeSysfs(module, 'pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0', '0'),
    });
    expect(usb.code).toBe('HSM_MODULE_REFUSED');
    expect(usb.message).toContain('its file system is on a USB drive (sdb1)');
    const flagged = refusal(module, {
      ...noDrives,
      sysfs: fakeSysfs(module, 'pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0', '1'),
    });
    expect(flagged.message).toContain('its file system is on a removable drive (sdb1)');
    expect(existsSync(marker)).toBe(false);
  });

  it('drives that cannot be listed (lsblk missing) refuse the module, saying to install util-linux', () => {
    const refused = refusal(softhsmModule, {
      ...noDrives,
      mountPoints: () => {
        throw new KeywardError(
          'INTERNAL',
          'The drives could not be listed (lsblk: spawnSync lsblk ENOENT).',
          'Check that util-linux (lsblk) is installed.',
        );
      },
    });
    expect(refused.message).toContain('The drives could not be listed');
    expect(refused.nextStep).toBe('Check that util-linux (lsblk) is installed.');
  });

  it('the system disk the vendor package installed its module on is no removable drive: its module is still accepted', () => {
    expect(() => trustedModulePath(softhsmModule)).not.toThrow();
    // The same library, were its disk a USB one, would be refused: the check is the file system's, not the folder's.
    const onUsb = refusal(softhsmModule, {
      ...noDrives,
      sysfs: fakeSysfs(softhsmModule, 'pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host7/target7:0:0/7:0:0:0', '0'),
    });
    expect(onUsb.message).toContain('USB drive');
  });
});
