/**
 * Removable drives the officers can write bundles and exports to, found without root: lsblk for the
 * devices (removable, hot-plugged or on USB, with their partitions), /proc/mounts for how each is
 * mounted (a drive mounted read-only is listed as such, so nobody waits for a write that cannot happen).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { KeywardError } from '../../shared/errors';
import type { RemovableDrive } from '../../shared/media';

export type { RemovableDrive };

interface LsblkDevice {
  path: string;
  rm: boolean;
  hotplug: boolean;
  tran: string | null;
  mountpoints: (string | null)[];
  label: string | null;
  size: number;
  fsavail: number | null;
  ro: boolean;
  children?: LsblkDevice[];
}

const device: z.ZodType<LsblkDevice> = z.lazy(() =>
  z.object({
    path: z.string(),
    rm: z.boolean(),
    hotplug: z.boolean(),
    tran: z.string().nullable(),
    mountpoints: z.array(z.string().nullable()),
    label: z.string().nullable(),
    size: z.number(),
    fsavail: z.number().nullable(),
    ro: z.boolean(),
    children: z.array(device).optional(),
  }),
);
const lsblkOutput = z.object({ blockdevices: z.array(device) });

export const lsblkArgs = ['--json', '--bytes', '--output', 'PATH,RM,HOTPLUG,TRAN,MOUNTPOINTS,LABEL,SIZE,FSAVAIL,RO'];

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
const unescapeMount = (field: string): string =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

export function readOnlyMounts(procMounts: string): Set<string> {
  const readOnly = new Set<string>();
  for (const line of procMounts.split('\n')) {
    const [, mountPoint, , options] = line.split(' ');
    if (mountPoint && options?.split(',').includes('ro')) readOnly.add(unescapeMount(mountPoint));
  }
  return readOnly;
}

export function parseDrives(lsblkJson: string, procMounts: string): RemovableDrive[] {
  const parsed = lsblkOutput.safeParse(JSON.parse(lsblkJson));
  if (!parsed.success)
    throw new KeywardError(
      'INTERNAL',
      'lsblk reported the drives in a form Keyward does not recognise.',
      'Check that util-linux is installed (lsblk), then try again.',
    );
  const readOnly = readOnlyMounts(procMounts);
  const drives: RemovableDrive[] = [];
  const visit = (d: LsblkDevice, removableParent: boolean, transport: string | null): void => {
    const removable = removableParent || d.rm || d.hotplug || d.tran === 'usb';
    const tran = d.tran ?? transport;
    if (removable) {
      for (const mountPoint of d.mountpoints) {
        if (!mountPoint) continue;
        drives.push({
          device: d.path,
          label: d.label,
          mountPoint,
          sizeBytes: d.size,
          availableBytes: d.fsavail,
          readOnly: d.ro || readOnly.has(mountPoint),
          transport: tran,
        });
      }
    }
    for (const child of d.children ?? []) visit(child, removable, tran);
  };
  for (const d of parsed.data.blockdevices) visit(d, false, null);
  return drives;
}

export function listRemovableDrives(): RemovableDrive[] {
  let output: string;
  try {
    output = execFileSync('lsblk', lsblkArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new KeywardError(
      'INTERNAL',
      `The drives could not be listed (lsblk: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}).`,
      'Check that util-linux (lsblk) is installed.',
    );
  }
  return parseDrives(output, readFileSync('/proc/mounts', 'utf8'));
}
