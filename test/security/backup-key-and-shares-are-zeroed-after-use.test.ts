/**
 * Security review, "also": the backup key and the custodians' shares were left in process memory. Every
 * buffer Keyward holds them in must be zeroed once used: the key drawn from the token, the copies handed
 * to the token and to the Shamir library, and the shares given at a restore. The test watches the buffers
 * themselves (memory scans would also find the language runtime's own transient copies).
 *
 * Review of that fix: the shares given at a restore were zeroed only once combined, so a restore refused
 * for too few shares left them in memory.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readShare } from '../../src/main/backup/shares';
import { planBackup } from '../../src/main/ceremonies/types/backup';
import { planDestroyKey } from '../../src/main/ceremonies/types/destroy-key';
import { planGenerateCmk } from '../../src/main/ceremonies/types/generate-cmk';
import { planRestore } from '../../src/main/ceremonies/types/restore';
import type { HsmClient } from '../../src/main/hsm/client/client';
import { ceremonyBench, type CeremonyBench } from '../helpers/ceremony-engine';
import { rejection } from '../helpers/rejection';
import { heldBy } from '../helpers/share-holders';

let bench: CeremonyBench;
let dir: string;

beforeAll(async () => {
  bench = await ceremonyBench('Zeroed');
  dir = mkdtempSync(join(tmpdir(), 'keyward-zeroed-'));
  await bench.runPlanned(
    bench.engine(),
    'generate-cmk',
    planGenerateCmk(bench.inventory, {
      keyName: 'Zeroed CMK',
      purpose: 'tenant data',
      provider: null,
      spec: 'AES_256',
      rotationDays: 365,
    }),
  );
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

describe("the backup key and the shares do not outlive their use in Keyward's memory", () => {
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
    const backedUp = await bench.runPlanned(
      e,
      'backup',
      planBackup(bench.inventory, [{ name: 'Zeroed CMK', version: 1 }], 2, packageDrive, heldBy(shareDrives), true),
    );
    const result = backedUp.steps[0]?.result ?? {};
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const [i, bytes] of seen.entries())
      expect(zeroed(bytes), `backup buffer ${i} (${bytes.length} bytes)`).toBe(true);

    await bench.runPlanned(bench.engine(), 'destroy-key', planDestroyKey(bench.inventory, 'Zeroed CMK', 1, dir));
    seen.length = 0;
    const shareTexts = (result.shareFolders as string[]).map((folder) =>
      readFileSync(join(folder, 'share.txt'), 'utf8'),
    );
    // The shares as the custodians give them to the step: they must be zeroed once the key is rebuilt.
    const given = shareTexts.map((text) => readShare(result.backupId as string, text));
    shares.push(...given);
    const plan = planRestore(bench.inventory, bench.ws.certificateDer, result.folder as string, [
      { name: 'Zeroed CMK', version: 1 },
    ]);
    const withShares = bench.engine({ client: watchedClient(seen), shareBytes: () => given });
    await bench.runPlanned(withShares, 'restore', plan);
    expect(bench.inventory.get('Zeroed CMK').versions[0]?.state).toBe('restored');
    for (const [i, bytes] of [...seen, ...shares].entries())
      expect(zeroed(bytes), `restore buffer ${i} (${bytes.length} bytes)`).toBe(true);
  });

  it('a restore refused for too few shares still zeroes the share it was given', async () => {
    await bench.runPlanned(
      bench.engine(),
      'generate-cmk',
      planGenerateCmk(bench.inventory, {
        keyName: 'Short CMK',
        purpose: 'tenant data',
        provider: null,
        spec: 'AES_256',
        rotationDays: 365,
      }),
    );
    const drives = ['short-package', 'short-share-1', 'short-share-2'].map((name) => {
      const path = join(dir, name);
      mkdirSync(path);
      return path;
    });
    const [packageDrive, ...shareDrives] = drives as [string, ...string[]];
    const backedUp = await bench.runPlanned(
      bench.engine({ rehearsal: true }),
      'backup',
      planBackup(bench.inventory, [{ name: 'Short CMK', version: 1 }], 2, packageDrive, heldBy(shareDrives), true),
    );
    const result = backedUp.steps[0]?.result ?? {};
    await bench.runPlanned(bench.engine(), 'destroy-key', planDestroyKey(bench.inventory, 'Short CMK', 1, dir));
    // One custodian of the two needed comes: the step must refuse, and forget the share it was given.
    const [firstShare] = (result.shareFolders as string[]).map((folder) =>
      readShare(result.backupId as string, readFileSync(join(folder, 'share.txt'), 'utf8')),
    );
    const given = [firstShare ?? new Uint8Array()];
    expect(zeroed(given[0] ?? new Uint8Array())).toBe(false);
    const e = bench.engine({ shareBytes: () => given });
    const id = await bench.start(
      e,
      'restore',
      planRestore(bench.inventory, bench.ws.certificateDer, result.folder as string, [
        { name: 'Short CMK', version: 1 },
      ]),
    );
    await bench.approve(e, id, 0);
    const refusal = await rejection(e.runNext(id));
    expect(refusal.code).toBe('QUORUM_NOT_MET');
    expect(zeroed(given[0] ?? new Uint8Array()), 'the share given to a refused restore').toBe(true);
  });
});
