/**
 * Upload bundle benchmark, through Keyward's own code on a real SoftHSM token (as
 * test/integration/bundles.test.ts makes bundles): exportBundle for AWS KMS (RSA-OAEP SHA-1 under RSA-2048,
 * approved by two officers) and the bundle's record, and verifyBundle of the folder it wrote; each beside
 * the irreducible work measured in the same run (the ceremony engine's own bookkeeping is not counted). Results: bench/out/bundle.json and bundle.md.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { exportBundle, planExport, type ExportContext, type ExportRequest } from '../src/main/bundles/export-bundle';
import { wrapSelfTest } from '../src/main/bundles/self-test';
import { verifyBundle } from '../src/main/bundles/verify-bundle';
import { newObjectId } from '../src/main/hsm/object-id';
import { readProviderImport } from '../src/main/providers/registry';
import { Bundles } from '../src/main/store/bundles';
import { Checkpoints } from '../src/main/store/checkpoints';
import { Inventory } from '../src/main/store/inventory';
import { WrappingKeys } from '../src/main/store/wrapping-keys';
import { issueCertificate } from '../src/main/x509/certificate';
import { forgetVerified } from '../src/main/x509/verified-once';
import type { QuorumPolicy } from '../src/shared/officers';
import { approve, type TestOfficer } from '../test/helpers/signed-approval';
import { testWorkstation, type TestWorkstation } from '../test/helpers/workstation';
import { importProviderWrappingKey } from '../test/helpers/wrapping-key';
import { envNumber, msSpread, secondsSince, spread, table, writeSection } from './sections';

const exports = envNumber('KEYWARD_BENCH_BUNDLE_EXPORTS', 30);
const verifications = envNumber('KEYWARD_BENCH_BUNDLE_VERIFICATIONS', 200);
const warmUp = 2;
const policy: QuorumPolicy = { quorum: 2, roles: ['security-officer', 'key-custodian'], approvalLifetimeHours: 8 };
let ws: TestWorkstation;

beforeAll(async () => {
  ws = await testWorkstation('BenchBundles');
}, 120_000);
afterAll(() => ws.close());

/** The baseline's write: the same files created new, written, fsynced; then the folder and its parent flushed. */
function writeFilesDurably(folder: string, files: { name: string; bytes: Buffer }[]): void {
  mkdirSync(folder);
  for (const file of files) {
    const fd = openSync(join(folder, file.name), 'wx', 0o600);
    let done = 0;
    while (done < file.bytes.length) done += writeSync(fd, file.bytes, done);
    fsyncSync(fd);
    closeSync(fd);
  }
  for (const dir of [folder, join(folder, '..')]) {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  }
}

/** Milliseconds that `work` takes. */
async function timed(work: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return secondsSince(start) * 1000;
}

it('measures bundle export and verification', async () => {
  const { client, uri, db, log, signer, certificateDer, dir } = ws;
  const inventory = new Inventory(db, log);
  const wrappingKeys = new WrappingKeys(db, log);
  const checkpoints = new Checkpoints(db, log);
  const bundles = new Bundles(db, log, inventory);
  const context: ExportContext = {
    client,
    uri,
    signer,
    certificateDer,
    log,
    checkpoints,
    inventory,
    wrappingKeys,
    generator: 'Keyward bench',
  };
  const validity = { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 365 * 86_400_000) };
  const officers: TestOfficer[] = [];
  for (const [name, role] of [
    ['alice', 'security-officer'],
    ['bob', 'key-custodian'],
  ] as const) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const certificate = await issueCertificate(
      {
        profile: 'approval',
        subject: { commonName: name, organization: 'Example Org', organizationalUnit: role },
        subjectSpki: pair.publicKey.export({ type: 'spki', format: 'der' }),
        issuer: { certificateDer },
        serial: randomBytes(16),
        ...validity,
      },
      signer,
    );
    officers.push({ name, role, privateKey: pair.privateKey, certificate });
  }
  await checkpoints.write(signer, ['alice']);

  // The provider's import parameters (AWS KMS: RSA-2048 wrapping key, import token, a validity window).
  const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const awsJson = {
    KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ImportToken: randomBytes(64).toString('base64'),
    PublicKey: provider.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    ParametersValidTo: new Date(Date.now() + 86_400_000).toISOString(),
  };
  const params = readProviderImport(
    'aws-kms',
    { wrappingKey: Buffer.from(JSON.stringify(awsJson)) },
    { algorithm: 'RSAES_OAEP_SHA_1' },
  );
  await client.request('login', { uri, role: 'security-officer', pinParts: ws.soPin });
  const wrappingKey = await importProviderWrappingKey(client, uri, wrappingKeys, params, 'aws bench', {
    actors: ['alice'],
    ceremony: null,
  });
  await client.request('login', { uri, role: 'user', pinParts: ws.userPin });
  const key = await client.request('generateCmk', { uri, id: newObjectId(), label: 'Bench CMK v1', spec: 'AES_256' });
  const change = { actors: ['alice', 'bob'], ceremony: 'bench-generate' };
  inventory.addKey({ name: 'Bench CMK', purpose: 'benchmark', provider: null, spec: 'AES_256' }, change);
  inventory.addVersion(
    'Bench CMK',
    { tokenSerial: 'x', tokenObjectId: key.id, tokenLabel: key.label, kcv: key.kcv },
    change,
  );
  inventory.setState('Bench CMK', 1, 'active', change);

  const drive = join(dir, 'drive');
  mkdirSync(drive);
  const base = {
    keyName: 'Bench CMK',
    version: 1,
    wrappingKeyId: wrappingKey.id,
    params,
    ceremonyId: 'bench-export',
    destination: { parent: drive, drive: 'BENCH-USB' },
  };
  const plan = planExport(context, base);
  const [alice, bob] = officers as [TestOfficer, TestOfficer];
  const request: ExportRequest = {
    ...base,
    policy,
    approvals: [approve(alice, plan.stepDigest), approve(bob, plan.stepDigest)],
    actors: ['alice', 'bob'],
  };
  const signerFingerprint = createHash('sha256').update(signer.spki).digest('hex');

  // Export through Keyward: self-test, wrap, payload, manifest, CMS signature, folder written, read back
  // and verified; then recorded, as the export step's commit records it when the step completes.
  let folder = '';
  const exportOnce = async () => {
    // Each export's approvals are new in a ceremony: nothing verified by an earlier export is remembered.
    forgetVerified();
    const result = await exportBundle(context, request);
    bundles.record(result.record, { actors: ['alice', 'bob'], ceremony: base.ceremonyId });
    folder = result.folder;
  };
  for (let i = 0; i < warmUp; i++) await exportOnce(); // also the bundle whose files the baseline writes and verification reads
  const selfTestOnce = () => wrapSelfTest(client, uri, params.algorithm, params.modulusBits, plan.step.key.spec, true);

  // Export baseline: one wrap and one signature of the manifest digest by the same token key through the
  // HSM layer, and the same files (bytes of a bundle just made) written new with write + fsync.
  const bundle = folder; // the exports below make new folders; this one is written by the baseline and verified
  const files = readdirSync(bundle).map((name) => ({ name, bytes: readFileSync(join(bundle, name)) }));
  const manifestBytes = readFileSync(join(bundle, 'manifest.json'));
  const manifestDigest = createHash('sha384').update(manifestBytes).digest();
  const baselineDrive = join(dir, 'baseline-drive');
  mkdirSync(baselineDrive);
  const exportBaselineOnce = async (name: string) => {
    await client.request('wrapOaep', {
      uri,
      targetId: key.id,
      kcv: key.kcv,
      wrappingKeyId: wrappingKey.tokenObjectId,
      fingerprint: wrappingKey.fingerprint,
      hash: 'sha1',
    });
    await signer.sign(manifestDigest);
    writeFilesDurably(join(baselineDrive, name), files);
  };

  // Verification through Keyward, as `keyward verify FOLDER --signer-fingerprint HEX` does it.
  const verifyOnce = () => {
    forgetVerified(); // as the connected side verifies a bundle: once, in a process of its own
    const report = verifyBundle(bundle, { signerFingerprint });
    if (!report.ok) throw new Error(`the bundle does not verify: ${report.problems.join('; ')}`);
  };
  // Verification baseline: read the same files, hash each, verify one signature by the same key with node:crypto.
  const signature = Buffer.from((await signer.sign(manifestBytes)).signature);
  const publicKey = createPublicKey({ key: Buffer.from(signer.spki), format: 'der', type: 'spki' });
  const verifyBaselineOnce = () => {
    for (const name of readdirSync(bundle))
      createHash('sha256')
        .update(readFileSync(join(bundle, name)))
        .digest();
    if (
      !verify(
        'sha384',
        readFileSync(join(bundle, 'manifest.json')),
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        signature,
      )
    )
      throw new Error('the baseline signature does not verify');
  };

  for (let i = 0; i < warmUp; i++) {
    await selfTestOnce();
    await exportBaselineOnce(`warm-up-${i}`);
    verifyOnce();
    verifyBaselineOnce();
  }
  // Keyward and its baseline alternate, so that a slower moment of the machine falls on both.
  const exportMs: number[] = [];
  const selfTestMs: number[] = [];
  const exportBaselineMs: number[] = [];
  for (let i = 0; i < exports; i++) {
    exportMs.push(await timed(exportOnce));
    selfTestMs.push(await timed(selfTestOnce));
    exportBaselineMs.push(await timed(() => exportBaselineOnce(`bundle-${i}`)));
  }
  const verifyMs: number[] = [];
  const verifyBaselineMs: number[] = [];
  for (let i = 0; i < verifications; i++) {
    verifyMs.push(await timed(verifyOnce));
    verifyBaselineMs.push(await timed(verifyBaselineOnce));
  }

  const results = {
    provider: 'aws-kms',
    algorithm: params.algorithm,
    workstationKey: signer.spec,
    files: files.map((f) => ({ name: f.name, bytes: f.bytes.length })),
    export: {
      keywardMs: spread(exportMs),
      baselineMs: spread(exportBaselineMs),
      selfTestMs: spread(selfTestMs),
      ratio: spread(exportMs).median / spread(exportBaselineMs).median,
    },
    verify: {
      keywardMs: spread(verifyMs),
      baselineMs: spread(verifyBaselineMs),
      ratio: spread(verifyMs).median / spread(verifyBaselineMs).median,
    },
  };
  const fine = (values: number[]) => {
    const s = spread(values);
    return `${s.median.toFixed(2)} ms (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
  };
  const totalBytes = files.reduce((sum, f) => sum + f.bytes.length, 0);
  writeSection('bundle', results, [
    `AWS KMS bundle (${params.algorithm} under RSA-${params.modulusBits}, workstation key ${signer.spec} in SoftHSM2, quorum of 2 approvals; ${files.length} files, ${totalBytes.toLocaleString('en')} bytes). Median (min–max) per operation over ${exports} exports and ${verifications} verifications, each alternating with its baseline, after ${warmUp} warm-up ones; ratio = median time ÷ the baseline's.`,
    '',
    ...table([
      {
        measure: 'export (exportBundle, then the bundle recorded)',
        keyward: msSpread(spread(exportMs)),
        baseline: msSpread(spread(exportBaselineMs)),
        ratio: results.export.ratio,
      },
      {
        measure: 'verification (verifyBundle)',
        keyward: fine(verifyMs),
        baseline: fine(verifyBaselineMs),
        ratio: results.verify.ratio,
      },
    ]),
    '',
    `Of the export, the known-answer self-test alone (a published test key of the CMK's type made a session object, one token wrap, opened in software with the published test RSA-${params.modulusBits} key; timed between the exports): ${msSpread(spread(selfTestMs))}.`,
  ]);
}, 600_000);
