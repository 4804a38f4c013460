/**
 * The size limits on files brought on a drive hold while reading, not only in what stat says: a file
 * whose stat size is 0 (procfs), a bundle file that is a huge sparse file, and a FIFO named in place of
 * a file are refused precisely, without reading past the limit and without blocking.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/main/bundles/verify-bundle';
import { readSmallFile } from '../../src/main/files/read-small';
import { KeywardError } from '../../src/shared/errors';
import { bytesReadSoFar, fifoWithWatchdog, GiB, MiB, sparseFile } from '../helpers/drive-files';

const bundleLimit = '16 MiB';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-size-limits-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** An empty bundle folder; its files need not be valid: their sizes and kinds are what is attacked. */
function bundleFolder(name: string): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  return folder;
}

function refusal(read: () => unknown): KeywardError {
  try {
    read();
  } catch (error) {
    if (error instanceof KeywardError) return error;
    throw error;
  }
  throw new Error('the read was not refused');
}

describe('the small-file reader', () => {
  it('refuses a file whose stat size is 0 but whose content is larger than the limit (procfs), returning nothing', () => {
    const path = '/proc/self/maps';
    const limit = 256;
    expect(statSync(path).size).toBe(0);
    expect(readFileSync(path).length).toBeGreaterThan(limit);
    const refused = refusal(() => readSmallFile(path, limit, 'plan file'));
    expect(refused.message).toBe(
      `${path} is larger than any plan file (at most ${limit} bytes); it was not read further.`,
    );
    expect(refused.nextStep).toBe('Pick the plan file itself.');
  });

  it('refuses a symbolic link in place of the file, whatever it points to', () => {
    const path = join(dir, 'answers.yaml');
    execFileSync('ln', ['-s', '/proc/self/environ', path]);
    const refused = refusal(() => readSmallFile(path, 1024 * 1024, 'answers file'));
    expect(refused.message).toBe(`${path} is a link to another file, so it cannot be the answers file.`);
  });
});

describe('the bundle verifier', () => {
  it('refuses a 3 GiB sparse manifest as too large, naming the limit, without reading it', () => {
    const folder = bundleFolder('huge-manifest');
    sparseFile(join(folder, 'manifest.json'), 3 * GiB);
    writeFileSync(join(folder, 'manifest.json.p7s'), 'not a signature');
    const before = bytesReadSoFar();
    const startRss = process.memoryUsage().rss;
    const started = Date.now();
    const report = verifyBundle(folder, { signerFingerprint: '0'.repeat(64) });
    const read = bytesReadSoFar() - before;
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      `manifest.json is larger than any bundle file (at most ${bundleLimit}); it was not read further`,
    ]);
    expect(read).toBeLessThan(64 * MiB);
    expect(process.memoryUsage().rss - startRss).toBeLessThan(256 * MiB);
    // A sanity bound, not a timing test: reading 3 GiB would take far longer than reading 16 MiB.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses a 512 MiB signature file as too large after reading no more than the limit, not as missing', () => {
    const folder = bundleFolder('huge-signature');
    writeFileSync(join(folder, 'manifest.json'), '{}');
    sparseFile(join(folder, 'manifest.json.p7s'), 512 * MiB);
    const before = bytesReadSoFar();
    const report = verifyBundle(folder, { signerFingerprint: '0'.repeat(64) });
    const read = bytesReadSoFar() - before;
    expect(read, 'bytes read from the drive').toBeLessThan(64 * MiB);
    expect(report.problems).toEqual([
      `manifest.json.p7s is larger than any bundle file (at most ${bundleLimit}); it was not read further`,
    ]);
  });

  it('refuses a FIFO in the bundle as not a file, without blocking on it', () => {
    const folder = bundleFolder('fifo-signature');
    writeFileSync(join(folder, 'manifest.json'), '{}');
    fifoWithWatchdog(join(folder, 'manifest.json.p7s'), 5);
    const started = Date.now();
    const report = verifyBundle(folder, { signerFingerprint: '0'.repeat(64) });
    expect(Date.now() - started, 'the verifier waited for a writer on the FIFO').toBeLessThan(4000);
    expect(report.problems).toEqual(['manifest.json.p7s is not a file']);
  });
});
