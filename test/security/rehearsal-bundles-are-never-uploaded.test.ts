/**
 * A bundle made in a rehearsal (on a token that protects nothing real) must never pass for one to upload.
 * The attacker with the drive renames its folder and edits its README to drop every REHEARSAL, then removes
 * the mark from its manifest: the verifier still says REHEARSAL: DO NOT UPLOAD (and exits non-zero) for the
 * first, and refuses the second outright, as the manifest's signature no longer holds.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/main/bundles/verify-bundle';
import { readProviderImport } from '../../src/main/providers/registry';
import { exportBench, type ExportBench } from '../helpers/export-bench';

let bench: ExportBench;
beforeAll(async () => {
  bench = await exportBench('Rehearsal bundles');
  bench.context.rehearsal = { token: 'the test SoftHSM token', findings: ['it fails what the test says'] };
}, 120_000);
afterAll(() => bench.close());

const verifyCli = (folder: string) =>
  spawnSync(process.execPath, ['bin/keyward.mjs', 'verify', folder, '--signer-fingerprint', bench.signerFingerprint], {
    env: { ...process.env, KEYWARD_DATA_DIR: join(bench.dir, 'no-data-dir') },
    encoding: 'utf8',
  });

describe('a rehearsal bundle', () => {
  it('is named, signed and verified as a rehearsal, and no edit outside the signature hides it', async () => {
    const params = readProviderImport(
      'aws-kms',
      {
        wrappingKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
          type: 'spki',
          format: 'der',
        }),
        importToken: randomBytes(32),
      },
      {
        keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        algorithm: 'RSAES_OAEP_SHA_1',
        parametersValidTo: new Date(Date.now() + 3_600_000).toISOString(),
      },
    );
    const made = await bench.exportBundle(params, await bench.cmk('AES_256'), await bench.wrappingKey(params));
    expect(made.folder.split('/').at(-1)).toMatch(/^REHEARSAL-keyward-aws-kms-/);
    expect(made.manifest.rehearsal).toEqual({
      token: 'the test SoftHSM token',
      findings: ['it fails what the test says'],
    });

    // Renamed, and its README rewritten without a word of REHEARSAL.
    const renamed = join(dirname(made.folder), 'keyward-aws-kms-production');
    renameSync(made.folder, renamed);
    const readme = join(renamed, 'README.txt');
    writeFileSync(readme, readFileSync(readme, 'utf8').replace(/REHEARSAL[^\n]*\n/g, ''));
    const disguised = verifyBundle(renamed, { signerFingerprint: bench.signerFingerprint });
    expect(disguised.rehearsal?.token).toBe('the test SoftHSM token');
    const cli = verifyCli(renamed);
    expect(cli.stdout).toMatch(/^REHEARSAL: DO NOT UPLOAD/);
    expect(cli.status).toBe(1);

    // The mark taken out of the signed manifest: the signature no longer holds.
    const manifestFile = join(renamed, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    delete manifest.rehearsal;
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    const stripped = verifyBundle(renamed, { signerFingerprint: bench.signerFingerprint });
    expect(stripped.ok).toBe(false);
    expect(verifyCli(renamed).status).toBe(1);
  }, 120_000);
});
