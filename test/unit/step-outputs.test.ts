/**
 * What a step that did not complete had written is removed only where it was written: on the same drive.
 * A drive taken out (its empty mount point left), or another drive mounted in its place, is never touched.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { claimOf, removeOutputs } from '../../src/main/ceremonies/step-outputs';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-outputs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("removes a claimed folder and the writers' hidden temporaries, and nothing else", () => {
  const bundle = join(dir, 'keyward-aws-kms-Tenant-v1-0a1b2c3d');
  const claim = claimOf(bundle);
  mkdirSync(bundle);
  writeFileSync(join(bundle, 'manifest.json'), '{}');
  mkdirSync(join(dir, '.keyward-aws-kms-Tenant-v1-0a1b2c3d.partial-1234'));
  writeFileSync(join(dir, 'keyward-aws-kms-Tenant-v1-0a1b2c3d.partial-notes.txt'), "an officer's own file");
  writeFileSync(join(dir, 'other.txt'), 'kept');
  expect(claim).toBeDefined();
  const result = removeOutputs(claim ? [claim] : []);
  expect(result.removed).toHaveLength(2);
  expect(result.unreachable).toEqual([]);
  expect(readdirSync(dir).sort()).toEqual(['keyward-aws-kms-Tenant-v1-0a1b2c3d.partial-notes.txt', 'other.txt']);
});

it('claims nothing in a folder that is not there, and names an output whose folder is gone', () => {
  expect(claimOf(join(dir, 'missing', 'bundle'))).toBeUndefined();
  const drive = join(dir, 'drive');
  mkdirSync(drive);
  const claim = claimOf(join(drive, 'bundle'));
  rmSync(drive, { recursive: true });
  expect(removeOutputs(claim ? [claim] : [])).toEqual({ removed: [], unreachable: [join(drive, 'bundle')] });
});

it('never touches the empty mount point of a drive taken out', (context) => {
  if (process.getuid?.() !== 0) context.skip('mounting drives needs root');
  const point = join(dir, 'KEYWARD-USB');
  mkdirSync(point);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'keyward-test-drive', point]);
  const claim = claimOf(join(point, 'audit.jsonl'));
  writeFileSync(join(point, 'audit.jsonl'), 'written by the step');
  execFileSync('umount', [point]);
  writeFileSync(join(point, 'audit.jsonl'), 'a file under the mount point itself');
  expect(removeOutputs(claim ? [claim] : [])).toEqual({ removed: [], unreachable: [join(point, 'audit.jsonl')] });
  expect(readdirSync(point)).toEqual(['audit.jsonl']);
});

it("never removes an entry older than the claim: another drive's file of the same name", () => {
  const path = join(dir, 'audit.jsonl');
  writeFileSync(path, 'an older export, on the drive now at that place');
  const claim = claimOf(path);
  expect(claim).toBeDefined();
  // Claimed a minute after the file last changed.
  const later = { path, device: claim?.device ?? 0, claimedAt: Date.now() + 60_000 };
  expect(removeOutputs([later])).toEqual({ removed: [], unreachable: [path] });
  expect(readdirSync(dir)).toEqual(['audit.jsonl']);
});
