/**
 * What a ceremony step does, split so that a crash at any point can be recovered: the labels it will
 * give new token objects (reserved and persisted before the token is touched), the token work, the
 * store changes (committed with the step's completion), and how to undo it if the ceremony is aborted.
 */
import type { StepValue } from '../../shared/ceremonies';
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
  checkpoints: Checkpoints;
  log: AuditLog;
  signer: Signer;
  ceremonyId: string;
  /** The officers whose approvals (or check-ins) stand behind this step. */
  actors: string[];
}

export interface StepExecutor {
  /** Labels of the token objects the step will create: destroyed if it does not complete. */
  reserveLabels?(params: Params): string[];
  /** The token work; nothing is written to the store here. */
  run(context: StepContext, params: Params): Promise<Result>;
  /** The store changes, in the transaction that marks the step done. */
  commit?(context: StepContext, params: Params, result: Result): void;
  /** Reverses a completed step when the ceremony is aborted. */
  undo?(context: StepContext, params: Params, result: Result): Promise<void>;
}

export const text = (params: Params, name: string): string => {
  const value = params[name];
  if (typeof value !== 'string') throw new Error(`step parameter ${name} is missing`);
  return value;
};

export const number = (params: Params, name: string): number => {
  const value = params[name];
  if (typeof value !== 'number') throw new Error(`step parameter ${name} is missing`);
  return value;
};
