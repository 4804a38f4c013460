/**
 * Security review, item 3: any path typed in Settings was loaded as a PKCS#11 module (a library's ELF
 * constructor ran code in the HSM process), and the HSM could be switched with no dual control, so that
 * module received every PIN typed afterwards. The attack is replayed with a real shared library whose
 * constructor leaves a mark; the mark must never appear. On an initialised workstation the module
 * changes only in a change-hsm ceremony the security officers approve, audited with the file's SHA-256.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmClient } from '../../src/main/hsm/client/client';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { writeSettings } from '../../src/main/settings-file';
import { appBench, type AppBench } from '../helpers/app-bench';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';

const isRoot = process.getuid?.() === 0;
let dir: string;
let evil: string;
let marker: string;
let app: AppBench;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-evil-module-'));
  marker = join(dir, 'the-module-ran');
  process.env.KEYWARD_TEST_MARKER = marker;
  // A shared library whose constructor runs at dlopen, before any PKCS#11 call.
  writeFileSync(
    join(dir, 'evil.c'),
    '#include <stdio.h>\n#include <stdlib.h>\n__attribute__((constructor)) static void ran(void) { const char *p = getenv("KEYWARD_TEST_MARKER"); if (p) { FILE *f = fopen(p, "w"); if (f) { fputs("ran", f); fclose(f); } } }\nint C_GetFunctionList(void *list) { (void)list; return 0; }\n',
  );
  evil = join(dir, 'libevil-pkcs11.so');
  execFileSync('cc', ['-shared', '-fPIC', '-o', evil, join(dir, 'evil.c')]);
  app = await appBench();
}, 180_000);

afterAll(() => {
  app.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.KEYWARD_TEST_MARKER;
});

const ran = () => existsSync(marker);

describe('only a library installed in a system folder, owned by root and writable by nobody else, is ever loaded', () => {
  it('a module path in /tmp, in the data folder or on a practice drive is refused by Settings, before dlopen', async () => {
    const inData = join(app.dataDir, 'libevil-pkcs11.so');
    const onDrive = join(app.drive('PRACTICE-1'), 'libvendor-pkcs11.so');
    mkdirSync(app.drive('PRACTICE-1'), { recursive: true });
    copyFileSync(evil, inData);
    copyFileSync(evil, onDrive);
    for (const modulePath of [evil, inData, onDrive]) {
      const refused = await app.refusal('listModuleTokens', { modulePath });
      expect(refused.code).toBe('HSM_MODULE_REFUSED');
      expect(refused.message).toContain(modulePath);
    }
    expect(ran()).toBe(false);
  });

  it('the HSM process itself refuses to load such a file, should main ever ask it to', async () => {
    const client = new HsmClient({ modulePath: evil, env: {} }, nodeHsmChannel);
    try {
      const result = await client.request('describeModule', {}).catch((error: unknown) => error as { code?: string });
      expect(result).toMatchObject({ code: 'HSM_MODULE_REFUSED' });
    } finally {
      client.close();
    }
    expect(ran()).toBe(false);
  });

  it('the command line refuses it too', () => {
    const cli = spawnSync(
      process.execPath,
      ['bin/keyward.mjs', 'token', 'list', '--module', evil, '--data-dir', join(dir, 'cli-data')],
      { encoding: 'utf8' },
    );
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toContain('is not loaded as a PKCS#11 module');
    expect(ran()).toBe(false);
  });

  it('a library in a system folder that its group or anyone can change, or reached through a link from one, is refused', async (context) => {
    if (!isRoot) context.skip('placing test files in /usr/lib needs root');
    const folder = join('/usr/lib', `keyward-test-${randomBytes(4).toString('hex')}`);
    mkdirSync(folder);
    try {
      const groupWritable = join(folder, 'libgroup.so');
      copyFileSync(evil, groupWritable);
      chmodSync(groupWritable, 0o664);
      const link = join(folder, 'liblink.so');
      symlinkSync(evil, link);
      const openFolder = join(folder, 'open');
      mkdirSync(openFolder);
      chmodSync(openFolder, 0o777);
      const inOpenFolder = join(openFolder, 'libopen.so');
      copyFileSync(evil, inOpenFolder);
      chmodSync(inOpenFolder, 0o644);
      for (const [modulePath, why] of [
        [groupWritable, 'can be changed by its group'],
        [link, 'is not in a system library folder'],
        [inOpenFolder, 'can be changed by any user'],
      ] as const) {
        const refused = await app.refusal('listModuleTokens', { modulePath });
        expect(refused.code).toBe('HSM_MODULE_REFUSED');
        expect(refused.message).toContain(why);
      }
      expect(ran()).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('on an initialised workstation the HSM is not switched from Settings, even to a trusted module', async () => {
    const settingsFile = join(app.dataDir, 'settings.json');
    const saved = () => (existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : 'none: the rehearsal token');
    const before = saved();
    const refused = await app.refusal('selectHsm', {
      mode: 'hsm',
      modulePath: softhsmModule,
      tokenUri: 'pkcs11:token=Another',
    });
    expect(refused.code).toBe('QUORUM_NOT_MET');
    expect(refused.message).toContain('change-hsm ceremony');
    expect(saved()).toBe(before);
  });
});

describe('the change-hsm ceremony', () => {
  let tokens: TestTokens;
  let main: AppBench;

  beforeAll(async () => {
    tokens = makeSoftHsmDir();
    initToken(tokens, 'Main HSM', 'main-hsm-user-pin', 'main-hsm-so-pin');
    initToken(tokens, 'Other HSM', 'other-user-pin', 'other-so-pin');
    // The HSM processes this test starts read these tokens (a vendor module would read its own configuration).
    process.env.SOFTHSM2_CONF = tokens.conf;
    main = await appBench({
      founding: [
        ['alice', 'security-officer'],
        ['bob', 'key-custodian'],
        ['dave', 'security-officer'],
        ['grace', 'security-officer'],
      ],
      prepare: (dataDir) =>
        writeSettings(dataDir, { mode: 'hsm', modulePath: softhsmModule, tokenUri: 'pkcs11:token=Main%20HSM' }),
      userPin: 'main-hsm-user-pin',
    });
  }, 180_000);

  afterAll(() => {
    main.close();
    tokens.cleanup();
    delete process.env.SOFTHSM2_CONF;
  });

  it('refuses, when planned, a token that does not hold the workstation key, and an untrusted module', async () => {
    const other = await main.refusal('planCeremony', {
      plan: {
        ceremony: 'change-hsm',
        officers: ['alice', 'dave'],
        hsm: { module: softhsmModule, token: 'pkcs11:token=Other%20HSM' },
      },
    });
    expect(other.message).toContain("does not hold this workstation's signing key");
    const untrusted = await main.refusal('planCeremony', {
      plan: {
        ceremony: 'change-hsm',
        officers: ['alice', 'dave'],
        hsm: { module: evil, token: 'pkcs11:token=Main%20HSM' },
      },
    });
    expect(untrusted.code).toBe('HSM_MODULE_REFUSED');
    expect(ran()).toBe(false);
  });

  it("changes the module or token address with two security officers, showing and auditing the module file's SHA-256", async () => {
    const serial = (await main.call('getTokenStatus', {})).token.serial;
    const tokenUri = `pkcs11:token=Main%20HSM;serial=${serial}`;
    const sha256 = createHash('sha256')
      .update(readFileSync(realpathSync(softhsmModule)))
      .digest('hex');
    const view = await main.runThrough(
      { ceremony: 'change-hsm', officers: ['alice', 'dave'], hsm: { module: softhsmModule, token: tokenUri } },
      ['alice', 'dave'],
    );
    expect(view.status.plan.steps[0]?.description).toContain(sha256.slice(0, 4).toUpperCase());
    expect(view.status.state).toBe('completed');
    // Saved with the quorum's approval, signed by the workstation key, that Keyward checks before every login.
    expect(JSON.parse(readFileSync(join(main.dataDir, 'settings.json'), 'utf8'))).toMatchObject({
      mode: 'hsm',
      modulePath: softhsmModule,
      tokenUri,
      approval: { moduleSha256: sha256, approvedIn: view.status.plan.id },
    });
    const [entry] = main.workstation.audit().query({ action: 'hsm.select', limit: 1 });
    expect(entry?.details).toMatchObject({ moduleSha256: sha256, ceremony: view.status.plan.id });
    expect(entry?.actors.sort()).toEqual(['alice', 'dave']);
    // The officers log in again, through the module they approved.
    expect((await main.call('getCeremonies', {})).loggedIn).toBe(false);
  });
});
