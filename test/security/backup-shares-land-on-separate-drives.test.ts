/**
 * Security review, item 6: backup shares could all land on one drive, since the backup compared the
 * folders' path strings. Every share must go to a drive of its own and the package to a drive holding no
 * share, compared by device identity when planned and again just before anything is written.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBackup } from '../../src/main/ceremonies/backup-steps';
import { planGenerateCmk } from '../../src/main/ceremonies/generate-cmk';
import { ceremonyBench, type CeremonyBench } from '../helpers/ceremony-engine';
import { rejection, thrown } from '../helpers/rejection';

const isRoot = process.getuid?.() === 0;
let bench: CeremonyBench;
let dir: string;
const versions = [{ name: 'Backed-up CMK', version: 1 }];

beforeAll(async () => {
  bench = await ceremonyBench('Backups');
  dir = mkdtempSync(join(tmpdir(), 'keyward-backup-drives-'));
  await bench.runPlanned(bench.engine(), 'generate-cmk', planGenerateCmk(bench.inventory, { keyName: 'Backed-up CMK', purpose: 'tenant data', provider: null, spec: 'AES_256', rotationDays: 365 }));
}, 180_000);

afterAll(() => {
  bench.close();
  if (isRoot) for (const line of execFileSync('cat', ['/proc/mounts'], { encoding: 'utf8' }).split('\n').reverse()) if (line.split(' ')[1]?.startsWith(dir)) execFileSync('umount', ['-l', line.split(' ')[1] ?? '']);
  rmSync(dir, { recursive: true, force: true });
});

const folder = (...names: string[]) => {
  const path = join(dir, ...names);
  mkdirSync(path, { recursive: true });
  return path;
};

describe('each share on a drive of its own, the package on a drive holding none', () => {
  it('refuses, on a real HSM, shares in two folders of one drive', () => {
    const refusal = thrown(() => planBackup(bench.inventory, versions, 2, folder('one-drive', 'package'), [folder('one-drive', 'share-1'), folder('one-drive', 'share-2')], false));
    expect(refusal.message).toContain('are on the same drive');
  });

  it('refuses two spellings of one folder, even on the rehearsal token', () => {
    const share = folder('spelt', 'share');
    const link = join(dir, 'spelt', 'link-to-share');
    symlinkSync(share, link);
    for (const rehearsal of [true, false]) {
      expect(() => planBackup(bench.inventory, versions, 2, folder('spelt', 'package'), [share, link], rehearsal), `rehearsal ${String(rehearsal)}`).toThrow(/are on the same/);
      expect(() => planBackup(bench.inventory, versions, 2, share, [`${share}/.`, folder('spelt', 'other')], rehearsal), `rehearsal ${String(rehearsal)}`).toThrow(/are on the same/);
    }
  });

  it('checks the drives again just before writing: a share drive taken out after planning leaves nothing written', async (context) => {
    if (!isRoot) context.skip('mounting drives (tmpfs) needs root');
    const [packageDrive, share1, share2] = ['package', 'custodian-1', 'custodian-2'].map((name) => folder('mounted', name)) as [string, string, string];
    for (const point of [share1, share2]) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', `keyward-${point.split('/').pop() ?? ''}`, point]);
    const e = bench.engine();
    const id = await bench.start(e, 'backup', planBackup(bench.inventory, versions, 2, packageDrive, [share1, share2], false));
    await bench.approve(e, id, 0);
    // Custodian 2's drive is taken out: its mount point is now a plain folder on the package's disk.
    execFileSync('umount', [share2]);
    const refusal = await rejection(e.runNext(id));
    expect(refusal.message).toContain('are on the same drive');
    expect([...readdirSync(packageDrive), ...readdirSync(share1), ...readdirSync(share2)]).toEqual([]);
    execFileSync('umount', [share1]);
  });
});
