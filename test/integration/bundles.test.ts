/**
 * Upload bundles made on a real SoftHSM token for every provider: each payload is unwrapped with the
 * openssl CLI using the provider's private key the test holds, and its KCV compared with the inventory;
 * any changed byte of any file fails verification; expired windows and short quorums are refused; a
 * full drive leaves no bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle, planExport, type ExportContext, type ExportRequest } from '../../src/main/bundles/export-bundle';
import { verifyBundle } from '../../src/main/bundles/verify-bundle';
import type { HsmClient } from '../../src/main/hsm/client/client';
import type { ImportFields, ImportFiles } from '../../src/main/providers/profile';
import { readProviderImport } from '../../src/main/providers/registry';
import type { CmkSpec } from '../../src/shared/keys';
import type { Approval } from '../../src/shared/officers';
import type { ProviderId } from '../../src/shared/providers';
import { exportBench, exportPolicy, type ExportBench } from '../helpers/export-bench';
import { rejection } from '../helpers/rejection';
import { approve, type TestOfficer } from '../helpers/signed-approval';
import { importProviderWrappingKey } from '../helpers/wrapping-key';

const policy = exportPolicy;
let bench: ExportBench;
let uri: string;
let client: HsmClient;
let dir: string;
let context: ExportContext;
let signerFingerprint: string;
let officers: TestOfficer[];
let login: ExportBench['login'];

const openssl = (args: string[], input?: Buffer): Buffer =>
  execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
const aesKcv = (key: Buffer): string => {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()])
    .subarray(0, 3)
    .toString('hex');
};

beforeAll(async () => {
  bench = await exportBench('Bundles');
  ({ client, uri, dir, context, officers, signerFingerprint, login } = bench);
}, 120_000);

afterAll(() => bench.close());

interface ProviderFixture {
  privateKey: KeyObject;
  privatePem: string;
  files: ImportFiles;
  fields: ImportFields;
}

function providerKey(bits: number) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { publicKey, privateKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

function fixture(provider: ProviderId): ProviderFixture {
  switch (provider) {
    case 'aws-kms': {
      const k = providerKey(2048);
      const json = {
        KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        ImportToken: randomBytes(64).toString('base64'),
        PublicKey: k.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        ParametersValidTo: inAnHour(),
      };
      return {
        ...k,
        files: { wrappingKey: Buffer.from(JSON.stringify(json)) },
        fields: { algorithm: 'RSAES_OAEP_SHA_1' },
      };
    }
    case 'azure-key-vault': {
      const k = providerKey(3072);
      return {
        ...k,
        files: { wrappingKey: Buffer.from(k.publicKey.export({ type: 'spki', format: 'pem' })) },
        fields: {
          kid: `https://contoso.managedhsm.azure.net/keys/KEK/${randomBytes(16).toString('hex')}`, // AES keys go to Managed HSM only
          keyName: 'tenant-cmk',
        },
      };
    }
    case 'google-cloud-kms': {
      const k = providerKey(3072);
      return {
        ...k,
        files: { wrappingKey: Buffer.from(k.publicKey.export({ type: 'spki', format: 'pem' })) },
        fields: {
          importMethod: 'RSA_OAEP_3072_SHA1_AES_256',
          expireTime: inAnHour(),
          importJob: 'projects/p1/locations/europe-west1/keyRings/r1/importJobs/job-1',
          cryptoKey: 'projects/p1/locations/europe-west1/keyRings/r1/cryptoKeys/k1',
        },
      };
    }
    case 'hashicorp-vault': {
      const k = providerKey(4096);
      return {
        ...k,
        files: { wrappingKey: Buffer.from(k.publicKey.export({ type: 'spki', format: 'pem' })) },
        fields: { keyName: 'tenant-cmk', hashFunction: 'SHA1' },
      };
    }
    case 'salesforce-shield': {
      const keyPath = join(dir, `sf-${randomBytes(4).toString('hex')}.pem`);
      const certificate = openssl([
        'req',
        '-x509',
        '-newkey',
        'rsa:4096',
        '-nodes',
        '-keyout',
        keyPath,
        '-subj',
        '/CN=Salesforce BYOK/O=Example',
        '-days',
        '30',
      ]);
      const privatePem = readFileSync(keyPath, 'utf8');
      return {
        privateKey: undefined as unknown as KeyObject,
        privatePem,
        files: { wrappingKey: certificate },
        fields: { hash: 'SHA1' }, // SoftHSM 2.6 has no RSA-OAEP with SHA-512, which Salesforce recommends
      };
    }
    case 'generic': {
      const k = providerKey(2048);
      return {
        ...k,
        files: { wrappingKey: Buffer.from(k.publicKey.export({ type: 'spki', format: 'pem' })) },
        fields: { algorithm: 'RSA_AES_KEY_WRAP_SHA_1' },
      };
    }
  }
}

/** A CMK in the token and the inventory, active. */
const cmk = (spec: CmkSpec = 'AES_256') => bench.cmk(spec);

/** The SO imports the provider's key; the quorum approves; the bundle is written. */
async function makeBundle(provider: ProviderId, extra: Partial<ExportRequest> = {}) {
  const f = fixture(provider);
  const params = readProviderImport(provider, f.files, f.fields);
  const wrappingKey = await bench.wrappingKey(params);
  const key = await cmk();
  const result = await bench.exportBundle(params, key, wrappingKey, extra);
  return { ...result, fixture: f, kcv: key.kcv };
}

function keyward(args: string[]) {
  const result = spawnSync(process.execPath, ['bin/keyward.mjs', ...args], {
    env: { ...process.env, KEYWARD_DATA_DIR: join(dir, 'no-data-dir') },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The provider's side: the wrapped key opened with openssl and the provider's private key. */
function unwrapWithOpenssl(f: ProviderFixture, wrapped: Buffer, kind: 'oaep' | 'rsa-aes', rsaBytes: number): Buffer {
  const keyFile = join(dir, `provider-${randomBytes(4).toString('hex')}.pem`);
  writeFileSync(keyFile, f.privatePem);
  const oaep = (input: Buffer) =>
    openssl(
      [
        'pkeyutl',
        '-decrypt',
        '-inkey',
        keyFile,
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        'rsa_oaep_md:sha1',
        '-pkeyopt',
        'rsa_mgf1_md:sha1',
      ],
      input,
    );
  if (kind === 'oaep') return oaep(wrapped);
  const ephemeral = oaep(wrapped.subarray(0, rsaBytes));
  return openssl(
    ['enc', '-d', '-id-aes256-wrap-pad', '-K', ephemeral.toString('hex'), '-iv', 'A65959A6'],
    wrapped.subarray(rsaBytes),
  );
}

const payloads: Record<
  ProviderId,
  { file: string; decode: (bytes: Buffer) => Buffer; kind: 'oaep' | 'rsa-aes'; rsaBytes: number }
> = {
  'aws-kms': { file: 'EncryptedKeyMaterial.bin', decode: (b) => b, kind: 'oaep', rsaBytes: 256 },
  'azure-key-vault': {
    file: 'tenant-cmk.byok',
    decode: (b) => Buffer.from((JSON.parse(b.toString()) as { ciphertext: string }).ciphertext, 'base64url'),
    kind: 'rsa-aes',
    rsaBytes: 384,
  },
  'google-cloud-kms': { file: 'wrapped-key.bin', decode: (b) => b, kind: 'rsa-aes', rsaBytes: 384 },
  'hashicorp-vault': {
    file: 'ciphertext.b64',
    decode: (b) => Buffer.from(b.toString(), 'base64'),
    kind: 'rsa-aes',
    rsaBytes: 512,
  },
  'salesforce-shield': {
    file: 'encrypted-tenant-secret.b64',
    decode: (b) => Buffer.from(b.toString(), 'base64'),
    kind: 'oaep',
    rsaBytes: 512,
  },
  generic: { file: 'wrapped-key.bin', decode: (b) => b, kind: 'rsa-aes', rsaBytes: 256 },
};

describe.each(Object.keys(payloads) as ProviderId[])('a %s bundle', (provider) => {
  it('unwraps with openssl to the inventory KCV, verifies on the connected side, and says what to record', async () => {
    const { folder, fixture: f, kcv, manifest, record } = await makeBundle(provider);
    const spec = payloads[provider];
    const key = unwrapWithOpenssl(f, spec.decode(readFileSync(join(folder, spec.file))), spec.kind, spec.rsaBytes);
    expect(aesKcv(key)).toBe(kcv);
    if (provider === 'salesforce-shield') {
      expect(readFileSync(join(folder, 'tenant-secret-sha256.b64'), 'utf8')).toBe(
        createHash('sha256').update(key).digest('base64'),
      );
    }
    expect(manifest.key.kcv).toBe(kcv);
    expect(readFileSync(join(folder, 'README.txt'), 'utf8')).toContain(`--signer-fingerprint ${signerFingerprint}`);
    const report = verifyBundle(folder, { signerFingerprint });
    expect(report.problems).toEqual([]);
    expect(report.approvedBy).toEqual(['alice', 'bob']);
    const cli = keyward(['verify', folder, '--signer-fingerprint', signerFingerprint]);
    expect(cli.stdout).toContain('BUNDLE VERIFIED');
    expect(cli.code).toBe(0);
    expect(record).toMatchObject({ keyName: manifest.key.name, provider, drive: 'TEST-USB', path: folder });
    expect(readdirSync(join(folder, '..'))).toEqual([folder.split('/').at(-1)]); // nothing else left on the drive
  }, 120_000);
});

describe('the verifier', () => {
  it('fails on any single changed byte of any file of a bundle, and on an added or removed file', async () => {
    const { folder } = await makeBundle('aws-kms');
    const copy = `${folder}-mutated`;
    cpSync(folder, copy, { recursive: true });
    for (const name of readdirSync(folder)) {
      const original = readFileSync(join(folder, name));
      for (let i = 0; i < original.length; i++) {
        const changed = Buffer.from(original);
        changed[i] = (changed[i] ?? 0) ^ 0x01;
        writeFileSync(join(copy, name), changed);
        expect(verifyBundle(copy, { signerFingerprint }).ok, `${name} byte ${i}`).toBe(false);
      }
      writeFileSync(join(copy, name), original);
    }
    expect(verifyBundle(copy, { signerFingerprint }).ok).toBe(true);
    writeFileSync(join(copy, 'extra.bin'), 'x');
    expect(verifyBundle(copy, { signerFingerprint }).problems).toContain(
      'extra.bin is in the folder but not in the manifest',
    );
    rmSync(join(copy, 'README.txt'));
    expect(verifyBundle(copy, { signerFingerprint }).problems).toContain('README.txt is missing');
  }, 300_000);

  it('needs a trust anchor, and refuses another workstation key or a CA that did not issue the signer', async () => {
    const { folder } = await makeBundle('generic');
    expect(verifyBundle(folder, {}).problems).toContain(
      "no trust anchor was given: pin the workstation key fingerprint or give the organisation's CA certificate",
    );
    expect(verifyBundle(folder, { signerFingerprint: 'ab'.repeat(32) }).problems).toContain(
      'the manifest was signed by another key than the pinned workstation key',
    );
    const otherCa = openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'ca.key'),
      '-subj',
      '/CN=Other CA',
      '-days',
      '1',
    ]);
    expect(verifyBundle(folder, { caCertificate: otherCa }).problems.join()).toContain(
      'was not issued by the CA given',
    );
    expect(keyward(['verify', folder]).code).toBe(2);
  }, 120_000);

  it('refuses a bundle whose import window has closed', async () => {
    const { folder, manifest } = await makeBundle('google-cloud-kms');
    const after = new Date(new Date(manifest.wrapping.deadline ?? '').getTime() + 1000);
    expect(verifyBundle(folder, { signerFingerprint }, after).problems.join()).toContain(
      "the provider's import window closed",
    );
  }, 120_000);
});

describe('export refusals', () => {
  it('refuses import parameters whose window has already closed', () => {
    const f = fixture('aws-kms');
    const json = JSON.parse(f.files.wrappingKey.toString()) as Record<string, unknown>;
    json.ParametersValidTo = new Date(Date.now() - 1000).toISOString();
    expect(() => readProviderImport('aws-kms', { wrappingKey: Buffer.from(JSON.stringify(json)) }, f.fields)).toThrow(
      /import window closed at/,
    );
  });

  it('refuses a short or bypassed quorum, and audits the refusal', async () => {
    const f = fixture('aws-kms');
    const params = readProviderImport('aws-kms', f.files, f.fields);
    await login('security-officer');
    const wrappingKey = await importProviderWrappingKey(client, uri, context.wrappingKeys, params, 'aws quorum', {
      actors: ['alice'],
      ceremony: null,
    });
    const key = await cmk();
    await login('user');
    const base = {
      keyName: key.name,
      version: 1,
      wrappingKeyId: wrappingKey.id,
      params,
      ceremonyId: 'export-quorum',
      policy,
      destination: { parent: dir, drive: 'X' },
      actors: ['alice'],
    };
    const digest = planExport(context, base).stepDigest;
    const [alice, bob, carol] = officers as [TestOfficer, TestOfficer, TestOfficer];
    const otherDigest = createHash('sha256').update('another step').digest('hex');
    const cases: [string, Approval[], RegExp][] = [
      ['no approvals', [], /0 valid approval\(s\) of the 2/],
      [
        'one officer twice',
        [approve(alice, digest), approve(alice, digest)],
        /alice has already approved; nobody counts twice/,
      ],
      [
        'a role the policy does not allow',
        [approve(alice, digest), approve(carol, digest)],
        /the role auditor may not approve this step/,
      ],
      [
        'an approval of another step',
        [approve(alice, digest), approve(bob, otherDigest)],
        /the signature is not over this step/,
      ],
      [
        'a forged certificate',
        [approve(alice, digest), { ...approve(bob, digest), officer: 'alice' }],
        /names bob as key-custodian, not alice/,
      ],
      [
        'an approval older than the policy allows',
        [approve(alice, digest), approve(bob, digest, new Date(Date.now() - 9 * 3_600_000))],
        /more than the 8 h an approval stands under the policy, so it has expired/,
      ],
      [
        'an approval whose time was changed after signing',
        [
          approve(alice, digest),
          { ...approve(bob, digest, new Date(Date.now() - 9 * 3_600_000)), signedAt: new Date().toISOString() },
        ],
        /the signature is not over this step/,
      ],
    ];
    for (const [what, approvals, reason] of cases) {
      const error = await rejection(exportBundle(context, { ...base, approvals }));
      expect(error.code, what).toBe('QUORUM_NOT_MET');
      expect(error.message, what).toMatch(reason);
    }
    expect(
      context.log.query({ action: 'bundle.export', limit: 10 }).filter((e) => e.outcome === 'refused'),
    ).toHaveLength(cases.length);
    // A token that cannot do the wrap asked for is named, never done in software: SoftHSM has no SHA-256 OAEP.
    const sha256 = { ...params, algorithm: 'RSAES_OAEP_SHA_256' as const, providerAlgorithm: 'RSAES_OAEP_SHA_256' };
    const plan256 = planExport(context, { ...base, params: sha256 });
    const unsupported = await rejection(
      exportBundle(context, {
        ...base,
        params: sha256,
        approvals: [approve(alice, plan256.stepDigest), approve(bob, plan256.stepDigest)],
      }),
    );
    expect(unsupported.message).toMatch(/CKM_RSA_PKCS_OAEP using SHA-256/);
    expect(readdirSync(dir).filter((n) => n.startsWith('keyward-'))).toEqual([]);
  }, 120_000);

  it('leaves nothing on a full drive', async (testContext) => {
    if (process.getuid?.() !== 0) testContext.skip('mounting a small tmpfs needs root');
    const drive = join(dir, 'full-drive');
    mkdirSync(drive);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', drive]);
    try {
      writeFileSync(join(drive, 'filler'), Buffer.alloc(4096));
      const error = await rejection(makeBundle('hashicorp-vault', { destination: { parent: drive, drive: 'FULL' } }));
      expect(error.code).toBe('FILE_NOT_WRITTEN');
      expect(error.message).toContain('the drive is full');
      expect(readdirSync(drive)).toEqual(['filler']);
    } finally {
      execFileSync('umount', [drive]);
    }
  }, 120_000);
});
