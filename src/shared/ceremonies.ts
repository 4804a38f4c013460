/** Ceremonies as every side sees them: the plan officers read before it starts, and its progress. */
import type { CeremonyTypeName } from './ceremony-types';
import type { OfficerRole, QuorumPolicy } from './officers';

export type StepValue = null | boolean | number | string | StepValue[] | { [key: string]: StepValue };

export interface PlannedStep {
  index: number;
  action: string;
  /** What the step does, in an officer's words. */
  description: string;
  params: Record<string, StepValue>;
  /** Runs only after the quorum has approved its digest. */
  sensitive: boolean;
  /**
   * The token objects the step creates: each label with the CKA_ID drawn for it when the ceremony was
   * planned, so a rollback destroys exactly these objects, found by id, and nothing else.
   */
  objects: { label: string; id: string }[];
  /** SHA-256 over the ceremony, the step's index, action, parameters and objects: what the officers sign. */
  digest: string;
}

export interface CeremonyPlan {
  id: string;
  type: CeremonyTypeName;
  title: string;
  steps: PlannedStep[];
  /** SHA-256 over the ceremony, its title, and every step's digest and description, shown (hex and words) before it starts; signed by the workstation key. */
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

/**
 * What officers must give a step when it runs, beyond the approvals: the security officer's PIN parts
 * (and the user PIN again, to log back in afterwards), a new officer's passphrase, or backup key shares.
 */
export const stepInputKinds = ['security-officer-pin', 'user-pin', 'new-passphrase', 'backup-shares'] as const;
export type StepInputKind = (typeof stepInputKinds)[number];

/** The values for a step's inputs; used for that step only and never stored. */
export interface StepInputs {
  securityOfficerPin?: string[];
  userPin?: string[];
  newPassphrase?: string;
  /** Each share as its words (or the text of its share file), or the path of its share file on a drive. */
  shares?: string[];
}

/** Each kind of input in words, as "Enter … first" and main's refusals say it. */
export const stepInputNames: Record<StepInputKind, string> = {
  'security-officer-pin': "the security officer's PIN parts",
  'user-pin': 'the user PIN parts (to log back in as the user afterwards)',
  'new-passphrase': "the new officer's passphrase",
  'backup-shares': "the custodians' shares",
};

/** Which of these kinds of input the values leave out (an empty list or passphrase is left out): for the app's form and main alike. */
export function missingInputs(kinds: readonly StepInputKind[], inputs: StepInputs): StepInputKind[] {
  const given: Record<StepInputKind, boolean> = {
    'security-officer-pin': (inputs.securityOfficerPin?.length ?? 0) > 0,
    'user-pin': (inputs.userPin?.length ?? 0) > 0,
    'new-passphrase': (inputs.newPassphrase?.length ?? 0) > 0,
    'backup-shares': (inputs.shares?.length ?? 0) > 0,
  };
  return kinds.filter((kind) => !given[kind]);
}

/** A ceremony as the app shows it: its status, and for each step who has approved and who is still needed. */
/** One value a step's digest covers, in words (`mono`: read character by character). */
export interface StepDetail {
  label: string;
  value: string;
  mono?: boolean;
}

export interface CeremonyView {
  status: CeremonyStatus;
  policy: QuorumPolicy;
  /** Approvals a sensitive step needs: the policy's quorum, never under the dual-control floor. */
  quorumNeeded: number;
  steps: {
    index: number;
    inputs: StepInputKind[];
    approvals: { officer: string; role: OfficerRole; at: string }[];
    /** Every value the step's digest covers, in words, as the plan shows them. */
    details: StepDetail[];
  }[];
  /** The inputs an abort needs (undoing a step may need the security officer's PIN). */
  abortInputs: StepInputKind[];
  /**
   * What an abort would do to the completed steps: undone by one officer's signed abort, undone when the
   * policy's quorum signs it, and kept by one officer's abort (steps that took effect stand); who has
   * signed the abort so far, for which reason.
   */
  /** Steps kept even by the quorum's abort are in changedSince, with what later ceremonies changed. */
  abort: {
    undoneAlone: number[];
    undoneWithQuorum: number[];
    keptAlone: number[];
    changedSince: { step: number; reason: string }[];
    signedBy: string[];
    reason: string | null;
  };
  /** A step was running when Keyward stopped; logging in to the token rolls it back. */
  interrupted: boolean;
}

export interface CeremonySummary {
  id: string;
  type: string;
  title: string;
  state: CeremonyState;
  createdAt: string;
  endedAt: string | null;
  stepsDone: number;
  steps: number;
  interrupted: boolean;
  /** The officers who checked in to it, in order (others check in when it is resumed). */
  checkedIn: string[];
  /** A step is running now in another Keyward on this workstation (never "interrupted" then): which one. */
  runningIn?: string;
  /** For an ended ceremony: whether its signed transcript was written (the audit log records each one). */
  transcript?: 'written' | 'missing';
}

/** A step a crash left running, rolled back: what it had made on the token and written on drives is gone (or, on a drive not mounted now, named). */
export interface RecoveredStep {
  ceremonyId: string;
  title: string;
  step: number;
  destroyedObjects: number;
  outputsRemoved: string[];
  outputsUnreachable: string[];
  /** Why nothing was destroyed: the plan in the database is not the one the workstation signed. */
  problem?: string;
  /** The plan is from a Keyward before plans were signed: nothing was destroyed, but nothing points to tampering. */
  legacy?: true;
  /** Not a step: the ended ceremony's transcript was being written (`step` is then -1). */
  transcript?: true;
}

/** What the officers are told of a rolled-back step, on the command line and in the app alike. */
export function describeRollback(step: RecoveredStep): string {
  if (step.transcript) {
    return [
      `The signed transcript of "${step.title}" (${step.ceremonyId}) was being written when Keyward stopped (recorded in the audit log).`,
      ...(step.outputsRemoved.length ? [`What was written of it, removed: ${step.outputsRemoved.join(', ')}.`] : []),
      ...(step.outputsUnreachable.length
        ? [
            `Its drive is not there now: insert it and delete ${step.outputsUnreachable.join(', ')}, which is not a valid transcript.`,
          ]
        : []),
      `Write it again: keyward ceremony transcript ${step.ceremonyId} --out DIR (in the app: open the ceremony).`,
    ].join(' ');
  }
  const interrupted = `Step ${step.step + 1} of "${step.title}" (${step.ceremonyId}) was interrupted when Keyward stopped`;
  return [
    ...(step.problem
      ? [
          `${interrupted}. Keyward marked it rolled back (recorded in the audit log) but touched nothing on the token, because ${step.problem}. The ceremony cannot go on: abort it.`,
          step.legacy
            ? "Then check the token for objects the step may have made (with the HSM vendor's tools), have the officers agree on which ones are not in the key inventory, and destroy those; plan the ceremony again."
            : 'Check the token for objects the step may have made, and keep the database for investigation.',
        ]
      : [
          `${interrupted}: it was rolled back and runs again (recorded in the audit log).`,
          `Objects it had made on the token, destroyed: ${step.destroyedObjects}.`,
        ]),
    ...(step.outputsRemoved.length
      ? [`What it had written on drives, removed: ${step.outputsRemoved.join(', ')}.`]
      : []),
    ...(step.outputsUnreachable.length
      ? [
          `It may also have written these, which Keyward could not check were its own (their drive is not there now, or another drive is in its place): ${step.outputsUnreachable.join(', ')}. What the step wrote there is not a valid record of this ceremony: insert its drive and delete it.`,
        ]
      : []),
  ].join(' ');
}

/**
 * Why an abort keeps a completed step whoever signs it (AbortReach.changed), as the app, the command line
 * and the transcript say it: `done` before the abort, `kept` after.
 */
export function keptStepWords(kept: { step: number; reason: string }, when: 'before' | 'after'): string {
  return when === 'before'
    ? `Step ${kept.step + 1} stays done whoever signs the abort, and so do the steps before it, as it can no longer be undone safely: ${kept.reason}.`
    : `Step ${kept.step + 1} was kept, and the steps before it, as it could no longer be undone safely: ${kept.reason}.`;
}
