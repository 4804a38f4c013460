/** Ceremonies as every side sees them: the plan officers read before it starts, and its progress. */
import type { CeremonyType } from './officers';

export type StepValue = null | boolean | number | string | StepValue[] | { [key: string]: StepValue };

export interface PlannedStep {
  index: number;
  action: string;
  /** What the step does, in an officer's words. */
  description: string;
  params: Record<string, StepValue>;
  /** Runs only after the quorum has approved its digest. */
  sensitive: boolean;
  /** SHA-256 over the ceremony, the step's index, action and parameters: what the officers sign. */
  digest: string;
}

export interface CeremonyPlan {
  id: string;
  type: CeremonyType;
  title: string;
  steps: PlannedStep[];
  /** SHA-256 over the ceremony and every step digest, shown (hex and words) before it starts. */
  planDigest: string;
  createdAt: string;
}

export const ceremonyStates = ['planned', 'running', 'completed', 'aborted'] as const;
export type CeremonyState = (typeof ceremonyStates)[number];
export const stepStates = ['pending', 'running', 'done', 'failed', 'rolled-back'] as const;
export type StepState = (typeof stepStates)[number];

export interface StepStatus {
  index: number;
  action: string;
  state: StepState;
  startedAt: string | null;
  endedAt: string | null;
  result: Record<string, StepValue> | null;
  approvedBy: string[];
}

export interface CeremonyStatus {
  plan: CeremonyPlan;
  state: CeremonyState;
  checkedIn: string[];
  steps: StepStatus[];
  endedAt: string | null;
  outcome: string | null;
}
