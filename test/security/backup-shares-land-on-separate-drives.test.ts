/**
 * Security review, item 6: backup shares could all land on one drive, since the backup compared the
 * folders' path strings. Every share must go to a drive of its own and the package to a drive holding no
 * share, compared by device identity when planned and again just before anything is written.
 *
 * Review of that fix: the last check ran before the security officer's login and the work in the token,
 * so a drive swapped meanwhile went unseen; and "device identity" was the file system, so two partitions
 * of one USB stick passed as two drives. Drives are now the disks under the file systems (sysfs), and the
 * check runs immediately before the writes.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBackup } from '../../src/main/ceremonies/types/backup';
import { planGenerateCmk } from '../../src/main/ceremonies/types/generate-cmk';
import type { HsmClient } from '../../src/main/hsm/client/client';
import { useSysfsRoot } from '../../src/main/media/separate-drives';
import { ceremonyBench, type CeremonyBench } from '../helpers/ceremony-engine';
import { rejection, thrown } from '../helpers/rejection';
import { heldBy } from '../helpers/share-holders';

const isRoot = process.getuid?.() === 0;
let bench: CeremonyBench;
let dir: string;
const versions = [{ name: 'Backed-up CMK', version: 1 }];

beforeAll(async () => {
  bench = await ceremonyBench('Backups');
  dir = mkdtempSync(join(tmpdir(), 'keyward-backup-drives-'));
  await bench.runPlanned(
    bench.engine(),
    'generate-cmk',
    planGenerateCmk(bench.inventory, {
      keyName: 'Backed-up CMK',
      purpose: 'tenant data',
      provider: null,
      spec: 'AES_256',
      rotationDays: 365,
    }),
  );
}, 180_000);

afterAll(() => {
  bench.close();
  if (isRoot)
    for (const line of execFileSync('cat', ['/proc/mounts'], { encoding: 'utf8' }).split('\n').reverse())
      if (line.split(' ')[1]?.startsWith(dir)) execFileSync('umount', ['-l', line.split(' ')[1] ?? '']);
  rmSync(dir, { recursive: true, force: true });
});

const folder = (...names: string[]) => {
  const path = join(dir, ...names);
  mkdirSync(path, { recursive: true });
  return path;
};

const mountTmpfs = (point: string) =>
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', `keyward-${point.split('/').pop() ?? ''}`, point]);

/** The device number (MAJ:MIN) of the file system mounted at a folder, as the kernel lists it. */
const deviceNumberOf = (point: string): string => {
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .findLast((l) => l.split(' ')[4] === point);
  if (!line) throw new Error(`nothing is mounted at ${point}`);
  return line.split(' ')[2] ?? '';
};

/** A disk image with a DOS partition table of two partitions: what a USB stick partitioned in two looks like. */
function twoPartitionImage(path: string): void {
  const table = Buffer.alloc(512);
  const partition = (at: number, firstSector: number, sectors: number) => {
    table[at + 4] = 0x83; // Linux
    table.writeUInt32LE(firstSector, at + 8);
    table.writeUInt32LE(sectors, at + 12);
  };
  partition(446, 2048, 12288);
  partition(462, 14336, 16384);
  table.writeUInt16LE(0xaa55, 510);
  writeFileSync(path, table);
  truncateSync(path, 16 * 1024 * 1024);
}

/** Wraps the HSM client so that `during` runs when the step asks the token for the backup key (after the officer's login). */
function clientThat(during: () => void): HsmClient {
  const real = bench.ws.client;
  const request: HsmClient['request'] = (op, request, onProgress) => {
    if (op === 'kekFromValue') during();
    return real.request(op, request, onProgress);
  };
  return { request } as unknown as HsmClient;
}

describe('each share on a drive of its own, the package on a drive holding none', () => {
  it('refuses, on a real HSM, shares in two folders of one drive', () => {
    const refusal = thrown(() =>
      planBackup(
        bench.inventory,
        versions,
        2,
        folder('one-drive', 'package'),
        heldBy([folder('one-drive', 'share-1'), folder('one-drive', 'share-2')]),
        false,
      ),
    );
    expect(refusal.message).toContain('are on the same drive');
  });

  it('refuses two spellings of one folder, even on the rehearsal token', () => {
    const share = folder('spelt', 'share');
    const link = join(dir, 'spelt', 'link-to-share');
    symlinkSync(share, link);
    for (const rehearsal of [true, false]) {
      expect(
        () => planBackup(bench.inventory, versions, 2, folder('spelt', 'package'), heldBy([share, link]), rehearsal),
        `rehearsal ${String(rehearsal)}`,
      ).toThrow(/are on the same/);
      expect(
        () =>
          planBackup(bench.inventory, versions, 2, share, heldBy([`${share}/.`, folder('spelt', 'other')]), rehearsal),
        `rehearsal ${String(rehearsal)}`,
      ).toThrow(/are on the same/);
    }
  });

  it('checks the drives again just before writing: a share drive taken out after planning leaves nothing written', async (context) => {
    if (!isRoot) context.skip('mounting drives (tmpfs) needs root');
    const [packageDrive, share1, share2] = ['package', 'custodian-1', 'custodian-2'].map((name) =>
      folder('mounted', name),
    ) as [string, string, string];
    for (const point of [share1, share2]) mountTmpfs(point);
    const e = bench.engine();
    const id = await bench.start(
      e,
      'backup',
      planBackup(bench.inventory, versions, 2, packageDrive, heldBy([share1, share2]), false),
    );
    await bench.approve(e, id, 0);
    // Custodian 2's drive is taken out: its mount point is now a plain folder on the package's disk.
    execFileSync('umount', [share2]);
    const refusal = await rejection(e.runNext(id));
    expect(refusal.message).toContain('are on the same drive');
    expect([...readdirSync(packageDrive), ...readdirSync(share1), ...readdirSync(share2)]).toEqual([]);
    execFileSync('umount', [share1]);
  });

  it('checks the drives immediately before writing: a share drive swapped while the officer logs in and the token works leaves nothing written', async (context) => {
    if (!isRoot) context.skip('mounting drives (tmpfs) needs root');
    const [packageDrive, share1, share2] = ['package', 'custodian-1', 'custodian-2'].map((name) =>
      folder('swapped', name),
    ) as [string, string, string];
    for (const point of [share1, share2]) mountTmpfs(point);
    let swapped = false;
    // Custodian 2's drive is pulled out once the step is under way: its mount point is a plain folder on the package's disk again.
    const e = bench.engine({
      client: clientThat(() => {
        if (swapped) return;
        execFileSync('umount', [share2]);
        swapped = true;
      }),
    });
    const id = await bench.start(
      e,
      'backup',
      planBackup(bench.inventory, versions, 2, packageDrive, heldBy([share1, share2]), false),
    );
    await bench.approve(e, id, 0);
    const refusal = await rejection(e.runNext(id));
    expect(swapped).toBe(true);
    expect(refusal.message).toContain('are on the same drive');
    expect([...readdirSync(packageDrive), ...readdirSync(share1), ...readdirSync(share2)]).toEqual([]);
    expect(bench.tokenObjects().filter((o) => o.label.startsWith('Keyward backup key'))).toEqual([]);
    execFileSync('umount', [share1]);
  });

  it('refuses shares on two partitions of one USB stick (a real disk image with two partitions)', (context) => {
    if (!isRoot) context.skip('attaching a disk image and mounting its partitions needs root');
    const image = join(dir, 'stick.img');
    twoPartitionImage(image);
    let stick: string;
    try {
      stick = execFileSync('losetup', ['--partscan', '--find', '--show', image], { encoding: 'utf8' }).trim();
    } catch {
      context.skip('no loop device to attach a disk image to');
      return;
    }
    const [packageDrive, share1, share2] = ['package', 'custodian-1', 'custodian-2'].map((name) =>
      folder('partitions', name),
    ) as [string, string, string];
    try {
      // Without udev the kernel may not have read the partition table yet.
      if (!existsSync(`${stick}p1`)) execFileSync('partx', ['--add', stick]);
      for (const [i, point] of [share1, share2].entries()) {
        execFileSync('mkfs.ext4', ['-q', `${stick}p${i + 1}`]);
        execFileSync('mount', [`${stick}p${i + 1}`, point]);
      }
      expect(deviceNumberOf(share1)).not.toBe(deviceNumberOf(share2));
      const refusal = thrown(() =>
        planBackup(bench.inventory, versions, 2, packageDrive, heldBy([share1, share2]), false),
      );
      expect(refusal.message).toContain(`are on the same drive (${stick.split('/').pop() ?? ''})`);
    } finally {
      for (const point of [share1, share2])
        if (readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${point} `)) execFileSync('umount', [point]);
      execFileSync('losetup', ['--detach', stick]);
    }
  });

  it('tells drives apart by the disk under each file system, as sysfs describes it (two partitions of one disk, one of them encrypted)', (context) => {
    if (!isRoot) context.skip('mounting drives (tmpfs) needs root');
    const [packageDrive, share1, share2] = ['package', 'custodian-1', 'custodian-2'].map((name) =>
      folder('simulated', name),
    ) as [string, string, string];
    for (const point of [share1, share2]) mountTmpfs(point);
    // A sysfs tree in which share 1's file system is partition 1 of the stick sdz, and share 2's is a LUKS mapping of its partition 2.
    const sys = folder('simulated-sysfs');
    const tree = (path: string) => mkdirSync(join(sys, path), { recursive: true });
    tree('devices/pci0000:00/usb1/1-1/block/sdz/sdz1');
    tree('devices/pci0000:00/usb1/1-1/block/sdz/sdz2');
    tree('devices/pci0000:00/usb2/2-1/block/sdy/sdy1');
    tree('devices/virtual/block/dm-0/slaves');
    tree('dev/block');
    for (const partition of ['sdz/sdz1', 'sdz/sdz2', 'sdy/sdy1'])
      writeFileSync(
        join(
          sys,
          'devices/pci0000:00',
          partition.startsWith('sdy') ? 'usb2/2-1' : 'usb1/1-1',
          'block',
          partition,
          'partition',
        ),
        '1\n',
      );
    symlinkSync('../../../../pci0000:00/usb1/1-1/block/sdz/sdz2', join(sys, 'devices/virtual/block/dm-0/slaves/sdz2'));
    const device = (point: string, target: string) => {
      rmSync(join(sys, 'dev/block', deviceNumberOf(point)), { force: true });
      symlinkSync(`../../devices/${target}`, join(sys, 'dev/block', deviceNumberOf(point)));
    };
    const restore = useSysfsRoot(sys);
    try {
      device(share1, 'pci0000:00/usb1/1-1/block/sdz/sdz1');
      device(share2, 'virtual/block/dm-0');
      const refusal = thrown(() =>
        planBackup(bench.inventory, versions, 2, packageDrive, heldBy([share1, share2]), false),
      );
      expect(refusal.message).toContain('are on the same drive (sdz)');
      // Share 2 on a partition of another stick: two drives. The package's disk is not in this tree: told apart by its device number.
      device(share2, 'pci0000:00/usb2/2-1/block/sdy/sdy1');
      expect(
        planBackup(bench.inventory, versions, 2, packageDrive, heldBy([share1, share2]), false).steps,
      ).toHaveLength(1);
    } finally {
      restore();
      for (const point of [share1, share2]) execFileSync('umount', [point]);
    }
  });
});
