/**
 * What a ceremony step does, split so that a crash at any point can be recovered and an approval means
 * exactly what runs: the token objects it will create (each given a CKA_ID in the signed plan, before the
 * token is touched), what must still hold when it runs, the token work, the store changes (committed with
 * the step's completion), and how to undo it if the ceremony is aborted.
 */
import type { z } from 'zod';
import type { StepInputKind, StepValue } from '../../shared/ceremonies';
import { errorCodeOf, KeywardError } from '../../shared/errors';
import type { LoginRole, TokenObjectRef } from '../../shared/keys';
import type { Approval, QuorumPolicy } from '../../shared/officers';
import type { RehearsalMark } from '../../shared/rehearsal';
import type { AuditAnchor } from '../audit/anchor';
import type { HsmClient } from '../hsm/client/client';
import type { AuditLog } from '../store/audit-log';
import type { Bundles } from '../store/bundles';
import type { Checkpoints } from '../store/checkpoints';
import type { Inventory } from '../store/inventory';
import type { Officers } from '../store/officers';
import type { Policies } from '../store/policies';
import type { WrappingKeys } from '../store/wrapping-keys';
import type { Signer } from '../x509/signer';
import type { HsmSelection } from './hsm-selection';

export type Params = Record<string, StepValue>;

export interface StepPlan {
  action: string;
  description: string;
  params: Params;
  sensitive: boolean;
  /**
   * A digest the step's own format defines (an export's step digest, which the bundle's verifier
   * recomputes from the manifest); it must cover the ceremony id. Otherwise the engine's digest.
   */
  digest?: string;
}

/** A key version, by key name and number. */
export type VersionRef = { name: string; version: number };
export type Result = Record<string, StepValue>;

export interface StepContext {
  client: HsmClient;
  uri: string;
  tokenSerial: string;
  /** Set when the token protects nothing real (the rehearsal token, or a token set apart for rehearsals): what marks every output. */
  rehearsal: RehearsalMark | undefined;
  inventory: Inventory;
  wrappingKeys: WrappingKeys;
  bundles: Bundles;
  checkpoints: Checkpoints;
  /** The audit log's anchor in the HSM, moved forward with every checkpoint. */
  anchor: AuditAnchor;
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
  /** The CKA_ID the signed plan reserved for the object with this label (see StepExecutor.creates). */
  objectId(label: string): string;
  /** Destroys the token objects with this CKA_ID, audited with each object's identity. */
  destroyObject(id: string, why: string): Promise<TokenObjectRef[]>;
  /** Logs in to the token as this role, the officers typing the PIN parts (the security officer's steps). */
  login(role: LoginRole): Promise<void>;
  officers: Officers;
  policies: Policies;
  /** Which module and token the workstation uses (the change-hsm ceremony reads, checks and saves it). */
  hsm: HsmSelection;
  /** The other ceremonies whose completed steps handed this key version out of the token (an export, a backup). */
  handedOut: (keyName: string, version: number) => string[];
  /** Asks an officer to type a new passphrase (enrolment); it is used in the step and never stored in clear. */
  newPassphrase(officerId: string): Promise<string>;
  /** Asks the custodians for their shares of a backup key (files or typed words); at least `threshold`. */
  backupShares(backupId: string, threshold: number): Promise<Uint8Array[]>;
}

/** What a step's declarations see when the ceremony is planned: the stores as they are, no officer yet. */
export type PlanningContext = Pick<
  StepContext,
  'inventory' | 'wrappingKeys' | 'officers' | 'policies' | 'hsm' | 'ceremonyId' | 'handedOut'
>;

export interface StepExecutor {
  /** What is wrong with a step's params against the step's declared schema (null: nothing). */
  paramsProblem?(params: Params): string | null;
  /** Only a step that says so runs without the quorum's approval of its digest. */
  sensitive?: false;
  /**
   * Once done, the step's effect stands (an activation, a bundle written, a destruction, an officer or
   * policy change): an abort undoes it only when the quorum of the ceremony's policy approves the abort.
   */
  takesEffect?: true;
  /** What officers type for the step to run (PIN parts, a new passphrase, shares), so the app asks before it starts. */
  inputs?(params: Params): StepInputKind[];
  /** What officers type for undo to run, when the ceremony is aborted. */
  undoInputs?(params: Params): StepInputKind[];
  /**
   * Labels of the token objects the step will create. The engine draws each a CKA_ID in the plan (signed
   * with it), checks the labels are free when planned and again when the step runs, and after a failure
   * or a crash destroys exactly those objects, found by CKA_ID, and nothing else.
   */
  creates?(params: Params): string[];
  /**
   * The places on drives (files or folders) the step writes into: checked again just before it runs (a drive
   * may have been swapped since the plan), and the only places its outputs may be claimed (rolled back) in.
   */
  writes?(params: Params): string[];
  /** The places on drives the step reads from (a backup package): checked again just before it runs, like those it writes. */
  reads?(params: Params): string[];
  /**
   * The key versions the step hands out of the token once done (a bundle, a backup package): a copy exists
   * elsewhere, so an abort of the ceremony that made such a version never destroys it.
   */
  handsOut?: (params: Params) => VersionRef[];
  /**
   * What must still hold when the step runs for its approval to mean what the approvers saw (the version
   * to create does not exist yet, the active version is still the one named): throws a stale refusal.
   */
  stillHolds?(context: PlanningContext, params: Params): void;
  /** The step's digest when its own format defines one (an export's bundle step digest); recomputed before it runs. */
  digest?(context: PlanningContext, params: Params): string;
  /** The token work; nothing is written to the store here. */
  run(context: StepContext, params: Params): Promise<Result>;
  /** The store changes, in the transaction that marks the step done (it may add the ids it created to the result). */
  commit?(context: StepContext, params: Params, result: Result): void;
  /**
   * CKA_IDs of recorded objects the step destroys (a destruction ceremony), named in its signed params.
   * The engine destroys nothing else but the objects the step's plan reserved.
   */
  destroys?(params: Params): string[];
  /** Reverses a completed step when the ceremony is aborted. */
  undo?(context: StepContext, params: Params, result: Result): Promise<void>;
  /**
   * Before an abort undoes the step: what the step left is still what is there (the version it made is
   * still pending and its own, the policy still the one it set). Throws a stale refusal naming what changed
   * since: undoing then would destroy or demote what later ceremonies made, so the step is kept.
   */
  stillUndoable?(context: PlanningContext, params: Params, result: Result): void;
}

/** A step that logs in as the security officer, then back in as the user. */
export const securityOfficerLogin: StepInputKind[] = ['security-officer-pin', 'user-pin'];

/**
 * Work done as the security officer, then back to the user, whatever happens: a mistyped SO PIN or a
 * failure leaves the user logged in, so the step can be tried again at once.
 */
export async function asSecurityOfficer<T>(
  context: Pick<StepContext, 'login' | 'rehearsal'>,
  work: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    try {
      await context.login('security-officer');
    } catch (error) {
      // A token with no security officer (NSS's softoken) serves for rehearsals only: there the user does
      // the officer's part, which the rehearsal's findings say the token does not keep to the officer.
      if (!context.rehearsal || errorCodeOf(error) !== 'HSM_NO_SO_LOGIN') throw error;
      await context.login('user');
    }
    result = await work();
  } catch (error) {
    await backAsUser(context);
    throw error;
  }
  await backAsUser(context);
  return result;
}

async function backAsUser(context: Pick<StepContext, 'login'>): Promise<void> {
  try {
    await context.login('user');
  } catch (error) {
    throw userLoginLost(error);
  }
}

/**
 * The user's login could not be restored (a mistyped user PIN): the token is left logged out, so the
 * officers log in again (a session-lost code: the app then asks for the login, which recovers any step).
 */
function userLoginLost(error: unknown): unknown {
  if (!(error instanceof KeywardError) || (error.code !== 'HSM_PIN_INCORRECT' && error.code !== 'HSM_PIN_LOCKED'))
    return error;
  return new KeywardError(
    'HSM_NOT_LOGGED_IN',
    `${error.message} The token is no longer logged in as the user.`,
    `${error.nextStep} Log in to the token again with the user PIN.`,
  );
}

/**
 * Before a step that logs in as the security officer begins: both PINs typed for it are tried (as the
 * security officer, then back as the user), so a mistyped PIN is a failed attempt, not a step left running.
 */
export async function checkStepLogins(
  context: Pick<StepContext, 'login' | 'rehearsal'>,
  inputs: StepInputKind[],
): Promise<void> {
  if (inputs.includes('security-officer-pin')) await asSecurityOfficer(context, () => Promise.resolve());
}

/** A step's plan is written by Keyward and never changes: params that do not fit its step mean the plan is not one Keyward made. */
const notInPlan = (action: string, problem: string): KeywardError =>
  new KeywardError(
    'CEREMONY_TAMPERED',
    `This ceremony's ${action} step has parameters Keyward did not write (${problem}), so Keyward cannot tell what the step is to do; nothing was done.`,
    'Abort this ceremony and plan it again; if it happens again, keep the database for investigation.',
  );

/** A step as its file declares it: the same members as StepExecutor, each given the step's params parsed and typed. */
export interface StepDeclaration<S extends z.ZodType> {
  action: string;
  /** The step's parameters, as its plan builder writes them into the signed plan and every member reads them. */
  params: S;
  sensitive?: false;
  takesEffect?: true;
  inputs?: (params: z.output<S>) => StepInputKind[];
  undoInputs?: (params: z.output<S>) => StepInputKind[];
  creates?: (params: z.output<S>) => string[];
  writes?: (params: z.output<S>) => string[];
  reads?: (params: z.output<S>) => string[];
  handsOut?: (params: z.output<S>) => VersionRef[];
  stillHolds?: (context: PlanningContext, params: z.output<S>) => void;
  digest?: (context: PlanningContext, params: z.output<S>) => string;
  run: (context: StepContext, params: z.output<S>) => Promise<Result>;
  commit?: (context: StepContext, params: z.output<S>, result: Result) => void;
  destroys?: (params: z.output<S>) => string[];
  undo?: (context: StepContext, params: z.output<S>, result: Result) => Promise<void>;
  stillUndoable?: (context: PlanningContext, params: z.output<S>, result: Result) => void;
}

/** A declared step: the engine's executor (which parses the params before every member), and its plan entry, typed. */
export interface Step<S extends z.ZodType = z.ZodType> {
  readonly action: string;
  readonly executor: StepExecutor;
  /** The step as a plan entry: what it does in the approvers' words, and its params (typed by the step's schema). */
  plan(description: string, params: z.input<S>, digest?: string): StepPlan;
}

/**
 * Declares a step: its params schema ties the plan builder (`step.plan(...)`) to the members that read
 * them, so an executor never reads a parameter its builder did not write.
 */
export function defineStep<S extends z.ZodType>(declared: StepDeclaration<S>): Step<S> {
  const parse = (params: Params): { data: z.output<S> } | { problem: string } => {
    const parsed = declared.params.safeParse(params);
    if (parsed.success) return { data: parsed.data };
    const issue = parsed.error.issues[0];
    return { problem: `${issue?.path.join('.') || 'params'}: ${issue?.message ?? 'invalid'}` };
  };
  const read = (params: Params): z.output<S> => {
    const parsed = parse(params);
    if ('problem' in parsed) throw notInPlan(declared.action, parsed.problem);
    return parsed.data;
  };
  const d = declared;
  const {
    inputs,
    undoInputs,
    creates,
    writes,
    reads,
    handsOut,
    stillHolds,
    digest,
    commit,
    destroys,
    undo,
    stillUndoable,
  } = declared;
  const executor: StepExecutor = {
    paramsProblem: (p) => {
      const parsed = parse(p);
      return 'problem' in parsed ? parsed.problem : null;
    },
    ...(d.sensitive === false ? { sensitive: false as const } : {}),
    ...(d.takesEffect ? { takesEffect: true as const } : {}),
    ...(inputs && { inputs: (p: Params) => inputs(read(p)) }),
    ...(undoInputs && { undoInputs: (p: Params) => undoInputs(read(p)) }),
    ...(creates && { creates: (p: Params) => creates(read(p)) }),
    ...(writes && { writes: (p: Params) => writes(read(p)) }),
    ...(reads && { reads: (p: Params) => reads(read(p)) }),
    ...(handsOut && { handsOut: (p: Params) => handsOut(read(p)) }),
    ...(stillHolds && { stillHolds: (c: PlanningContext, p: Params) => stillHolds(c, read(p)) }),
    ...(digest && { digest: (c: PlanningContext, p: Params) => digest(c, read(p)) }),
    run: (c, p) => {
      try {
        return d.run(c, read(p));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    ...(commit && { commit: (c: StepContext, p: Params, r: Result) => commit(c, read(p), r) }),
    ...(destroys && { destroys: (p: Params) => destroys(read(p)) }),
    ...(undo && { undo: (c: StepContext, p: Params, r: Result) => undo(c, read(p), r) }),
    ...(stillUndoable && {
      stillUndoable: (c: PlanningContext, p: Params, r: Result) => stillUndoable(c, read(p), r),
    }),
  };
  return {
    action: d.action,
    executor,
    plan: (description, params, digest) => {
      // Checked here too, so a builder cannot write a plan its own step would refuse to read.
      const parsed = parse(params as Params);
      if ('problem' in parsed)
        throw new KeywardError(
          'INTERNAL',
          `Keyward planned a ${d.action} step its own step declaration refuses (${parsed.problem}). Nothing was planned.`,
          'This is a defect in Keyward: report it.',
        );
      return {
        action: d.action,
        description,
        params: params as Params,
        sensitive: d.sensitive ?? true,
        ...(digest ? { digest } : {}),
      };
    },
  };
}

/** What a step stored in its result is written by Keyward too: a value missing from it means the database was changed. */
const notInResult = (name: string, kind: string): KeywardError =>
  new KeywardError(
    'CEREMONY_TAMPERED',
    `This ceremony step's stored result has no ${kind} "${name}", so Keyward cannot tell what the step did; nothing was done.`,
    'Keep the database for investigation, verify the audit log, and report this.',
  );

/** A value a step stored in its result (text or number), read back by its commit or undo. */
export const resultText = (result: Result, name: string): string => {
  const value = result[name];
  if (typeof value !== 'string') throw notInResult(name, 'text');
  return value;
};

export const resultNumber = (result: Result, name: string): number => {
  const value = result[name];
  if (typeof value !== 'number') throw notInResult(name, 'number');
  return value;
};

/** What the approvers approved no longer holds: the ceremony can only be aborted. */
/** A stale refusal, keeping its finding (what changed since) for the places that word it otherwise (an abort). */
export class StaleStep extends KeywardError {
  constructor(readonly finding: string) {
    super(
      'CEREMONY_STALE',
      `This step no longer does what its approvers approved: ${finding}. Nothing was done.`,
      'Abort this ceremony (its approvals are for a state that is gone); plan a new one if the work is still needed.',
    );
  }
}

export const stale = (what: string): StaleStep => new StaleStep(what);
