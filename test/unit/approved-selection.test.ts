/**
 * The security officers' signed approval of the HSM selection (src/main/hsm/client/approved-selection.ts) and the
 * change-hsm step that applies it (src/main/ceremonies/hsm-steps.ts), without a token: a software key
 * stands for the workstation key, the module's hash and the audit log's history are given.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HsmSelection } from '../../src/main/ceremonies/hsm-selection';
import { selectHsm } from '../../src/main/ceremonies/hsm-steps';
import type { PlanningContext } from '../../src/main/ceremonies/steps';
import { planChangeHsm } from '../../src/main/ceremonies/types/change-hsm';
import {
  approvalHolds,
  selectionStanding,
  signSelection,
  type SavedSelection,
  type SelectionHistory,
  type StandingInput,
} from '../../src/main/hsm/client/approved-selection';
import { readSavedSelection, settleStagedSettings, stageSettings, writeSettings } from '../../src/main/settings-file';
import { publicKeyFingerprint } from '../../src/main/store/identity';
import { lockDataDir, whileNoOtherKeyward } from '../../src/main/store/instance-lock';
import { issueCertificate } from '../../src/main/x509/certificate';
import type { WorkstationIdentity } from '../../src/shared/inventory';
import type { HsmSettings } from '../../src/shared/settings';
import { softwareSigner } from '../helpers/software-signer';

const vendor: HsmSettings = {
  mode: 'hsm',
  modulePath: '/usr/lib/vendor/libvendor-pkcs11.so',
  tokenUri: 'pkcs11:token=Vault;serial=42',
};
const approvedHash = 'a'.repeat(64);
const signer = softwareSigner('ECDSA_P256');
let identity: WorkstationIdentity;
let saved: Required<SavedSelection>;

beforeAll(async () => {
  const certificateDer = await issueCertificate(
    {
      profile: 'workstation',
      subject: { commonName: 'WS', organization: 'Example' },
      subjectSpki: signer.spki,
      serial: randomBytes(16),
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
    },
    signer,
  );
  identity = {
    tokenSerial: '42',
    tokenObjectId: '01',
    spec: 'ECDSA_P256',
    certificateDer,
    publicKeyFingerprint: publicKeyFingerprint(signer.spki),
    createdAt: new Date().toISOString(),
  };
  const approval = await signSelection(signer, vendor, {
    moduleSha256: approvedHash,
    tokenSerial: '42',
    approvedIn: 'change-hsm-1',
    approvedAt: new Date().toISOString(),
  });
  saved = { settings: vendor, approval };
});

const standing = (input: Partial<Omit<StandingInput, 'history'>> & { hash?: string; history?: SelectionHistory }) =>
  selectionStanding({
    saved,
    file: '/data/settings.json',
    identity,
    moduleSha256Of: () => Promise.resolve(input.hash ?? approvedHash),
    ...input,
    history: () =>
      input.history ?? { latestApproval: { signature: saved.approval.signature, ceremony: 'change-hsm-1', time: '' } },
  });

describe('the signed approval of the HSM selection', () => {
  it('holds for exactly the selection signed: any field changed, it no longer verifies', () => {
    expect(approvalHolds(vendor, saved.approval, identity.certificateDer)).toBe(true);
    expect(
      approvalHolds(
        { ...vendor, modulePath: '/usr/lib/x86_64-linux-gnu/pkcs11-spy.so' },
        saved.approval,
        identity.certificateDer,
      ),
    ).toBe(false);
    expect(approvalHolds({ mode: 'rehearsal' }, saved.approval, identity.certificateDer)).toBe(false);
    expect(approvalHolds(vendor, { ...saved.approval, moduleSha256: 'b'.repeat(64) }, identity.certificateDer)).toBe(
      false,
    );
  });

  it('signed by another key than the certified one (a replaced file or a replaced database certificate), it is refused, naming that key', async () => {
    const forger = softwareSigner('ECDSA_P256');
    const forged = await signSelection(forger, vendor, {
      moduleSha256: approvedHash,
      tokenSerial: '42',
      approvedIn: 'forged',
      approvedAt: new Date().toISOString(),
    });
    await expect(standing({ saved: { settings: vendor, approval: forged } })).rejects.toMatchObject({
      code: 'HSM_SELECTION_UNAPPROVED',
      message: expect.stringContaining('it names another signing key') as unknown,
    });
  });

  it('stands when signed, newest, and the module file unchanged; a changed module file is for the officers to approve again', async () => {
    await expect(standing({})).resolves.toEqual({ state: 'approved' });
    const changed = await standing({ hash: 'c'.repeat(64) });
    expect(changed.state).toBe('reapprove');
    expect(changed.state === 'reapprove' && changed.problem.code).toBe('HSM_MODULE_CHANGED');
  });

  it('a workstation initialised before approvals were signed: its selection stands for re-approval only as the audit log recorded it', async () => {
    const unsigned = { settings: vendor };
    const recorded = { lastSelected: { settings: vendor, moduleSha256: approvedHash } };
    const legacy = await standing({ saved: unsigned, history: recorded });
    expect(legacy.state === 'reapprove' && legacy.problem.message).toContain('initialised before Keyward signed');
    expect(legacy.state === 'reapprove' && legacy.problem.nextStep).toContain('change-hsm ceremony');
    // Another module than the one recorded, or the recorded one changed since: changed outside Keyward.
    await expect(
      standing({ saved: { settings: { ...vendor, modulePath: '/usr/lib/other.so' } }, history: recorded }),
    ).rejects.toMatchObject({ code: 'HSM_SELECTION_UNAPPROVED' });
    await expect(standing({ saved: unsigned, history: recorded, hash: 'd'.repeat(64) })).rejects.toMatchObject({
      code: 'HSM_SELECTION_UNAPPROVED',
    });
    // The rehearsal token, never switched from, protects nothing real: it stands.
    await expect(standing({ saved: { settings: { mode: 'rehearsal' } }, history: {} })).resolves.toEqual({
      state: 'approved',
    });
    await expect(standing({ saved: { settings: { mode: 'rehearsal' } }, history: recorded })).rejects.toMatchObject({
      code: 'HSM_SELECTION_UNAPPROVED',
    });
  });
});

describe('the change-hsm step', () => {
  const selection = (
    current: HsmSettings,
    approved: string | null | undefined,
    found = approvedHash,
  ): HsmSelection => ({
    current: () => current,
    approvedModuleSha256: () => approved,
    inspect: () => Promise.resolve({ moduleSha256: found, tokenSerial: '42', tokenLabel: 'Vault' }),
    save: () => undefined,
  });
  const planning = (hsm: HsmSelection) => ({ hsm }) as unknown as PlanningContext;

  it('plans the same module and token again only when they are not approved as they are now', async () => {
    await expect(
      planChangeHsm(selection(vendor, approvedHash), { modulePath: vendor.modulePath }, vendor.tokenUri),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    const legacy = await planChangeHsm(
      selection(vendor, undefined),
      { modulePath: vendor.modulePath },
      vendor.tokenUri,
    );
    expect(legacy.steps[0]?.description).toContain('carries no approval signed by the workstation key');
    const updated = await planChangeHsm(
      selection(vendor, approvedHash, 'e'.repeat(64)),
      { modulePath: vendor.modulePath },
      vendor.tokenUri,
    );
    expect(updated.steps[0]?.description).toContain('its module file changed since they were approved');
  });

  it('still holds on the selection it was planned from, or once the target is in force (a run whose completion was not known), and on nothing else', async () => {
    const { steps } = await planChangeHsm(
      selection({ mode: 'rehearsal' }, null),
      { modulePath: vendor.modulePath },
      vendor.tokenUri,
    );
    const params = steps[0]?.params ?? {};
    const step = selectHsm.executor;
    expect(() => step.stillHolds?.(planning(selection({ mode: 'rehearsal' }, null)), params)).not.toThrow();
    expect(() => step.stillHolds?.(planning(selection(vendor, undefined)), params)).not.toThrow();
    expect(() =>
      step.stillHolds?.(planning(selection({ ...vendor, tokenUri: 'pkcs11:token=Other' }, undefined)), params),
    ).toThrow(/now uses/);
  });
});

describe('a staged selection', () => {
  const alone = (dir: string) => (act: () => void) => whileNoOtherKeyward(dir, act);

  it('is kept, not dropped, while another Keyward holds the data folder (the one that staged it may be committing its step), and settled once it has gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-staged-'));
    try {
      writeSettings(dir, { mode: 'rehearsal' });
      const running = lockDataDir(dir); // the Keyward running the change-hsm ceremony
      stageSettings(dir, 'change-hsm-1', saved);
      let committed = false;
      // A second Keyward (ceremony list, say) reads the settings before the first commits its step.
      expect(settleStagedSettings(dir, () => committed, alone(dir))).toBe('kept');
      expect(readSavedSelection(dir)).toEqual({ settings: { mode: 'rehearsal' } });
      committed = true; // the first Keyward commits its step, then settles
      expect(settleStagedSettings(dir, () => committed, alone(dir))).toBe('applied');
      expect(readSavedSelection(dir)).toEqual(saved);
      running.release();
      // A Keyward that stopped before its commit: once it has gone, its staged selection is dropped.
      stageSettings(dir, 'change-hsm-2', { settings: { mode: 'rehearsal' } });
      const crashed = lockDataDir(dir);
      expect(settleStagedSettings(dir, () => false, alone(dir))).toBe('kept');
      crashed.release();
      expect(settleStagedSettings(dir, () => false, alone(dir))).toBe('dropped');
      expect(readSavedSelection(dir)).toEqual(saved);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the place of settings.json once its step is committed, and is dropped otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-staged-'));
    try {
      writeSettings(dir, { mode: 'rehearsal' });
      stageSettings(dir, 'change-hsm-1', saved);
      expect(settleStagedSettings(dir, () => false, alone(dir))).toBe('dropped');
      expect(readSavedSelection(dir)).toEqual({ settings: { mode: 'rehearsal' } });
      stageSettings(dir, 'change-hsm-2', saved);
      expect(settleStagedSettings(dir, (id) => id === 'change-hsm-2', alone(dir))).toBe('applied');
      expect(readSavedSelection(dir)).toEqual(saved);
      expect(readdirSync(dir).filter((name) => name.startsWith('settings'))).toEqual(['settings.json']);
      expect(settleStagedSettings(dir, () => true, alone(dir))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
