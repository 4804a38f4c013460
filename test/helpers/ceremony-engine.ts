/**
 * A ceremony engine on a real SoftHSM token and SQLite file, with four enrolled officers (alice and dave
 * security officers, bob key custodian, carol auditor), for tests that drive ceremonies step by step:
 * the engine's dependencies built in one place, crash injection, and the token's objects listed by
 * OpenSC's pkcs11-tool (independently of Keyward).
 */
import { tokenAnchor } from '../../src/main/audit/anchor';
import { readShare } from '../../src/main/backup/shares';
import type { CeremonyType } from '../../src/main/ceremonies/catalogue';
import { ceremonyRules } from '../../src/main/ceremonies/catalogue';
import { CeremonyEngine, type CrashPoint, type StepPlan } from '../../src/main/ceremonies/engine';
import { engineDependencies } from '../../src/main/ceremonies/engine-dependencies';
import type { HsmSelection } from '../../src/main/ceremonies/hsm-selection';
import type { Step } from '../../src/main/ceremonies/steps';
import type { HsmClient } from '../../src/main/hsm/client/client';
import { enrolOfficer } from '../../src/main/officers/enrolment';
import type { CeremonyStore } from '../../src/main/store/ceremonies';
import type { Checkpoints } from '../../src/main/store/checkpoints';
import type { Inventory } from '../../src/main/store/inventory';
import type { Officers } from '../../src/main/store/officers';
import type { Policies } from '../../src/main/store/policies';
import { openStores } from '../../src/main/store/stores';
import type { WrappingKeys } from '../../src/main/store/wrapping-keys';
import type { CeremonyStatus } from '../../src/shared/ceremonies';
import type { OfficerRole } from '../../src/shared/officers';
import { listTokenObjects } from './softhsm';
import { testWorkstation, type TestWorkstation } from './workstation';

export const passphrases: Record<string, string> = {
  alice: 'gate lantern river oak',
  bob: 'second key in the vault',
  carol: 'every line is checked',
  dave: 'another officer arrives',
};
const founders: [string, OfficerRole][] = [
  ['alice', 'security-officer'],
  ['bob', 'key-custodian'],
  ['carol', 'auditor'],
  ['dave', 'security-officer'],
];

/** The generate-cmk request of an AES-256 CMK with no provider, as most tests make one. */
export const aesCmk = (keyName: string) =>
  ({ keyName, purpose: 'tenant data', provider: null, spec: 'AES_256', rotationDays: 365 }) as const;

export class SimulatedCrash extends Error {}

/** The HSM choice of a test workstation: fixed (the change-hsm ceremony is tested through a Workstation). */
export const fixedHsm: HsmSelection = {
  current: () => ({ mode: 'rehearsal' }),
  approvedModuleSha256: () => null,
  inspect: () => Promise.reject(new Error('no other HSM in this test')),
  save: () => {
    throw new Error('no other HSM in this test');
  },
};

export interface EngineOptions {
  crash?: { point: CrashPoint; step: number };
  /** The security officer's PIN the officers type for SO steps (a mistyped one, to provoke a failure). */
  soPin?: string[];
  /** What the custodians give at a restore: share files' text, or typed words. */
  shares?: () => string[];
  /** Or the shares as bytes, as the prompt hands them to the step. */
  shareBytes?: () => Uint8Array[];
  /** Treat the token as the rehearsal token. */
  rehearsal?: boolean;
  /** The engine's clock (approvals age with it). */
  now?: () => Date;
  /** What the steps talk to the HSM process through (a test may watch the requests). */
  client?: HsmClient;
  /** Steps the engine may run besides Keyward's own (a test's rogue step, to replay an attack). */
  extraSteps?: Step[];
}

export interface CeremonyBench {
  ws: TestWorkstation;
  tokenSerial: string;
  officers: Officers;
  inventory: Inventory;
  wrappingKeys: WrappingKeys;
  policies: Policies;
  store: CeremonyStore;
  checkpoints: Checkpoints;
  engine(options?: EngineOptions): CeremonyEngine;
  /** Plans a ceremony and checks the officers in. */
  start(
    e: CeremonyEngine,
    type: CeremonyType,
    planned: { title: string; steps: StepPlan[] },
    present?: string[],
  ): Promise<string>;
  approve(e: CeremonyEngine, id: string, step: number, officers?: string[]): Promise<void>;
  /** Plans, checks in, approves every sensitive step and runs every step. */
  runPlanned(
    e: CeremonyEngine,
    type: CeremonyType,
    planned: { title: string; steps: StepPlan[] },
    officers?: string[],
  ): Promise<CeremonyStatus>;
  /** Every object on the token (label and hex id), as pkcs11-tool lists them with a user login. */
  tokenObjects(): { label: string; id: string; kind: string }[];
  /** Logs the HSM process back in as the user (after a step that failed with the SO logged in, say). */
  loginUser(): Promise<void>;
  close(): void;
}

export async function ceremonyBench(label: string): Promise<CeremonyBench> {
  const ws = await testWorkstation(label);
  const tokenSerial = (await ws.client.request('describeToken', { uri: ws.uri })).serial;
  const stores = openStores(ws.db, ceremonyRules, ws.log);
  const { officers, inventory, wrappingKeys, policies, ceremonies: store, checkpoints } = stores;
  const founding = { actors: founders.map(([id]) => id), ceremony: 'initialise' };
  for (const [id, role] of founders) {
    await enrolOfficer(
      officers,
      { signer: ws.signer, certificateDer: ws.certificateDer },
      { id, displayName: `${id[0]?.toUpperCase() ?? ''}${id.slice(1)}`, role, passphrase: passphrases[id] ?? '' },
      founding,
    );
  }

  const engine = (options: EngineOptions = {}): CeremonyEngine => {
    const client = options.client ?? ws.client;
    const extra = Object.fromEntries((options.extraSteps ?? []).map((step) => [step.action, step.executor]));
    const dependencies = engineDependencies(
      {
        stores,
        client,
        uri: ws.uri,
        tokenSerial,
        rehearsal: options.rehearsal
          ? { token: 'the test token, treated as the rehearsal token', findings: [] }
          : undefined,
        identity: { certificateDer: ws.certificateDer, tokenObjectId: ws.keyId },
        anchor: tokenAnchor(client, ws.uri),
        signer: ws.signer,
        generator: 'Keyward test',
        hsm: fixedHsm,
        newPassphrase: (officer) => Promise.resolve(passphrases[officer] ?? ''),
        backupShares: (backupId) =>
          Promise.resolve(
            options.shareBytes?.() ?? (options.shares?.() ?? []).map((input) => readShare(backupId, input)),
          ),
        login: async (role) => {
          await ws.client.request('login', {
            uri: ws.uri,
            role,
            pinParts: role === 'user' ? ws.userPin : (options.soPin ?? ws.soPin),
          });
        },
      },
      {
        ...(options.now ? { now: options.now } : {}),
        ...(options.crash
          ? {
              crash: (point: CrashPoint, step: number) => {
                if (point === options.crash?.point && step === options.crash.step)
                  throw new SimulatedCrash(`crash ${point} ${step}`);
              },
            }
          : {}),
      },
    );
    return new CeremonyEngine({ ...dependencies, executors: { ...dependencies.executors, ...extra } });
  };

  const approve = async (e: CeremonyEngine, id: string, step: number, present = ['alice', 'bob']) => {
    for (const officer of present) await e.approve(id, step, officer, passphrases[officer] ?? '');
  };
  const start = async (
    e: CeremonyEngine,
    type: CeremonyType,
    planned: { title: string; steps: StepPlan[] },
    present = ['alice', 'bob'],
  ) => {
    const plan = await e.plan(type, planned.title, planned.steps);
    for (const officer of present) await e.checkIn(plan.id, officer, passphrases[officer] ?? '');
    return plan.id;
  };
  const runPlanned = async (
    e: CeremonyEngine,
    type: CeremonyType,
    planned: { title: string; steps: StepPlan[] },
    present = ['alice', 'bob'],
  ) => {
    const id = await start(e, type, planned, present);
    for (const step of e.status(id).plan.steps) {
      if (step.sensitive) await approve(e, id, step.index, present);
      await e.runNext(id);
    }
    return e.status(id);
  };

  const tokenObjects = () => listTokenObjects(ws.tokens.env, label, ws.userPin.join(''));

  const loginUser = async () => {
    await ws.client.request('login', { uri: ws.uri, role: 'user', pinParts: ws.userPin });
  };
  return {
    ws,
    tokenSerial,
    officers,
    inventory,
    wrappingKeys,
    policies,
    store,
    checkpoints,
    engine,
    start,
    approve,
    runPlanned,
    tokenObjects,
    loginUser,
    close: () => ws.close(),
  };
}
