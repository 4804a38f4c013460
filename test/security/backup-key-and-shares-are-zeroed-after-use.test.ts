/**
 * Security review, "also": the backup key and the custodians' shares were left in process memory. Every
 * buffer Keyward holds them in must be zeroed once used: the key drawn from the token, the copies handed
 * to the token and to the Shamir library, and the shares given at a restore. The test watches the buffers
 * themselves (memory scans would also find the language runtime's own transient copies).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBackup, planRestore } from '../../src/main/ceremonies/backup-steps';
import { planDestroyKey } from '../../src/main/ceremonies/lifecycle';
import { planGenerateCmk } from '../../src/main/ceremonies/generate-cmk';
import type { HsmClient } from '../../src/main/hsm/client';
import { readShare } from '../../src/main/backup/shares';
import { ceremonyBench, type CeremonyBench } from '../helpers/ceremony-engine';

let bench: CeremonyBench;
let dir: string;

beforeAll(async () => {
  bench = await ceremonyBench('Zeroed');
  dir = mkdtempSync(join(tmpdir(), 'keyward-zeroed-'));
  await bench.runPlanned(bench.engine(), 'generate-cmk', planGenerateCmk(bench.inventory, { keyName: 'Zeroed CMK', purpose: 'tenant data', provider: null, spec: 'AES_256', rotationDays: 365 }));
}, 180_000);

afterAll(() => {
  bench.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The HSM client as the steps use it, keeping every key value that crosses it: drawn from the token, or sent to it. */
function watchedClient(seen: Uint8Array[]): HsmClient {
  const real = bench.ws.client;
  const request: HsmClient['request'] = async (op, request, onProgress) => {
    if (op === 'kekFromValue') seen.push((request as { value: Uint8Array }).value);
    const response = await real.request(op, request, onProgress);
    if (op === 'generateRandom') seen.push(response as Uint8Array);
    return response;
  };
  return { request } as unknown as HsmClient;
}

const zeroed = (bytes: Uint8Array) => bytes.every((b) => b === 0);

describe('the backup key and the shares do not outlive their use in Keyward\'s memory', () => {
  it('after a backup and a restore, every buffer that held the backup key or a share is zeros', async () => {
    const seen: Uint8Array[] = [];
    const shares: Uint8Array[] = [];
    const drives = ['package', 'share-1', 'share-2'].map((name) => {
      const path = join(dir, name);
      mkdirSync(path);
      return path;
    });
    const [packageDrive, ...shareDrives] = drives as [string, ...string[]];
    const e = bench.engine({ rehearsal: true, client: watchedClient(seen) });
    const backedUp = await bench.runPlanned(e, 'backup', planBackup(bench.inventory, [{ name: 'Zeroed CMK', version: 1 }], 2, packageDrive, shareDrives, true));
    const result = backedUp.steps[0]?.result ?? {};
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const [i, bytes] of seen.entries()) expect(zeroed(bytes), `backup buffer ${i} (${bytes.length} bytes)`).toBe(true);

    await bench.runPlanned(bench.engine(), 'destroy-key', planDestroyKey(bench.inventory, 'Zeroed CMK', 1, dir));
    seen.length = 0;
    const shareTexts = (result.shareFolders as string[]).map((folder) => readFileSync(join(folder, 'share.txt'), 'utf8'));
    // The shares as the custodians give them to the step: they must be zeroed once the key is rebuilt.
    const given = shareTexts.map((text) => readShare(result.backupId as string, text));
    shares.push(...given);
    const plan = planRestore(bench.inventory, bench.ws.certificateDer, result.folder as string, [{ name: 'Zeroed CMK', version: 1 }]);
    const withShares = bench.engine({ client: watchedClient(seen), shareBytes: () => given });
    await bench.runPlanned(withShares, 'restore', plan);
    expect(bench.inventory.get('Zeroed CMK').versions[0]?.state).toBe('restored');
    for (const [i, bytes] of [...seen, ...shares].entries()) expect(zeroed(bytes), `restore buffer ${i} (${bytes.length} bytes)`).toBe(true);
  });
});
