/**
 * A workstation driven through the app's contract (the calls the renderer makes, through the same
 * dispatch gate) on the rehearsal token (a real SoftHSM token) and a real SQLite file, initialised with
 * three founding officers; and the token's objects, listed by pkcs11-tool (independently of Keyward).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers } from '../../src/main/api/handlers';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { practiceDrivesFolder } from '../../src/main/media/drive-access';
import { openWorkstation } from '../../src/main/open-workstation';
import type { Workstation } from '../../src/main/workstation';
import type { AirGapStatus } from '../../src/shared/air-gap';
import type { CallName } from '../../src/shared/call-names';
import type { CeremonyView } from '../../src/shared/ceremonies';
import type { RequestOf, ResponseOf } from '../../src/shared/contract';
import type { KeywardErrorData } from '../../src/shared/errors';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { listTokenObjects } from './softhsm';

export const appPassphrases = {
  alice: 'rehearsal passphrase one',
  bob: 'rehearsal passphrase two',
  carol: 'rehearsal passphrase three',
  dave: 'rehearsal passphrase four',
  grace: 'rehearsal passphrase five',
};
export type AppOfficer = keyof typeof appPassphrases;

const isolated: AirGapStatus = { isolated: true, findings: [], interfaces: [], defaultRoutes: [] };

export interface AppBench {
  dataDir: string;
  workstation: Workstation;
  call<N extends CallName>(name: N, request: RequestOf<N>): Promise<ResponseOf<N>>;
  refusal<N extends CallName>(name: N, request: RequestOf<N>): Promise<KeywardErrorData>;
  /** A practice drive's folder. */
  drive(name: string): string;
  /** Plans from the form, checks the officers in, approves each sensitive step and runs it, up to `until` steps done (all by default). */
  runThrough(
    plan: Record<string, unknown>,
    officers: AppOfficer[],
    options?: { inputs?: RequestOf<'runCeremonyStep'>['inputs']; until?: number },
  ): Promise<CeremonyView>;
  /** Every object on the rehearsal token (label and hex id), as pkcs11-tool lists them with a user login. */
  tokenObjects(): { label: string; id: string }[];
  close(): void;
}

export interface AppBenchOptions {
  founding?: [AppOfficer, 'security-officer' | 'key-custodian' | 'auditor'][];
  /** Prepares the data folder before Keyward opens it (a saved HSM choice, say); the rehearsal token otherwise. */
  prepare?: (dataDir: string) => void;
  /** The user PIN of the token the workstation uses. */
  userPin?: string;
}

export async function appBench(options: AppBenchOptions = {}): Promise<AppBench> {
  const founding = options.founding ?? [
    ['alice', 'security-officer'],
    ['bob', 'key-custodian'],
    ['carol', 'auditor'],
    ['dave', 'security-officer'],
    ['grace', 'security-officer'],
  ];
  const dataDir = mkdtempSync(join(tmpdir(), 'keyward-app-bench-'));
  options.prepare?.(dataDir);
  const workstation = openWorkstation(dataDir, nodeHsmChannel);
  const handlers = createHandlers(workstation, { readAirGap: () => isolated });
  const call = async <N extends CallName>(name: N, request: RequestOf<N>): Promise<ResponseOf<N>> => {
    const result = await dispatch(handlers, name, request);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value as ResponseOf<N>;
  };
  const refusal = async <N extends CallName>(name: N, request: RequestOf<N>): Promise<KeywardErrorData> => {
    const result = await dispatch(handlers, name, request);
    if (result.ok) throw new Error(`${name} was expected to be refused`);
    return result.error;
  };
  await call('loginToken', { pinParts: [options.userPin ?? rehearsalToken.userPin] });
  await call('initialiseWorkstation', {
    organization: 'Example Org',
    name: 'WS bench',
    signingKey: 'ECDSA_P256',
    founding: founding.map(([id, role]) => ({
      id,
      name: `${id[0]?.toUpperCase()}${id.slice(1)}`,
      role,
      passphrase: appPassphrases[id],
    })),
    airGapFindings: [],
  });
  const runThrough: AppBench['runThrough'] = async (plan, officers, options = {}) => {
    let view = await call('planCeremony', { plan });
    const id = view.status.plan.id;
    for (const officer of officers) await call('checkInOfficer', { id, officer, passphrase: appPassphrases[officer] });
    view = await call('getCeremony', { id });
    const until = options.until ?? view.status.steps.length;
    for (;;) {
      const next = view.status.steps.find((s) => s.state !== 'done');
      if (!next || next.index >= until) return view;
      if (view.status.plan.steps[next.index]?.sensitive) {
        for (const officer of officers.slice(0, view.quorumNeeded))
          await call('approveCeremonyStep', { id, step: next.index, officer, passphrase: appPassphrases[officer] });
      }
      view = await call('runCeremonyStep', { id, inputs: options.inputs ?? {} });
    }
  };
  const tokenObjects = () =>
    listTokenObjects(
      { SOFTHSM2_CONF: join(dataDir, 'rehearsal', 'softhsm2.conf') },
      rehearsalToken.label,
      rehearsalToken.userPin,
    );
  return {
    dataDir,
    workstation,
    call,
    refusal,
    drive: (name) => join(dataDir, practiceDrivesFolder, name),
    runThrough,
    tokenObjects,
    close: () => {
      workstation.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
