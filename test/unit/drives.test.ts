import { describe, expect, it } from 'vitest';
import { usableDrives } from '../../src/main/media/drive-access';
import { listRemovableDrives, parseDrives } from '../../src/main/media/drives';
import type { RemovableDrive } from '../../src/shared/media';

/** lsblk --json --bytes output of a workstation with one USB stick (two partitions, one mounted read-only) and an SD card. */
const lsblk = JSON.stringify({
  blockdevices: [
    {
      path: '/dev/nvme0n1',
      rm: false,
      hotplug: false,
      tran: 'nvme',
      mountpoints: [null],
      label: null,
      size: 512110190592,
      fsavail: null,
      ro: false,
      children: [
        {
          path: '/dev/nvme0n1p1',
          rm: false,
          hotplug: false,
          tran: null,
          mountpoints: ['/'],
          label: 'root',
          size: 512000000000,
          fsavail: 100000000000,
          ro: false,
        },
      ],
    },
    {
      path: '/dev/sda',
      rm: true,
      hotplug: true,
      tran: 'usb',
      mountpoints: [null],
      label: null,
      size: 16008609792,
      fsavail: null,
      ro: false,
      children: [
        {
          path: '/dev/sda1',
          rm: true,
          hotplug: true,
          tran: null,
          mountpoints: ['/media/officer/KEYWARD USB'],
          label: 'KEYWARD USB',
          size: 8000000000,
          fsavail: 7999000000,
          ro: false,
        },
        {
          path: '/dev/sda2',
          rm: true,
          hotplug: true,
          tran: null,
          mountpoints: ['/media/officer/PARAMS'],
          label: 'PARAMS',
          size: 8000000000,
          fsavail: 100,
          ro: false,
        },
      ],
    },
    {
      path: '/dev/mmcblk0',
      rm: false,
      hotplug: true,
      tran: null,
      mountpoints: ['/media/officer/SD'],
      label: 'SD',
      size: 32000000000,
      fsavail: 31000000000,
      ro: false,
    },
    {
      path: '/dev/sdb',
      rm: true,
      hotplug: true,
      tran: 'usb',
      mountpoints: [null],
      label: null,
      size: 1000,
      fsavail: null,
      ro: false,
    },
  ],
});
const mounts = [
  '/dev/nvme0n1p1 / ext4 rw,relatime 0 0',
  '/dev/sda1 /media/officer/KEYWARD\\040USB vfat rw,nosuid 0 0',
  '/dev/sda2 /media/officer/PARAMS vfat ro,nosuid 0 0',
  '/dev/mmcblk0 /media/officer/SD exfat rw 0 0',
].join('\n');

it('lists mounted removable drives and partitions only, with read-only mounts marked', () => {
  expect(parseDrives(lsblk, mounts)).toEqual([
    {
      device: '/dev/sda1',
      label: 'KEYWARD USB',
      mountPoint: '/media/officer/KEYWARD USB',
      sizeBytes: 8000000000,
      availableBytes: 7999000000,
      readOnly: false,
      transport: 'usb',
    },
    {
      device: '/dev/sda2',
      label: 'PARAMS',
      mountPoint: '/media/officer/PARAMS',
      sizeBytes: 8000000000,
      availableBytes: 100,
      readOnly: true,
      transport: 'usb',
    },
    {
      device: '/dev/mmcblk0',
      label: 'SD',
      mountPoint: '/media/officer/SD',
      sizeBytes: 32000000000,
      availableBytes: 31000000000,
      readOnly: false,
      transport: null,
    },
  ]);
});

it('refuses lsblk output it does not recognise', () => {
  expect(() => parseDrives(JSON.stringify({ blockdevices: [{ name: 'sda' }] }), '')).toThrow(/does not recognise/);
});

it("reads this machine's drives through lsblk", () => {
  const drives = listRemovableDrives();
  expect(Array.isArray(drives)).toBe(true);
  for (const d of drives) expect(d.mountPoint.startsWith('/')).toBe(true);
});

describe('drives the app may use', () => {
  const drive = (mountPoint: string): RemovableDrive => ({
    device: '/dev/sdb1',
    label: null,
    mountPoint,
    sizeBytes: 1,
    availableBytes: 1,
    readOnly: false,
    transport: 'usb',
  });
  it('keeps removable media mounted under /media, /run/media or /mnt, and never the root, a system folder or the data directory', () => {
    const drives = [
      '/media/officer/KEYWARD-USB',
      '/run/media/alice/STICK',
      '/mnt/usb',
      '/',
      '/boot/efi',
      '/home',
      '/media',
      '/media/officer/DATA',
    ].map(drive);
    expect(usableDrives(drives, '/media/officer/DATA/keyward').map((d) => d.mountPoint)).toEqual([
      '/media/officer/KEYWARD-USB',
      '/run/media/alice/STICK',
      '/mnt/usb',
    ]);
  });
});
