/**
 * A token must be proven to enforce what Keyward relies on before it holds a CMK: the probe attempts, on
 * throw-away session keys, what the token must refuse. SoftHSM refuses all of it. NSS's softoken accepts
 * CKA_WRAP_WITH_TRUSTED and CKA_EXTRACTABLE=false yet wraps such keys under an untrusted key, and lets a
 * user session create a trusted key: selected as a production HSM, it is refused for CMK ceremonies,
 * naming each property it does not enforce.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { enforcedProperties, enforcementTrials } from '../../src/main/hsm/host/enforcement';
import type { Pkcs11Module } from '../../src/main/hsm/host/module';
import { openWorkstation } from '../../src/main/open-workstation';
import type { Workstation } from '../../src/main/workstation';
import { openInProcessModules, type InProcessModules } from '../helpers/in-process-modules';
import { nssModule } from '../helpers/nss';
import { rejection } from '../helpers/rejection';

let modules: InProcessModules;
let softhsm: Pkcs11Module;
let nssLib: Pkcs11Module;

beforeAll(() => {
  modules = openInProcessModules('Enforcing');
  ({ softhsm, nss: nssLib } = modules);
});

afterAll(() => modules.close());

function trialsOn(module: Pkcs11Module, uri: string, kwp: number) {
  const { slot } = module.findToken(uri);
  const session = module.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  try {
    return enforcementTrials(module.lib, session, { mechanism: kwp });
  } finally {
    module.lib.C_CloseSession(session);
  }
}

describe('what a token enforces, tried on throw-away session keys', () => {
  it('SoftHSM refuses every attempt', () => {
    const findings = trialsOn(softhsm, 'pkcs11:token=Enforcing', pkcs11js.CKM_AES_KEY_WRAP_PAD);
    expect(findings.map((f) => f.property)).toEqual([...enforcedProperties]);
    expect(findings.filter((f) => !f.holds)).toEqual([]);
    expect(findings[0]?.detail).toBe('refused with CKR_KEY_NOT_WRAPPABLE');
  });

  it('NSS does three things it must not, and each is named', () => {
    const failed = trialsOn(nssLib, modules.nssUri, 0x210b).filter((f) => !f.holds);
    expect(failed.map((f) => f.property)).toEqual([
      enforcedProperties[0], // wraps a CKA_WRAP_WITH_TRUSTED key under an untrusted key
      enforcedProperties[2], // wraps a key that is not extractable
      enforcedProperties[3], // lets a user session create a trusted key
    ]);
    expect(failed[0]?.detail).toBe('the token did it (CKR_KEY_NOT_WRAPPABLE expected)');
  });

  it('without a mechanism to wrap with, the wrap trials are not counted as passed', () => {
    const { slot } = softhsm.findToken('pkcs11:token=Enforcing');
    const session = softhsm.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    const findings = enforcementTrials(softhsm.lib, session, undefined);
    softhsm.lib.C_CloseSession(session);
    expect(findings.filter((f) => !f.holds).map((f) => f.detail)).toEqual([
      'could not be tried: the token has no mechanism that wraps an AES key under an AES key',
      'could not be tried: the token has no mechanism that wraps an AES key under an AES key',
    ]);
  });
});

describe('a CMK ceremony only on a token that enforces it', () => {
  let dataDir: string;
  let workstation: Workstation;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'keyward-enforcing-'));
    workstation = openWorkstation(dataDir, nodeHsmChannel);
  });
  afterAll(() => {
    workstation.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('NSS selected as the production HSM is refused for a generate-cmk ceremony, naming what it does not enforce', async () => {
    await workstation.select({
      mode: 'hsm',
      modulePath: nssModule,
      moduleArgs: modules.nssModuleArgs,
      tokenUri: modules.nssUri,
    });
    const refused = await rejection(workstation.hsm.requireEnforcing('generate-cmk'));
    expect(refused.code).toBe('HSM_NOT_ENFORCING');
    expect(refused.message).toContain('so no generate-cmk ceremony runs on it');
    for (const property of [enforcedProperties[0], enforcedProperties[2], enforcedProperties[3]])
      expect(refused.message).toContain(property);
    expect(refused.nextStep).toContain('This token may serve only for rehearsals');
    expect(refused.nextStep).toContain('--rehearsal-only');
  });

  it('the rehearsal token is never refused (its outputs are marked REHEARSAL)', async () => {
    await workstation.select({ mode: 'rehearsal' });
    await expect(workstation.hsm.requireEnforcing('generate-cmk')).resolves.toBeUndefined();
  });
});
