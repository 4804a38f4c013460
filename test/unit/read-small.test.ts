/**
 * The small-file reader (files brought on a drive: plans, shares, keys): reads a file up to its limit,
 * refuses one byte more without reading much further, and refuses a FIFO without blocking on it. (Files
 * whose stat size lies, links, and the bundle verifier are attacked in
 * test/security/file-size-limits-hold-while-reading.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSmallFile } from '../../src/main/files/read-small';
import { bytesReadSoFar, fifoWithWatchdog, MiB, sparseFile } from '../helpers/drive-files';
import { thrown } from '../helpers/rejection';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-read-small-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the small-file reader', () => {
  it('reads no more than the limit and one byte of a file over the limit', () => {
    const limit = 4 * MiB;
    const path = join(dir, 'share.txt');
    sparseFile(path, 512 * MiB);
    const before = bytesReadSoFar();
    const refused = thrown(() => readSmallFile(path, limit, 'share file'));
    const read = bytesReadSoFar() - before;
    expect(refused.message).toContain('larger than any share file');
    expect(refused.message).toMatch(new RegExp(`at most ${limit}\\b`));
    expect(read).toBeLessThan(limit + MiB);
  });

  it('still refuses a FIFO as not a file, without blocking on it', () => {
    const path = join(dir, 'plan.yaml');
    fifoWithWatchdog(path, 5);
    const started = Date.now();
    const refused = thrown(() => readSmallFile(path, 1024, 'plan file'));
    expect(Date.now() - started, 'the reader waited for a writer on the FIFO').toBeLessThan(4000);
    expect(refused.message).toBe(`${path} is not a file, so it cannot be the plan file.`);
  });

  it('reads a file of exactly the limit, and refuses one byte more', () => {
    const path = join(dir, 'key.pem');
    writeFileSync(path, Buffer.alloc(100, 0x41));
    expect(readSmallFile(path, 100, "provider's wrapping key file").length).toBe(100);
    expect(thrown(() => readSmallFile(path, 99, "provider's wrapping key file")).message).toMatch(
      /larger than any provider's wrapping key file \(at most 99\b/,
    );
  });
});
