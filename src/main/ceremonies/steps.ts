/**
 * What a ceremony step does, split so that a crash at any point can be recovered: the labels it will
 * give new token objects (reserved and persisted before the token is touched), the token work, the
 * store changes (committed with the step's completion), and how to undo it if the ceremony is aborted.
 */
import type { StepInputKind, StepValue } from '../../shared/ceremonies';
import { KeywardError } from '../../shared/errors';
import type { LoginRole } from '../../shared/keys';
import type { Approval, QuorumPolicy } from '../../shared/officers';
import type { Bundles } from '../store/bundles';
import type { Officers } from '../store/officers';
import type { Policies } from '../store/policies';
import type { WrappingKeys } from '../store/wrapping-keys';
import type { HsmClient } from '../hsm/client';
import type { AuditLog } from '../store/audit-log';
import type { Checkpoints } from '../store/checkpoints';
import type { Inventory } from '../store/inventory';
import type { Signer } from '../x509/signer';

export type Params = Record<string, StepValue>;
export type Result = Record<string, StepValue>;

export interface StepContext {
  client: HsmClient;
  uri: string;
  tokenSerial: string;
  inventory: Inventory;
  wrappingKeys: WrappingKeys;
  bundles: Bundles;
  checkpoints: Checkpoints;
  log: AuditLog;
  signer: Signer;
  certificateDer: Uint8Array;
  /** Names the software in bundles: "Keyward <version>". */
  generator: string;
  ceremonyId: string;
  /** The officers whose approvals (or check-ins) stand behind this step. */
  actors: string[];
  /** The verified approvals of this step, and the policy they met (for records that carry them). */
  approvals: Approval[];
  policy: QuorumPolicy;
  /**
   * Records a file or folder the step is about to write on a drive, before writing it: if the step does
   * not complete (a failure, a crash), Keyward removes it, so no unrecorded output is left behind.
   */
  claimOutput(path: string): void;
  /** Logs in to the token as this role, the officers typing the PIN parts (the security officer's steps). */
  login(role: LoginRole): Promise<void>;
  officers: Officers;
  policies: Policies;
  /** Asks an officer to type a new passphrase (enrolment); it is used in the step and never stored in clear. */
  newPassphrase(officerId: string): Promise<string>;
  /** Asks the custodians for their shares of a backup key (files or typed words); at least `threshold`. */
  backupShares(backupId: string, threshold: number): Promise<Uint8Array[]>;
}

export interface StepExecutor {
  /** What officers type for the step to run (PIN parts, a new passphrase, shares), so the app asks before it starts. */
  inputs?(params: Params): StepInputKind[];
  /** What officers type for undo to run, when the ceremony is aborted. */
  undoInputs?(params: Params): StepInputKind[];
  /** Labels of the token objects the step will create: destroyed if it does not complete. */
  reserveLabels?(params: Params): string[];
  /** The token work; nothing is written to the store here. */
  run(context: StepContext, params: Params): Promise<Result>;
  /** The store changes, in the transaction that marks the step done (it may add the ids it created to the result). */
  commit?(context: StepContext, params: Params, result: Result): void;
  /** Reverses a completed step when the ceremony is aborted. */
  undo?(context: StepContext, params: Params, result: Result): Promise<void>;
}

/** A step that logs in as the security officer, then back in as the user. */
export const securityOfficerLogin: StepInputKind[] = ['security-officer-pin', 'user-pin'];

/** A step's plan is written by Keyward and never changes: a value missing from it means the plan is not one Keyward made. */
const notInPlan = (name: string, kind: string): KeywardError =>
  new KeywardError('INVALID_REQUEST', `This ceremony step's plan has no ${kind} "${name}", so Keyward cannot tell what the step is to do; nothing was done.`, 'Abort this ceremony and plan it again; if it happens again, keep the database for investigation.');

export const text = (params: Params, name: string): string => {
  const value = params[name];
  if (typeof value !== 'string') throw notInPlan(name, 'text');
  return value;
};

export const number = (params: Params, name: string): number => {
  const value = params[name];
  if (typeof value !== 'number') throw notInPlan(name, 'number');
  return value;
};
