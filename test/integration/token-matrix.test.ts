/**
 * One suite, run on every PKCS#11 implementation Debian ships that a test can start by itself: SoftHSM2
 * (Keyward's rehearsal token), NSS's softoken and tpm2-pkcs11 on a software TPM. (openCryptoki is not:
 * its slot daemon works only from fixed system paths and one host-wide shared-memory segment, so a test
 * cannot run its own; see docs/tokens/opencryptoki.md.)
 *
 * For each: its capability sheet is the one checked in under docs/tokens/ (KEYWARD_WRITE_TOKEN_SHEETS=1
 * rewrites them: npm run token-sheets); then a whole CMK life runs through the CLI, as officers run it.
 * Each export the sheet says the token can make is made, and its payload unwrapped with the openssl CLI
 * to the key check value in the inventory; each it cannot is refused when planned, with the sheet's reason.
 * NSS and the TPM do not enforce what Keyward relies on, so they serve as tokens set apart for rehearsals,
 * and everything they make says REHEARSAL with their findings; selected for production, they are refused.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/main/store/audit-log';
import { openDatabase } from '../../src/main/store/database';
import type { Capabilities } from '../../src/shared/keys';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { wraps, wrapsWithRfc5649, type TokenNeed } from '../../src/shared/token-needs';
import { sheetMarkdown, type CapabilitySheet } from '../../src/shared/token-sheet';
import { foundingPassphrases, workstationInitArgs } from '../helpers/founding';
import { makeNssDatabase, nssModule, nssTokenLabel } from '../helpers/nss';
import { startTpm2Token, tpm2Module } from '../helpers/tpm2';

interface TokenUnderTest {
  /** The CLI options that select it (none: the rehearsal token). */
  select: string[];
  userPin: string;
  /** Its security officer PIN (NSS has no security officer: the user does the officer's part there). */
  soPin: string;
  /** The workstation key it can hold. */
  signingSpec: string;
  stop(): void;
}

interface Implementation {
  name: string;
  /** It enforces everything Keyward relies on (else it is selected for rehearsals only). */
  enforces: boolean;
  start(): Promise<TokenUnderTest>;
}

const moduleOptions = (modulePath: string, token: string, extra: string[]): string[] => [
  '--module',
  modulePath,
  ...extra,
  '--token',
  `pkcs11:token=${encodeURIComponent(token)}`,
];

const implementations: Implementation[] = [
  {
    name: 'softhsm2',
    enforces: true,
    start: () =>
      Promise.resolve({
        select: [],
        userPin: rehearsalToken.userPin,
        soPin: rehearsalToken.soPin,
        signingSpec: 'ECDSA_P384',
        stop: () => undefined,
      }),
  },
  {
    name: 'nss-softoken',
    enforces: false,
    start: () => {
      const nss = makeNssDatabase();
      return Promise.resolve({
        select: moduleOptions(nssModule, nssTokenLabel, ['--module-args', nss.moduleArgs]),
        userPin: nss.userPin,
        soPin: nss.userPin,
        signingSpec: 'ECDSA_P384',
        stop: () => nss.cleanup(),
      });
    },
  },
  {
    name: 'tpm2-pkcs11',
    enforces: false,
    start: async () => {
      const tpm = await startTpm2Token();
      const env = Object.entries(tpm.env).flatMap(([name, value]) => ['--module-env', `${name}=${value}`]);
      return {
        select: moduleOptions(tpm2Module, tpm.label, env),
        userPin: tpm.userPin,
        soPin: tpm.soPin,
        signingSpec: 'ECDSA_P256',
        stop: () => tpm.stop(),
      };
    },
  },
];

/** The exports tried on every token: each provider format Keyward writes, under each OAEP hash. */
interface ExportCase {
  name: string;
  provider: 'aws-kms' | 'azure-key-vault' | 'google-cloud-kms' | 'hashicorp-vault' | 'salesforce-shield';
  bits: number;
  needs: TokenNeed[];
  hash: 'sha1' | 'sha256' | 'sha512';
  /** RSA-OAEP of the key itself, or of an ephemeral AES key followed by RFC 5649 of the key. */
  layout: 'oaep' | 'rsa-aes';
  payload: string;
  /** The wrapped key from the payload file's bytes (base64 for .b64 files when not given). */
  decode?: (bytes: Buffer) => Buffer;
  /** Refused when planned by the provider's rule, on a token that could make it. */
  providerRefuses?: RegExp;
  fields: (
    key: KeyObject,
    dir: string,
    privateKey: KeyObject,
  ) => { files: Record<string, string>; fields: Record<string, string> };
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const pemFile = (key: KeyObject, dir: string, name: string): string => {
  const path = join(dir, name);
  writeFileSync(path, key.export({ type: 'spki', format: 'pem' }));
  return path;
};
const aws = (algorithm: string) => (key: KeyObject, dir: string) => {
  const path = join(dir, `aws-${algorithm}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      ImportToken: randomBytes(40).toString('base64'),
      PublicKey: key.export({ type: 'spki', format: 'der' }).toString('base64'),
      ParametersValidTo: inAnHour(),
    }),
  );
  return { files: { wrappingKey: path }, fields: { algorithm } };
};

const awsCase = (
  algorithm: 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_1' | 'RSA_AES_KEY_WRAP_SHA_256',
): ExportCase => ({
  name: `AWS ${algorithm}`,
  provider: 'aws-kms',
  bits: 2048,
  needs: [wraps(algorithm), ...(algorithm.startsWith('RSA_AES') ? [wrapsWithRfc5649] : [])],
  hash: algorithm.endsWith('256') ? 'sha256' : 'sha1',
  layout: algorithm.startsWith('RSA_AES') ? 'rsa-aes' : 'oaep',
  payload: 'EncryptedKeyMaterial.bin',
  fields: aws(algorithm),
});

const exportCases: ExportCase[] = [
  awsCase('RSAES_OAEP_SHA_1'),
  awsCase('RSAES_OAEP_SHA_256'),
  {
    ...awsCase('RSA_AES_KEY_WRAP_SHA_256'),
    // AWS's table of wrapping algorithms: symmetric key material only under RSAES_OAEP_SHA_*.
    providerRefuses: /AWS KMS takes symmetric and HMAC key material only under RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256/,
  },
  {
    name: 'Azure Managed HSM CKM_RSA_AES_KEY_WRAP',
    provider: 'azure-key-vault',
    bits: 3072,
    needs: [wraps('RSA_AES_KEY_WRAP_SHA_1'), wrapsWithRfc5649],
    hash: 'sha1',
    layout: 'rsa-aes',
    payload: 'tenant-cmk.byok',
    decode: (bytes) => Buffer.from((JSON.parse(bytes.toString()) as { ciphertext: string }).ciphertext, 'base64url'),
    fields: (key, dir) => ({
      files: { wrappingKey: pemFile(key, dir, 'azure-kek.pem') },
      fields: { kid: `https://contoso.managedhsm.azure.net/keys/KEK/${'0a'.repeat(16)}`, keyName: 'tenant-cmk' },
    }),
  },
  {
    name: 'Salesforce RSA-OAEP SHA-512',
    provider: 'salesforce-shield',
    bits: 4096,
    needs: [wraps('RSAES_OAEP_SHA_512')],
    hash: 'sha512',
    layout: 'oaep',
    payload: 'encrypted-tenant-secret.b64',
    fields: (_key, dir, privateKey) => {
      const keyFile = join(dir, 'salesforce-private.pem');
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const certificate = join(dir, 'salesforce-byok.crt');
      writeFileSync(certificate, openssl(['req', '-x509', '-key', keyFile, '-subj', '/CN=BYOK', '-days', '30']));
      return { files: { wrappingKey: certificate }, fields: { secretType: 'data', hash: 'SHA512' } };
    },
  },
  {
    name: 'Google RSA_OAEP_3072_SHA256_AES_256',
    provider: 'google-cloud-kms',
    bits: 3072,
    needs: [wraps('RSA_AES_KEY_WRAP_SHA_256'), wrapsWithRfc5649],
    hash: 'sha256',
    layout: 'rsa-aes',
    payload: 'wrapped-key.bin',
    fields: (key, dir) => ({
      files: { wrappingKey: pemFile(key, dir, 'google-import-job.pem') },
      fields: {
        importMethod: 'RSA_OAEP_3072_SHA256_AES_256',
        importJob: 'projects/p/locations/europe-west1/keyRings/r/importJobs/job-1',
        cryptoKey: 'projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k',
        expireTime: inAnHour(),
      },
    }),
  },
  {
    name: 'Vault hash_function=SHA256',
    provider: 'hashicorp-vault',
    bits: 4096,
    needs: [wraps('RSA_AES_KEY_WRAP_SHA_256'), wrapsWithRfc5649],
    hash: 'sha256',
    layout: 'rsa-aes',
    payload: 'ciphertext.b64',
    fields: (key, dir) => ({
      files: { wrappingKey: pemFile(key, dir, 'vault-wrapping-key.pem') },
      fields: { hashFunction: 'SHA256', keyName: 'tenant-cmk' },
    }),
  },
];

const whyNot = (needs: TokenNeed[], c: Capabilities): string | undefined =>
  needs.map((need) => need.whyNot(c)).find((why) => why !== undefined);

/** The openssl CLI, never Keyward's code, reads what the providers would read. */
function openssl(args: string[], input?: Buffer): Buffer {
  const run = spawnSync('openssl', args, { input });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${run.stderr.toString()}`);
  return run.stdout;
}

/** The AES key a payload carries, unwrapped by openssl with the provider's private key. */
function unwrapWithOpenssl(payload: Buffer, privateKey: KeyObject, c: ExportCase, dir: string): Buffer {
  const keyFile = join(dir, `${c.provider}-${c.bits}-private.pem`);
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const oaep = (part: Buffer) =>
    openssl(
      [
        'pkeyutl',
        '-decrypt',
        '-inkey',
        keyFile,
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        `rsa_oaep_md:${c.hash}`,
        '-pkeyopt',
        `rsa_mgf1_md:${c.hash}`,
      ],
      part,
    );
  if (c.layout === 'oaep') return oaep(payload);
  const rsaBytes = c.bits / 8;
  const ephemeral = oaep(payload.subarray(0, rsaBytes));
  // RFC 5649's alternative initial value; openssl's id-aes256-wrap-pad is RFC 5649.
  return openssl(
    ['enc', '-d', '-id-aes256-wrap-pad', '-K', ephemeral.toString('hex'), '-iv', 'A65959A6'],
    payload.subarray(rsaBytes),
  );
}

/** A key check value as providers compute it: the first 3 bytes of AES-ECB of a zero block, by openssl. */
const kcvByOpenssl = (key: Buffer): string =>
  openssl(['enc', '-aes-256-ecb', '-nopad', '-K', key.toString('hex')], Buffer.alloc(16))
    .subarray(0, 3)
    .toString('hex');

describe.each(implementations)('on $name', (implementation) => {
  let dir: string;
  let token: TokenUnderTest;
  let sheet: CapabilitySheet;
  const env = () => ({ ...process.env, KEYWARD_DATA_DIR: join(dir, 'data') });
  const keyward = (args: string[], input = '') => {
    const run = spawnSync(process.execPath, ['bin/keyward.mjs', ...args], { env: env(), encoding: 'utf8', input });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const plan = (name: string, body: Record<string, unknown>): string => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, JSON.stringify(body, null, 2));
    return path;
  };
  const answers = () => {
    const path = join(dir, 'answers.yaml');
    writeFileSync(
      path,
      JSON.stringify({
        pinParts: [token.userPin],
        soPinParts: [token.soPin],
        passphrases: {
          alice: 'rehearsal passphrase one',
          bob: 'rehearsal passphrase two',
          grace: 'rehearsal passphrase five',
        },
      }),
    );
    return path;
  };
  const ceremony = (planPath: string) =>
    keyward(['ceremony', 'run', '--network-acknowledged', planPath, '--answers', answers(), '--out', dir]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `keyward-matrix-${implementation.name}-`));
    token = await implementation.start();
  });
  afterAll(() => {
    token.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('its capability sheet is the one docs/tokens/ keeps for it', () => {
    const probed = keyward(['token', 'probe', ...token.select, '--json']);
    expect(probed.stderr).toBe('');
    expect(probed.code).toBe(0);
    sheet = JSON.parse(probed.stdout) as CapabilitySheet;
    const file = join('docs', 'tokens', `${implementation.name}.md`);
    const markdown = sheetMarkdown(sheet, { stamp: false });
    if (process.env.KEYWARD_WRITE_TOKEN_SHEETS === '1') writeFileSync(file, markdown);
    expect(existsSync(file), `${file} is missing: npm run token-sheets writes it`).toBe(true);
    expect(markdown, `${file} differs from the probe's sheet: npm run token-sheets rewrites it`).toBe(
      readFileSync(file, 'utf8'),
    );
    expect(sheet.capabilities.enforcement.every((e) => e.holds)).toBe(implementation.enforces);
  });

  it('a whole CMK life through the CLI: what the token can do is done and checked with openssl, the rest refused when planned', () => {
    const rehearsalOnly = implementation.name === 'softhsm2' ? [] : ['--rehearsal-only'];
    if (!implementation.enforces) {
      // Selected for production, a token that does not enforce is refused every CMK ceremony.
      const production = keyward(['token', 'probe', ...token.select]);
      expect(production.stdout).toContain('it holds no CMK on a production workstation');
    }
    const init = keyward(
      [...workstationInitArgs, '--spec', token.signingSpec, ...token.select, ...rehearsalOnly],
      `${token.userPin}\n${foundingPassphrases}`,
    );
    expect(
      init.stderr.replace(/^This workstation may not be air-gapped:\n|^ {2}.*\n|^alice acknowledged.*\n/gm, ''),
    ).toBe('');
    expect(init.code).toBe(0);
    if (rehearsalOnly.length) {
      // The choice is signed with the selection and audited.
      const approved = new AuditLog(openDatabase(join(dir, 'data'))).query({ action: 'hsm.approve', limit: 1 })[0];
      expect(approved?.details).toMatchObject({ rehearsalOnly: true });
    }
    // The token holds the workstation key, and signs with it.
    const checkpoint = keyward(['audit', 'checkpoint'], `${token.userPin}\n`);
    expect(checkpoint.stderr).toBe('');
    expect(checkpoint.code).toBe(0);

    const generate = ceremony(
      plan('generate', {
        ceremony: 'generate-cmk',
        officers: ['alice', 'bob'],
        key: { name: 'Tenant CMK', purpose: 'Tenant data', provider: null, spec: 'AES_256', rotationDays: 365 },
      }),
    );
    const cannotGenerate = sheet.capabilities.cmkSpecs.includes('AES_256') ? undefined : sheet.capabilities.missing.AES;
    if (cannotGenerate) {
      expect(generate.code).toBe(1);
      expect(generate.stderr).toContain('cannot generate a AES_256 key');
      expect(generate.stderr).toContain(cannotGenerate);
      expect(generate.stdout).not.toContain('CEREMONY');
    } else {
      expect(generate.stderr).toBe('');
      expect(generate.code).toBe(0);
    }
    const listed = JSON.parse(keyward(['key', 'list', '--json']).stdout) as {
      keys: { name: string; versions: { version: number; kcv: string; state: string }[] }[];
    };
    const kcv = listed.keys.find((k) => k.name === 'Tenant CMK')?.versions[0]?.kcv;

    for (const c of exportCases) {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: c.bits });
      const params = c.fields(publicKey, dir, privateKey);
      const label = `${c.name} key`;
      const importRun = ceremony(
        plan(`import ${c.name}`, {
          ceremony: 'import-wrapping-key',
          officers: ['alice', 'bob'],
          provider: c.provider,
          label,
          ...params,
        }),
      );
      // What the token cannot do is refused when planned, naming the sheet's reason: the wrapping key's import
      // (a key it could never wrap with), and the export, whether or not the token holds a CMK.
      const refusal = whyNot(c.needs, sheet.capabilities);
      if (refusal) {
        expect(importRun.code, c.name).toBe(1);
        expect(importRun.stderr, c.name).toContain('Nothing was planned');
        expect(importRun.stderr, c.name).toContain(refusal);
      } else {
        expect(importRun.stderr, c.name).toBe('');
      }
      const usb = join(dir, `usb ${c.name}`);
      mkdirSync(usb);
      const exportRun = ceremony(
        plan(`export ${c.name}`, {
          ceremony: 'export-key',
          officers: ['alice', 'bob'],
          key: { name: 'Tenant CMK', version: 1 },
          provider: c.provider,
          ...params,
          destination: { folder: usb, drive: 'USB' },
        }),
      );
      if (refusal) {
        expect(exportRun.code, c.name).toBe(1);
        expect(exportRun.stderr, c.name).toContain('Nothing was planned');
        expect(exportRun.stderr, c.name).toContain(refusal);
        continue;
      }
      expect(kcv, `${c.name}: the token can export, so it made a CMK`).toBeDefined();
      if (c.providerRefuses) {
        expect(exportRun.code, c.name).toBe(1);
        expect(exportRun.stderr, c.name).toMatch(c.providerRefuses);
        continue;
      }
      expect(exportRun.stderr, c.name).toBe('');
      expect(exportRun.code, c.name).toBe(0);
      const [bundle] = readdirSync(usb);
      const folder = join(usb, bundle ?? '');
      const raw = readFileSync(join(folder, c.payload));
      const payload = c.decode
        ? c.decode(raw)
        : c.payload.endsWith('.b64')
          ? Buffer.from(raw.toString('utf8'), 'base64')
          : raw;
      expect(kcvByOpenssl(unwrapWithOpenssl(payload, privateKey, c, dir)), c.name).toBe(kcv);
      // Made in a rehearsal (the rehearsal token, or a token set apart for rehearsals), and said so first.
      const readme = readFileSync(join(folder, 'README.txt'), 'utf8');
      expect(readme).toMatch(/^REHEARSAL KEYWARD UPLOAD BUNDLE/);
      expect(readme).toContain('REHEARSAL: DO NOT UPLOAD');
      if (!implementation.enforces) expect(readme).toContain('The token does not enforce this:');
    }

    // Backed up to three shares, destroyed, and restored from two: the restored version has the same check value.
    const drives = ['package', 'c1', 'c2', 'c3'].map((name) => join(dir, name));
    for (const drive of drives) mkdirSync(drive);
    const backup = ceremony(
      plan('backup', {
        ceremony: 'backup',
        // Each share goes to a custodian present to take it.
        officers: ['alice', 'bob', 'grace'],
        keys: [{ name: 'Tenant CMK', version: 1 }],
        threshold: 2,
        package: drives[0],
        shares: ['alice', 'bob', 'grace'].map((custodian, i) => ({ custodian, drive: drives[i + 1] })),
      }),
    );
    const cannotBackUp = wrapsWithRfc5649.whyNot(sheet.capabilities);
    if (cannotBackUp) {
      expect(backup.code).toBe(1);
      expect(backup.stderr).toContain('Nothing was planned');
      expect(backup.stderr).toContain(cannotBackUp);
      return;
    }
    expect(kcv, 'the token can back up, so it made a CMK').toBeDefined();
    expect(backup.stderr).toBe('');
    const packageFolder = /\) in (\S+); shares in/.exec(backup.stdout)?.[1] ?? '';
    const shareFolders = /shares in (.+)\.\n/.exec(backup.stdout)?.[1]?.split(', ') ?? [];
    const destroy = ceremony(
      plan('destroy', {
        ceremony: 'destroy-key',
        officers: ['alice', 'bob'],
        key: { name: 'Tenant CMK', version: 1 },
        destination: { folder: drives[0] },
      }),
    );
    expect(destroy.stderr).toBe('');
    writeFileSync(
      join(dir, 'restore-answers.yaml'),
      `${readFileSync(answers(), 'utf8')}\n`.replace(
        /}\n$/,
        `, "shareFiles": ${JSON.stringify([join(shareFolders[2] ?? '', 'share.txt'), join(shareFolders[0] ?? '', 'share.txt')])}}\n`,
      ),
    );
    const restore = keyward([
      'ceremony',
      'run',
      '--network-acknowledged',
      plan('restore', {
        ceremony: 'restore',
        officers: ['alice', 'bob'],
        package: packageFolder,
        keys: [{ name: 'Tenant CMK', version: 1 }],
      }),
      '--answers',
      join(dir, 'restore-answers.yaml'),
      '--out',
      dir,
    ]);
    expect(restore.stderr).toBe('');
    const after = JSON.parse(keyward(['key', 'list', '--json']).stdout) as typeof listed;
    expect(after.keys.find((k) => k.name === 'Tenant CMK')?.versions).toMatchObject([
      { version: 1, state: 'restored', kcv },
    ]);

    // Every transcript says whether it was a rehearsal, and on a token set apart for rehearsals, what it fails;
    // its folder's name says REHEARSAL first.
    expect(readdirSync(dir).filter((name) => name.startsWith('keyward-transcript-'))).toEqual([]);
    const transcripts = readdirSync(dir).filter((name) => name.startsWith('REHEARSAL-keyward-transcript-'));
    expect(transcripts.length).toBeGreaterThan(5);
    for (const name of transcripts) {
      const transcript = JSON.parse(readFileSync(join(dir, name, 'transcript.json'), 'utf8')) as {
        rehearsal: { token: string; findings: string[] } | null;
      };
      expect(transcript.rehearsal).not.toBeNull();
      if (!implementation.enforces) expect(transcript.rehearsal?.findings.length).toBeGreaterThan(0);
    }
  }, 600_000);
});
