/**
 * The upload commands of real bundles, run with the providers' own clients, exactly as each README
 * writes them: Debian's AWS CLI against a loopback stand-in for KMS that records the ImportKeyMaterial
 * request (and, for the rotation options Debian's 2.9 lacks, AWS's SDK for JavaScript sending the same
 * command); Debian's Azure CLI, offline, which must get past its argument parsing and validation for RSA,
 * EC and (Managed HSM) AES keys, in the public and a sovereign cloud.
 */
import {
  ImportKeyMaterialCommand,
  KMSClient,
  RotateKeyOnDemandCommand,
  type ImportKeyMaterialCommandInput,
} from '@aws-sdk/client-kms';
import { execFile, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProviderImport } from '../../src/main/providers/registry';
import type { CmkSpec } from '../../src/shared/keys';
import type { ProviderImport } from '../../src/shared/providers';
import { exportBench, type ExportBench } from '../helpers/export-bench';
import { readmeCommands, startKmsRecorder, type KmsRecorder } from '../helpers/kms-recorder';

// Debian's clients; an `aws` earlier in PATH (a shim) may be another program.
const awsCli = '/usr/bin/aws';
const azCli = '/usr/bin/az';

let bench: ExportBench;
let recorder: KmsRecorder;
let home: string;

beforeAll(async () => {
  bench = await exportBench('Clients');
  // SoftHSM is a token for rehearsals: its padded wrap of RSA keys goes on, with the finding in the README.
  bench.context.rehearsal = { token: 'the test SoftHSM token', findings: [] };
  recorder = await startKmsRecorder();
  home = join(bench.dir, 'home');
  mkdirSync(home);
}, 120_000);

afterAll(async () => {
  await recorder.close();
  bench.close();
});

const keyId = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const wrappingKeys = new Map<string, Awaited<ReturnType<ExportBench['wrappingKey']>>>();

/** A bundle of a CMK version for these import parameters; its folder, README and manifest. */
async function bundle(params: ProviderImport, key: { name: string; version: number }) {
  const wrappingKey = wrappingKeys.get(params.wrappingKeyFingerprint) ?? (await bench.wrappingKey(params));
  wrappingKeys.set(params.wrappingKeyFingerprint, wrappingKey);
  const result = await bench.exportBundle(params, key, wrappingKey);
  return { ...result, readme: readFileSync(join(result.folder, 'README.txt'), 'utf8') };
}

describe('AWS KMS', () => {
  const awsKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' });
  const importToken = randomBytes(256);
  const awsParams = (fields: Record<string, string> = {}) =>
    readProviderImport(
      'aws-kms',
      { wrappingKey: awsKey, importToken },
      {
        keyId,
        algorithm: 'RSAES_OAEP_SHA_1',
        parametersValidTo: new Date(Date.now() + 86_400_000).toISOString(),
        ...fields,
      },
    );

  /** The README's words run by Debian's AWS CLI in the bundle folder, against the recorder, with dummy credentials. */
  // Run without blocking this process, which answers as the recorder.
  const runAws = (words: string[], cwd: string) =>
    new Promise<{ status: number; stderr: string }>((resolve) => {
      execFile(
        awsCli,
        [...words.slice(1), '--endpoint-url', recorder.endpoint, '--region', 'eu-west-1'],
        { cwd, encoding: 'utf8', env: awsEnv() },
        (error, _stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
  const awsEnv = () => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'keyward-test-secret',
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
  });

  const files = (folder: string) => ({
    EncryptedKeyMaterial: readFileSync(join(folder, 'EncryptedKeyMaterial.bin')).toString('base64'),
    ImportToken: readFileSync(join(folder, 'ImportToken.bin')).toString('base64'),
  });

  it('is Debian’s AWS CLI, not a shim', () => {
    expect(existsSync(awsCli)).toBe(true);
    expect(spawnSync(awsCli, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^aws-cli\/2\./);
  });

  it("sends the first import byte-exact through the real AWS CLI, as the README's command says", async () => {
    const key = await bench.cmk('AES_256');
    const made = await bundle(awsParams(), key);
    const [upload, ...others] = readmeCommands(made.readme, 'aws kms import-key-material');
    expect(others).toEqual([]);
    const before = recorder.requests.length;
    const run = await runAws(upload ?? [], made.folder);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(recorder.requests.slice(before)).toEqual([
      {
        target: 'TrentService.ImportKeyMaterial',
        contentType: 'application/x-amz-json-1.1',
        body: { KeyId: keyId, ...files(made.folder), ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' },
      },
    ]);
    // What went is what the manifest signed: the token's own bytes, and the import token it records.
    expect(Buffer.from(files(made.folder).ImportToken, 'base64').equals(importToken)).toBe(true);
    expect(made.readme).toContain('kms:ImportKeyMaterial');
  }, 120_000);

  it('sends key material that expires with its ValidTo, through the real AWS CLI', async () => {
    const validTo = new Date(Date.now() + 30 * 86_400_000);
    validTo.setUTCMilliseconds(0);
    const key = await bench.cmk('HMAC_SHA512');
    const made = await bundle(awsParams({ validTo: validTo.toISOString() }), key);
    const [upload] = readmeCommands(made.readme, 'aws kms import-key-material');
    const before = recorder.requests.length;
    const run = await runAws(upload ?? [], made.folder);
    expect(run.status, run.stderr).toBe(0);
    expect(recorder.requests.slice(before).map((r) => r.body)).toEqual([
      {
        KeyId: keyId,
        ...files(made.folder),
        ExpirationModel: 'KEY_MATERIAL_EXPIRES',
        ValidTo: validTo.getTime() / 1000,
      },
    ]);
  }, 120_000);

  it('refuses, when planned, an expiry more than 365 days ahead', () => {
    expect(() => awsParams({ validTo: new Date(Date.now() + 400 * 86_400_000).toISOString() })).toThrow(
      /AWS takes ValidTo at most 365 days ahead/,
    );
  });

  it('sends a rotation as new key material: the command AWS CLI 2.27.30 takes, sent by AWS’s SDK', async () => {
    const first = await bench.cmk('AES_256');
    await bundle(awsParams(), first);
    const second = await bench.cmk('AES_256', first.name); // the rotation's new version, pending
    const made = await bundle(awsParams({ keyMaterialDescription: 'Keyward rotation 2' }), second);
    expect(made.manifest.target.importAs).toBe('new-key-material');
    const [upload] = readmeCommands(made.readme, 'aws kms import-key-material');
    expect(upload).toContain('--import-type');
    expect(made.readme).toContain('AWS CLI 2.27.30 or later');
    expect(made.readme).toContain(`aws kms rotate-key-on-demand --key-id ${keyId}`);
    // Debian's AWS CLI 2.9 is older than the option, as the README warns.
    expect((await runAws(upload ?? [], made.folder)).stderr).toMatch(/Unknown options: --import-type/);

    // The same words, as AWS's SDK takes them (each option named; an unknown one fails the test).
    const input: ImportKeyMaterialCommandInput = {
      KeyId: undefined,
      ImportToken: undefined,
      EncryptedKeyMaterial: undefined,
    };
    const words = upload ?? [];
    for (let i = 3; i < words.length; i += 2) {
      const [option, value = ''] = [words[i], words[i + 1]];
      const file = () => readFileSync(join(made.folder, value.replace(/^fileb:\/\//, '')));
      if (option === '--key-id') input.KeyId = value;
      else if (option === '--encrypted-key-material') input.EncryptedKeyMaterial = file();
      else if (option === '--import-token') input.ImportToken = file();
      else if (option === '--expiration-model') input.ExpirationModel = value as 'KEY_MATERIAL_DOES_NOT_EXPIRE';
      else if (option === '--valid-to') input.ValidTo = new Date(value);
      else if (option === '--import-type') input.ImportType = value as 'NEW_KEY_MATERIAL';
      else if (option === '--key-material-description') input.KeyMaterialDescription = value;
      else throw new Error(`the README's command has an option the test does not know: ${option ?? ''}`);
    }
    const kms = new KMSClient({
      endpoint: recorder.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'keyward-test-secret' },
      maxAttempts: 1,
    });
    const before = recorder.requests.length;
    await kms.send(new ImportKeyMaterialCommand(input));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    expect(recorder.requests.slice(before)).toEqual([
      {
        target: 'TrentService.ImportKeyMaterial',
        contentType: 'application/x-amz-json-1.1',
        body: {
          KeyId: keyId,
          ...files(made.folder),
          ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
          ImportType: 'NEW_KEY_MATERIAL',
          KeyMaterialDescription: 'Keyward rotation 2',
        },
      },
      { target: 'TrentService.RotateKeyOnDemand', contentType: 'application/x-amz-json-1.1', body: { KeyId: keyId } },
    ]);
  }, 120_000);
});

describe('Azure Key Vault and Managed HSM', () => {
  const kek = generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey.export({ type: 'spki', format: 'pem' });
  const azEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '',
    AZURE_CONFIG_DIR: '',
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_NO_COLOR: 'true',
  };
  /** az run offline, in the bundle folder, with a configuration of its own for each bundle (its cloud). */
  const runAz = (words: string[], cwd: string, config: string) =>
    spawnSync(azCli, words.slice(1), {
      cwd,
      encoding: 'utf8',
      env: { ...azEnv, HOME: config, AZURE_CONFIG_DIR: join(config, '.azure') },
    });
  /** What az says when it refuses its arguments: a choice, an unknown option, a missing one, or its validators'. */
  const parsingRefusal =
    /not a valid value|invalid choice|unrecognized arguments|the following arguments are required|should be specified|mutually exclusive|incorrect usage|supply exactly one/;

  const cases: { spec: CmkSpec; host: string; kty: string }[] = [
    { spec: 'RSA_3072', host: 'contoso.vault.azure.net', kty: '--kty RSA' },
    { spec: 'EC_SECP256K1', host: 'contoso.vault.azure.net', kty: '--kty EC --curve P-256K' },
    { spec: 'EC_P384', host: 'contoso.managedhsm.azure.net', kty: '--kty EC --curve P-384' },
    { spec: 'AES_256', host: 'contoso.managedhsm.azure.net', kty: '--kty oct' },
    { spec: 'RSA_2048', host: 'contoso.vault.azure.cn', kty: '--kty RSA' },
  ];

  it('is Debian’s Azure CLI, and it refuses what it must (so the checks below can fail)', () => {
    const config = join(home, 'az-control');
    mkdirSync(config, { recursive: true });
    const base = [
      'az',
      'keyvault',
      'key',
      'import',
      '--vault-name',
      'contoso',
      '--name',
      'k',
      '--byok-file',
      '/dev/null',
    ];
    expect(runAz([...base, '--kty', 'RSA-HSM'], home, config).stderr).toMatch(
      /'RSA-HSM' is not a valid value for '--kty'/,
    );
    expect(runAz([...base, '--kty', 'EC'], home, config).stderr).toMatch(/--curve should be specified/);
    expect(runAz([...base, '--kty', 'EC', '--curve-name', 'P-256'], home, config).stderr).toMatch(
      /unrecognized arguments: --curve-name/,
    );
  }, 60_000);

  it.each(cases)(
    'the README’s command for $spec on $host gets past az’s parsing',
    async ({ spec, host, kty }) => {
      const params = readProviderImport(
        'azure-key-vault',
        { wrappingKey: Buffer.from(kek) },
        { kid: `https://${host}/keys/KEK/${randomBytes(16).toString('hex')}`, keyName: 'tenant-cmk' },
      );
      const made = await bundle(params, await bench.cmk(spec));
      const commands = [
        ...readmeCommands(made.readme, 'az cloud set'),
        ...readmeCommands(made.readme, 'az keyvault key import'),
      ];
      const upload = commands.at(-1)?.join(' ') ?? '';
      const [name, kind] = host.split('.');
      expect(upload).toBe(
        `az keyvault key import ${kind === 'managedhsm' ? '--hsm-name' : '--vault-name'} ${name ?? ''} --name tenant-cmk --byok-file tenant-cmk.byok ${kty}`,
      );
      expect(commands.length).toBe(host.endsWith('.cn') ? 2 : 1); // az is pointed at Azure China first
      const config = join(home, `az-${randomBytes(4).toString('hex')}`);
      mkdirSync(config);
      for (const words of commands) {
        const run = runAz(words, made.folder, config);
        expect(run.stderr, words.join(' ')).not.toMatch(parsingRefusal);
        // Past parsing and argument validation, az stops at what needs the network (a login), or, in Debian's
        // 2.45, at a module its key vault id validator imports and the package lacks.
        if (words[2] === 'keyvault')
          expect(run.stderr).toMatch(/az login|No module named 'azure\.keyvault\.key_vault_id'/);
      }
      // The .byok file is the BYOK specification's JSON, sent whole by az as the key's key_hsm.
      const byok = JSON.parse(readFileSync(join(made.folder, 'tenant-cmk.byok'), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(byok).sort()).toEqual(['ciphertext', 'generator', 'header', 'schema_version']);
      expect(byok.schema_version).toBe('1.0.0');
      expect(byok.header).toEqual({ kid: params.target.kid, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' });
      expect(String(byok.ciphertext)).toMatch(/^[A-Za-z0-9_-]+$/);
    },
    120_000,
  );
});
