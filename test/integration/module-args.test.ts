/**
 * A module that needs C_Initialize arguments (NSS's softoken reads its database folder from them) is
 * opened with the arguments given in settings or on the command line; without them Keyward says the
 * module refused to start, never that the file is not a PKCS#11 module. Arguments that look like they
 * hold a PIN, and variables that could load other code, are refused before any module is loaded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers } from '../../src/main/api/handlers';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { openWorkstation } from '../../src/main/open-workstation';
import type { Workstation } from '../../src/main/workstation';
import type { ModuleTokens, TokenStatus } from '../../src/shared/contract';
import { makeNssDatabase, nssModule, nssTokenLabel, type NssDatabase } from '../helpers/nss';
import { rejection } from '../helpers/rejection';

let dataDir: string;
let nss: NssDatabase;
let workstation: Workstation;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-module-args-'));
  nss = makeNssDatabase();
  workstation = openWorkstation(dataDir, nodeHsmChannel);
});

afterAll(() => {
  workstation.close();
  nss.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

function keyward(args: string[]) {
  const result = spawnSync(process.execPath, ['bin/keyward.mjs', ...args], {
    env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('a module opened with its C_Initialize arguments', () => {
  it('lists the tokens of NSS opened with its database folder', async () => {
    const { module, tokens } = await workstation.listModuleTokens({
      modulePath: nssModule,
      moduleArgs: nss.moduleArgs,
    });
    expect(module.manufacturer).toContain('Mozilla');
    expect(tokens.map((t) => t.label)).toContain(nssTokenLabel);
  });

  it('without them, says the module loaded but refused to start, and what to give it', async () => {
    const refused = await rejection(workstation.listModuleTokens({ modulePath: nssModule }));
    expect(refused.code).toBe('HSM_MODULE_LOAD_FAILED');
    expect(refused.message).toContain('loaded, but refused to start: C_Initialize returned CKR_ARGUMENTS_BAD');
    expect(refused.message).not.toContain('could not be loaded as a PKCS#11 module');
    expect(refused.nextStep).toContain('module arguments');
  });

  it('a file that is no module is still called one that could not be loaded', async () => {
    const refused = await rejection(
      workstation.listModuleTokens({ modulePath: '/usr/lib/x86_64-linux-gnu/libz.so.1' }),
    );
    expect(refused.code).toBe('HSM_MODULE_LOAD_FAILED');
    expect(refused.message).toContain('could not be loaded as a PKCS#11 module');
  });

  it('the CLI takes them with --module-args, and probes the token with them', () => {
    const listed = keyward(['token', 'list', '--module', nssModule, '--module-args', nss.moduleArgs, '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const report = JSON.parse(listed.stdout) as { tokens: { label: string }[] };
    expect(report.tokens.map((t) => t.label)).toContain(nssTokenLabel);
    const probed = keyward([
      'token',
      'probe',
      '--module',
      nssModule,
      '--module-args',
      nss.moduleArgs,
      '--token',
      `pkcs11:token=${encodeURIComponent(nssTokenLabel)}`,
      '--json',
    ]);
    expect(probed.stderr).toBe('');
    expect(probed.code).toBe(0);
    // RFC 5649 is 0x210B there, found by known answer (0x210A pads otherwise on NSS).
    const sheet = JSON.parse(probed.stdout) as {
      capabilities: { rfc5649: { mechanism: string | null; anyLength: boolean } };
    };
    expect(sheet.capabilities.rfc5649).toMatchObject({ mechanism: 'CKM_AES_KEY_WRAP_KWP (0x210B)', anyLength: true });
  });

  it('refuses arguments that seem to hold a PIN, and variables that could load code, before loading anything', () => {
    const withPin = keyward([
      'token',
      'list',
      '--module',
      nssModule,
      '--module-args',
      `${nss.moduleArgs} userPin=1234`,
    ]);
    expect(withPin.code).not.toBe(0);
    expect(withPin.stderr).toContain('seem to hold a PIN or password');
    const preload = keyward(['token', 'list', '--module', nssModule, '--module-env', 'LD_PRELOAD=/tmp/spy.so']);
    expect(preload.code).not.toBe(0);
    expect(preload.stderr).toContain('LD_PRELOAD is not a variable Keyward passes to a module');
    const alone = keyward(['token', 'list', '--module-args', nss.moduleArgs]);
    expect(alone.code).not.toBe(0);
    expect(alone.stderr).toContain('go with --module');
  });

  it('settings may name them, checked at the contract as the CLI checks them', async () => {
    const handlers = createHandlers(workstation);
    const tokenUri = `pkcs11:token=${encodeURIComponent(nssTokenLabel)}`;
    const refused = await dispatch(handlers, 'selectHsm', {
      mode: 'hsm',
      modulePath: nssModule,
      tokenUri,
      moduleEnv: { LD_PRELOAD: '/tmp/spy.so' },
    });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.error.message).toContain('LD_PRELOAD is not a variable Keyward passes');
    const listed = await dispatch(handlers, 'listModuleTokens', { modulePath: nssModule, moduleArgs: nss.moduleArgs });
    expect(listed.ok ? (listed.value as ModuleTokens).tokens.map((t) => t.label) : []).toContain(nssTokenLabel);
    // Before initialisation the selection is saved, arguments and all, and the token opens with them.
    const selected = await dispatch(handlers, 'selectHsm', {
      mode: 'hsm',
      modulePath: nssModule,
      tokenUri,
      moduleArgs: nss.moduleArgs,
    });
    expect(selected.ok ? selected.value : selected.error).toMatchObject({ moduleArgs: nss.moduleArgs });
    const status = await dispatch(handlers, 'getTokenStatus', {});
    expect(status.ok ? (status.value as TokenStatus).token.label : status.error.message).toBe(nssTokenLabel);
  });
});
