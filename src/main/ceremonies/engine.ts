/**
 * The ceremony engine, driven alike by the UI and the CLI. A ceremony is a plan of steps shown in full
 * with its digest before it starts, signed by the workstation key when planned; officers check in by
 * signing the plan digest; a sensitive step runs only once the quorum's approvals of its exact digest
 * verify, its digest recomputed from what it will do and the plan's signature checked again; state is
 * persisted after every step, so after a crash a ceremony resumes at its last completed step (the
 * interrupted step rolled back: exactly the objects it reserved, by CKA_ID), or is aborted.
 */
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { AuditDetails } from '../../shared/audit';
import type { CeremonyPlan, CeremonyState, CeremonyStatus, PlannedStep, RecoveredStep } from '../../shared/ceremonies';
import { approvalFloor, quorumNeeded } from '../../shared/ceremony-types';
import { KeywardError, errorCodeOf, withOutcome } from '../../shared/errors';
import { objectIdPattern, type Signature, type TokenObjectRef } from '../../shared/keys';
import { countsTowardsQuorum, roleNames, rolesInWords, type Approval } from '../../shared/officers';
import { writeAnchoredCheckpoint } from '../audit/anchor';
import { newObjectId } from '../hsm/object-id';
import { checkApprovals } from '../officers/approvals';
import { approveStep } from '../officers/enrolment';
import { statementDigest } from '../officers/statement-digest';
import type { AuditLog } from '../store/audit-log';
import { isStoreBusy } from '../store/busy';
import { canonicalJson } from '../store/canonical';
import type { CeremonyStore } from '../store/ceremonies';
import type { Officers } from '../store/officers';
import type { Policies } from '../store/policies';
import { signatureValid } from '../x509/verify-signature';
import { writeCeremonyScript } from './ceremony-script';
import { claimOf, removeOutputs } from './step-outputs';
import {
  StaleStep,
  checkStepLogins,
  type PlanningContext,
  type StepContext,
  type StepExecutor,
  type StepPlan,
} from './steps';
import { buildTranscript, transcriptFolderName, writeTranscript, type Transcript } from './transcript';

export type { StepPlan } from './steps';

/** A ceremony id, for plan builders whose step digests must name their ceremony. */
export const newCeremonyId = (type: string): string => `${type}-${randomUUID()}`;

/**
 * Where a test may simulate a crash: after a step began, after its token work, after it was committed; or
 * once the plan is stored and each time an officer checked in (`step` then counts the officers checked in);
 * once a transcript's folder is claimed, before it is written (`step` is then -1).
 */
export type CrashPoint = 'after-begin' | 'after-run' | 'after-commit' | 'checked-in' | 'transcript-claimed';

export interface EngineDependencies {
  db: { transaction<T>(fn: () => T): () => T };
  store: CeremonyStore;
  log: AuditLog;
  officers: Officers;
  policies: Policies;
  executors: Record<string, StepExecutor>;
  workstationCertificate: Uint8Array;
  /** The CKA_ID of the workstation signing key: never destroyed by a rollback, whatever a plan says. */
  workstationKeyId: string;
  /** Token, store, signer and login for the steps; the caller has logged in to the token as user. */
  stepContext: Omit<
    StepContext,
    'ceremonyId' | 'actors' | 'approvals' | 'policy' | 'claimOutput' | 'objectId' | 'destroyObject' | 'handedOut'
  >;
  now?: () => Date;
  /** Fault injection for tests: throws to simulate a crash at a point; never set in production. */
  crash?: (point: CrashPoint, step: number) => void;
}

const closingCheckpoint: StepPlan = {
  action: 'write-checkpoint',
  description: 'Sign a checkpoint of the audit log with the workstation key',
  params: {},
  sensitive: false,
};

const writeCheckpoint: StepExecutor = {
  sensitive: false,
  run: async (context) => {
    const checkpoint = await writeAnchoredCheckpoint(context, context.signer, context.anchor, context.actors);
    return { seq: checkpoint.seq, headHash: checkpoint.headHash };
  },
};

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The engine's digest of a step: the ceremony, the step's place, what it does, to what, and the objects it creates. */
function engineStepDigest(ceremonyId: string, type: string, step: Omit<PlannedStep, 'digest' | 'description'>): string {
  return sha256(
    canonicalJson({
      type: 'keyward-ceremony-step',
      ceremonyId,
      ceremonyType: type,
      index: step.index,
      action: step.action,
      params: step.params,
      sensitive: step.sensitive,
      objects: step.objects,
    }),
  );
}

/**
 * The plan digest: the title, and each step's digest, the words the officers read for it and the objects
 * it reserves (a step digest its format defines, as an export's, does not cover them).
 */
function planDigestOf(
  ceremonyId: string,
  type: string,
  title: string,
  steps: Pick<PlannedStep, 'digest' | 'description' | 'objects'>[],
): string {
  return sha256(
    canonicalJson({
      type: 'keyward-ceremony-plan',
      ceremonyId,
      ceremonyType: type,
      title,
      steps: steps.map((s) => ({ digest: s.digest, description: s.description, objects: s.objects })),
    }),
  );
}

/**
 * Refuses a ceremony's record out of its turn: its script once it has ended (completed or aborted), its
 * transcript before. `remedy` says what to do instead where it says more than the app does (the CLI's command).
 */
export function refuseRecordOutOfTurn(
  id: string,
  state: CeremonyState,
  record: 'script' | 'transcript',
  remedy?: string,
): void {
  const ended = state === 'completed' || state === 'aborted';
  if (record === 'transcript' && !ended)
    throw new KeywardError(
      'INVALID_REQUEST',
      `Ceremony ${id} has not ended (${state}); its transcript is written when it completes or is aborted.`,
      remedy ?? 'Finish or abort the ceremony first.',
    );
  if (record === 'script' && ended)
    throw new KeywardError(
      'INVALID_REQUEST',
      `Ceremony ${id} has ended (${state}); its transcript records it now.`,
      remedy ?? 'Write its transcript instead.',
    );
}

/** What the workstation key signs when a ceremony is planned. */
const planSignatureBody = (ceremonyId: string, planDigest: string): Buffer =>
  Buffer.from(canonicalJson({ type: 'keyward-ceremony-plan-signature', ceremonyId, planDigest }));

/** What officers sign to abort a ceremony for a reason. */
export const abortDigest = (ceremonyId: string, reason: string): string =>
  statementDigest('keyward-abort', ceremonyId, reason);

export interface AbortOutcome {
  status: CeremonyStatus;
  /** Completed steps the abort undid, newest first. */
  undone: number[];
  /** Completed steps whose effect stands: they took effect and the abort was not approved by the quorum, they cannot be undone, or later ceremonies changed what they left. */
  kept: number[];
  /** Of those kept, the ones later ceremonies changed, and how. */
  changed: { step: number; reason: string }[];
}

export class CeremonyEngine {
  /** Every step this engine has rolled back since it opened. */
  readonly recovered: RecoveredStep[] = [];

  constructor(private readonly d: EngineDependencies) {}

  private now(): string {
    return (this.d.now?.() ?? new Date()).toISOString();
  }

  /**
   * Plans a ceremony: every step is one Keyward can perform, its sensitivity is the executor's, the objects
   * it will create get their CKA_IDs and their labels are free on the token; the plan is signed by the
   * workstation key, and checked against that signature at every later step.
   */
  async plan(type: string, title: string, requested: StepPlan[], id = newCeremonyId(type)): Promise<CeremonyPlan> {
    if (!id.startsWith(`${type}-`))
      throw new KeywardError(
        'INVALID_REQUEST',
        `The ceremony id ${id} is not a ${type} id.`,
        'Plan the ceremony again.',
      );
    this.requireQuorumPossible(type, requested);
    // Every ceremony ends with a signed checkpoint of the audit log, so its record cannot be cut off later.
    const steps = [...requested, closingCheckpoint];
    const planning = this.planningContext(id);
    const planned: PlannedStep[] = steps.map(({ digest, ...step }, index) => {
      const executor = this.executor(step.action);
      if (step.sensitive !== (executor.sensitive ?? true)) {
        throw new KeywardError(
          'INTERNAL',
          `The plan marks step ${index + 1} (${step.action}) ${step.sensitive ? 'sensitive' : 'not sensitive'}, but Keyward ${step.sensitive ? 'runs it without' : 'needs'} the quorum's approval for it.`,
          'This is a defect in Keyward: report it. Nothing was planned.',
        );
      }
      const problem = executor.paramsProblem?.(step.params);
      if (problem)
        throw new KeywardError(
          'INTERNAL',
          `The plan's step ${index + 1} (${step.action}) has parameters its step does not take (${problem}).`,
          'This is a defect in Keyward: report it. Nothing was planned.',
        );
      const objects = (executor.creates?.(step.params) ?? []).map((label) => ({ label, id: newObjectId() }));
      const withObjects = { index, ...step, objects };
      const own = executor.digest?.(planning, step.params);
      if (own !== undefined && digest !== own)
        throw new KeywardError(
          'INTERNAL',
          `Step ${index + 1}'s digest is not the one its format defines.`,
          'This is a defect in Keyward: report it. Nothing was planned.',
        );
      return { ...withObjects, digest: own ?? engineStepDigest(id, type, withObjects) };
    });
    const labels = planned.flatMap((s) => s.objects.map((o) => o.label));
    const repeated = labels.find((label, i) => labels.indexOf(label) !== i);
    if (repeated)
      throw new KeywardError(
        'HSM_LABEL_TAKEN',
        `The plan creates two objects labelled "${repeated}".`,
        'Give each new key its own label.',
      );
    await this.requireLabelsFree(labels);
    const planDigest = planDigestOf(id, type, title, planned);
    const signature = await this.d.stepContext.signer.sign(planSignatureBody(id, planDigest));
    if (!signatureValid(this.d.stepContext.signer.spki, planSignatureBody(id, planDigest), signature)) {
      throw new KeywardError(
        'HSM_SIGNATURE_INVALID',
        'The HSM signed the ceremony plan, but the signature does not verify against the workstation key. Nothing was planned.',
        'Check the workstation signing key and the HSM before any ceremony.',
      );
    }
    const plan: CeremonyPlan = { id, type, title, steps: planned, planDigest, createdAt: this.now() };
    this.d.db.transaction(() => {
      this.d.store.create(plan, signature);
      this.d.log.append({
        actors: ['workstation'],
        action: 'ceremony.plan',
        subject: id,
        outcome: 'success',
        details: { type, ceremony: id, planDigest, steps: planned.length, objects: planned.flatMap((s) => s.objects) },
      });
    })();
    this.d.crash?.('checked-in', 0);
    return plan;
  }

  status(id: string): CeremonyStatus {
    return this.d.store.status(id);
  }

  /**
   * A plan whose approvals the officers who exist could never give is refused before anyone checks in: it
   * would be accepted, then blocked forever (one security officer where the policy needs two, say).
   */
  private requireQuorumPossible(type: string, requested: StepPlan[]): void {
    if (!requested.some((step) => step.sensitive)) return;
    // Before the founding officers are enrolled (initialisation), there is no one to count.
    if (this.d.officers.list().length === 0) return;
    const { needed, able, roles } = this.quorumReach(type);
    if (able.length >= needed) return;
    const enrolReach = this.quorumReach('enrol-officer');
    throw new KeywardError(
      'QUORUM_NOT_MET',
      `This ceremony needs the approvals of ${needed} officers among the ${roles}, and ${able.length ? `only ${able.join(', ')} ${able.length === 1 ? 'is' : 'are'}` : 'none is'} active in those roles, so it could never be carried out. Nothing was planned.`,
      type !== 'enrol-officer' && enrolReach.able.length >= enrolReach.needed
        ? 'Enrol (or reinstate) enough officers in those roles first, in an enrol-officer ceremony.'
        : `Enrolling an officer needs ${enrolReach.needed} active officers among the ${enrolReach.roles} too, so this workstation's officers cannot change: initialise a new workstation with at least two security officers.`,
    );
  }

  /** The approvals a type needs, and the active officers who may give them. */
  private quorumReach(type: string): { needed: number; able: string[]; roles: string } {
    const rule = this.d.policies.rule(type);
    return {
      needed: quorumNeeded(rule),
      able: this.d.officers
        .list()
        .filter((o) => o.state === 'active' && countsTowardsQuorum(rule.policy, o.role))
        .map((o) => o.id),
      roles: rolesInWords(rule.policy.roles),
    };
  }

  /** An officer checks in by signing the plan digest with their approval key (their passphrase unseals it). */
  async checkIn(id: string, officerId: string, passphrase: string): Promise<void> {
    const status = this.open(id);
    const proof = await approveStep(this.d.officers, officerId, passphrase, status.plan.planDigest);
    this.d.db.transaction(() => {
      this.d.store.checkIn(id, officerId, proof, this.now());
      this.d.log.append({
        actors: [officerId],
        action: 'ceremony.check-in',
        subject: id,
        outcome: 'success',
        details: { ceremony: id, role: proof.role },
      });
    })();
    this.d.crash?.('checked-in', status.checkedIn.length + 1);
  }

  /** The officer may give approvals the ceremony's policy counts (refused, and audited, otherwise). */
  private requireApprover(status: CeremonyStatus, officerId: string, what: string): void {
    const policy = this.d.policies.get(status.plan.type);
    const { role } = this.d.officers.get(officerId);
    if (!countsTowardsQuorum(policy, role)) {
      this.d.log.append({
        actors: [officerId],
        action: `ceremony.${what === 'abort' ? 'abort' : 'approve'}`,
        subject: status.plan.id,
        outcome: 'refused',
        details: { ceremony: status.plan.id, role, what },
      });
      throw new KeywardError(
        'QUORUM_NOT_MET',
        `${officerId} is in the role ${roleNames[role]}; the policy for ${status.plan.type} counts approvals from ${rolesInWords(policy.roles)} only.`,
        `An officer in one of those roles ${what === 'abort' ? 'aborts the ceremony' : `approves ${what}`}.`,
      );
    }
  }

  /** A checked-in officer approves one sensitive step: a signature over that step's digest, verified now and again before the step runs. */
  async approve(id: string, index: number, officerId: string, passphrase: string): Promise<void> {
    const status = this.open(id);
    const step = this.step(status, index);
    if (!step.sensitive)
      throw new KeywardError(
        'INVALID_REQUEST',
        `Step ${index + 1} (${step.description}) needs no approval.`,
        'Run it.',
      );
    if (!status.checkedIn.includes(officerId))
      throw new KeywardError(
        'QUORUM_NOT_MET',
        `${officerId} has not checked in to this ceremony, so cannot approve its steps.`,
        `${officerId} checks in first, after reading the plan and its digest.`,
      );
    this.requireApprover(status, officerId, `step ${index + 1}`);
    // What must hold is known for the next step; a later one is checked when it becomes the next.
    this.requireCurrent(status, step, status.steps.find((s) => s.state !== 'done')?.index === index);
    const approval = await approveStep(this.d.officers, officerId, passphrase, step.digest);
    this.d.db.transaction(() => {
      if (this.d.store.approvals(id, index).some((a) => a.officer === officerId))
        throw new KeywardError(
          'QUORUM_NOT_MET',
          `${officerId} has already approved step ${index + 1}; nobody counts twice.`,
          'Another officer approves.',
        );
      this.d.store.addApproval(id, index, approval);
      this.d.log.append({
        actors: [officerId],
        action: 'ceremony.approve',
        subject: id,
        outcome: 'success',
        details: { ceremony: id, step: index, stepDigest: step.digest },
      });
    })();
  }

  /** Runs the next step. Returns the ceremony's status afterwards. */
  async runNext(id: string): Promise<CeremonyStatus> {
    // Set once the step has begun: from then on, a failure says what became of its work.
    const begun: { step?: PlannedStep } = {};
    try {
      return await this.runStep(id, begun);
    } catch (error) {
      throw begun.step ? this.stepStopped(id, begun.step, error) : error;
    }
  }

  private async runStep(id: string, begun: { step?: PlannedStep }): Promise<CeremonyStatus> {
    const status = this.open(id);
    const next = status.steps.find((s) => s.state !== 'done');
    if (!next) throw new KeywardError('INVALID_REQUEST', 'Every step of this ceremony is done.', 'Close the ceremony.');
    const step = this.step(status, next.index);
    const executor = this.executor(step.action);
    this.requireCurrent(status, step);
    const actors = this.authorise(status, step);
    const context = this.context(status, step, actors);
    try {
      // The labels were free when planned; another ceremony may have taken one since.
      await this.requireLabelsFree(
        step.objects.map((o) => o.label),
        { ceremony: id, step: step.index, actors },
      );
      // A mistyped PIN is a failed attempt: the step does not begin, and is not left running.
      await checkStepLogins(context, executor.inputs?.(step.params) ?? []);
    } catch (error) {
      // The token could not be asked (removed, its process gone), or a PIN typed for the step was refused:
      // nothing began, and that is on record.
      if (!isStoreBusy(error) && errorCodeOf(error) !== 'HSM_LABEL_TAKEN')
        this.d.log.append({
          actors,
          action: 'ceremony.step',
          subject: id,
          outcome: 'failure',
          details: { ceremony: id, step: step.index, action: step.action, error: errorCodeOf(error), began: false },
        });
      throw error;
    }
    this.d.db.transaction(() => {
      if (status.state === 'planned') this.d.store.setState(id, 'running', this.now());
      this.d.store.updateStep(id, step.index, { state: 'running', at: this.now(), forgetOutputs: true });
      this.d.log.append({
        actors,
        action: 'ceremony.step.begin',
        subject: id,
        outcome: 'success',
        details: {
          ceremony: id,
          step: step.index,
          action: step.action,
          stepDigest: step.digest,
          objects: step.objects,
        },
      });
    })();
    begun.step = step;
    this.d.crash?.('after-begin', step.index);
    let result;
    try {
      result = await executor.run(context, step.params);
    } catch (error) {
      // With the database held by another program, the step cannot be marked failed either: it stays
      // running, and is rolled back (its objects and outputs too) at the next login.
      if (isStoreBusy(error)) throw error;
      const outputs = removeOutputs(this.d.store.stepState(id, step.index).pendingOutputs);
      const failed = (rolledBack: AuditDetails) =>
        this.d.log.append({
          actors,
          action: 'ceremony.step',
          subject: id,
          outcome: 'failure',
          details: {
            ceremony: id,
            step: step.index,
            action: step.action,
            error: errorCodeOf(error),
            ...rolledBack,
            outputsRemoved: outputs.removed,
            outputsUnreachable: outputs.unreachable,
          },
        });
      let rollback;
      try {
        rollback = await this.destroyReserved(step);
      } catch {
        // The token cannot be reached (removed, its process gone): the step stays running, so the next
        // login rolls it back and destroys what it reserved; the failure itself is recorded now.
        failed({ rollBackAtLogin: step.objects });
        throw error;
      }
      this.d.db.transaction(() => {
        this.d.store.updateStep(id, step.index, { state: 'failed', at: this.now(), forgetOutputs: true });
        failed({ destroyedObjects: rollback.destroyed, keptObjects: rollback.kept });
      })();
      throw error;
    }
    this.d.crash?.('after-run', step.index);
    const last = step.index === status.plan.steps.length - 1;
    this.d.db.transaction(() => {
      executor.commit?.(context, step.params, result);
      this.d.store.updateStep(id, step.index, { state: 'done', at: this.now(), forgetOutputs: true, result });
      this.d.log.append({
        actors,
        action: 'ceremony.step',
        subject: id,
        outcome: 'success',
        details: { ceremony: id, step: step.index, action: step.action, stepDigest: step.digest },
      });
      if (last) {
        this.d.store.setState(id, 'completed', this.now(), 'completed');
        this.d.log.append({
          actors: status.checkedIn,
          action: 'ceremony.complete',
          subject: id,
          outcome: 'success',
          details: { ceremony: id, planDigest: status.plan.planDigest },
        });
      }
    })();
    this.d.crash?.('after-commit', step.index);
    return this.status(id);
  }

  /**
   * The error of a step that stopped after it began, completed with what became of its work, as the step's
   * record tells: failed, it was rolled back at once (runStep destroyed what it had reserved on the token and
   * removed its outputs: as it was, but for the audit entries); still running, its work stays until the next
   * login rolls it back. A simulated crash (fault-injection tests) is a process dying, which says nothing:
   * it passes unchanged.
   */
  private stepStopped(id: string, step: PlannedStep, error: unknown): unknown {
    if (this.d.crash && !(error instanceof KeywardError)) return error;
    const number = step.index + 1;
    const labels = step.objects.map((o) => `"${o.label}"`).join(', ');
    let state: string | undefined;
    try {
      state = this.d.store.stepState(id, step.index).state;
    } catch {
      state = undefined;
    }
    if (state === 'done') return error;
    if (state === 'failed') {
      const undone = labels
        ? `destroyed what it had made on the token (${labels}), removed what it had begun to write`
        : 'removed what it had begun to write';
      return withOutcome(
        error,
        '',
        `Step ${number} was rolled back at once: Keyward ${undone} and recorded the step as failed; ${
          error instanceof KeywardError && error.code === 'CEREMONY_STALE'
            ? 'what its approvers approved no longer holds, so the ceremony can only be aborted now'
            : 'it runs again with the approvals it has, or the ceremony can be aborted'
        }.`,
      );
    }
    const rollback = `the next login to the token rolls step ${number} back before anything else, ${labels ? `destroying whatever it made on the token (${labels}) and removing` : 'removing'} what it began to write`;
    const then = `The next login to the token (resuming the ceremony) rolls step ${number} back first; then it runs again.`;
    if (state === 'running')
      return withOutcome(
        error,
        `Step ${number} is left running, its start recorded in the audit log: ${rollback}.`,
        then,
      );
    return withOutcome(
      error,
      `Keyward could not read back what became of step ${number}: if the ceremony shows it running, ${rollback}.`,
      then,
    );
  }

  /**
   * After a crash or power loss: a step left running is rolled back (the objects its signed plan reserved
   * destroyed, found by CKA_ID, each audited by its identity), so the ceremony resumes at its last
   * completed step. A plan that fails its signature is not acted on: nothing is destroyed for it.
   */
  async recover(): Promise<RecoveredStep[]> {
    const recovered: RecoveredStep[] = [];
    for (const id of this.d.store.unfinished()) {
      const status = this.d.store.status(id);
      for (const step of status.steps.filter((s) => s.state === 'running')) {
        const planned = status.plan.steps[step.index];
        const tampered = this.planProblem(status);
        const { pendingOutputs } = this.d.store.stepState(id, step.index);
        const rollback = tampered || !planned ? { destroyed: [], kept: [] } : await this.destroyReserved(planned);
        const outputs = removeOutputs(pendingOutputs);
        this.d.db.transaction(() => {
          this.d.store.updateStep(id, step.index, { state: 'rolled-back', at: this.now(), forgetOutputs: true });
          this.d.log.append({
            actors: ['workstation'],
            action: 'ceremony.step.rolled-back',
            subject: id,
            outcome: tampered ? 'refused' : 'success',
            details: {
              ceremony: id,
              step: step.index,
              action: step.action,
              destroyedObjects: rollback.destroyed,
              keptObjects: rollback.kept,
              outputsRemoved: outputs.removed,
              outputsUnreachable: outputs.unreachable,
              ...(tampered ? { problem: tampered } : {}),
            },
          });
        })();
        const mayHaveMade = tampered === legacyPlanProblem ? this.d.store.legacyPendingLabels(id, step.index) : [];
        const problem =
          tampered && mayHaveMade.length
            ? `${tampered}; it may have made token objects labelled ${mayHaveMade.map((l) => `"${l}"`).join(', ')}`
            : tampered;
        recovered.push({
          ceremonyId: id,
          title: status.plan.title,
          step: step.index,
          destroyedObjects: rollback.destroyed.length,
          outputsRemoved: outputs.removed,
          outputsUnreachable: outputs.unreachable,
          ...(problem ? { problem } : {}),
          ...(tampered === legacyPlanProblem ? { legacy: true as const } : {}),
        });
      }
    }
    for (const { id, claim } of this.d.store.transcriptClaims()) {
      const outputs = removeOutputs([claim]);
      this.d.db.transaction(() => {
        this.d.store.releaseTranscript(id);
        this.d.log.append({
          actors: ['workstation'],
          action: 'ceremony.transcript',
          subject: id,
          outcome: 'failure',
          details: {
            ceremony: id,
            interrupted: true,
            outputsRemoved: outputs.removed,
            outputsUnreachable: outputs.unreachable,
          },
        });
      })();
      recovered.push({
        ceremonyId: id,
        title: this.d.store.status(id).plan.title,
        step: -1,
        destroyedObjects: 0,
        outputsRemoved: outputs.removed,
        outputsUnreachable: outputs.unreachable,
        transcript: true,
      });
    }
    this.recovered.push(...recovered);
    return recovered;
  }

  /**
   * A checked-in officer, in a role the ceremony's policy counts, signs that it be aborted for this reason
   * (their passphrase unseals their approval key); the signed statement is kept in the audit log.
   */
  async approveAbort(id: string, officerId: string, passphrase: string, reason: string): Promise<Approval> {
    const status = this.d.store.status(id);
    if (status.state === 'completed' || status.state === 'aborted')
      throw new KeywardError('CEREMONY_ENDED', `Ceremony ${id} has ended (${status.state}).`, 'Nothing to abort.');
    if (!status.checkedIn.includes(officerId))
      throw new KeywardError(
        'QUORUM_NOT_MET',
        `${officerId} has not checked in to this ceremony, so cannot abort it.`,
        'An officer who checked in aborts it, with their passphrase.',
      );
    this.requireApprover(status, officerId, 'abort');
    const proof = await approveStep(this.d.officers, officerId, passphrase, abortDigest(id, reason));
    this.d.log.append({
      actors: [officerId],
      action: 'ceremony.abort.signed',
      subject: id,
      outcome: 'success',
      details: { ceremony: id, reason, signature: proof.signature, scheme: proof.scheme },
    });
    return proof;
  }

  /**
   * Ends the ceremony without completing it. Completed steps are undone newest first, but never one whose
   * effect stands (an activation, a bundle written, a destruction, an officer or policy change) unless
   * officers meeting the ceremony's quorum signed the abort; the undoing stops at the first step kept, as
   * the steps before it are what it stands on. Aborting needs at least one checked-in officer's signed
   * abort, except for a ceremony in which nothing was done yet (the CLI ends one whose officers did not all check in).
   */
  async abort(id: string, reason: string, approvals: Approval[]): Promise<AbortOutcome> {
    await this.recover();
    const status = this.d.store.status(id);
    if (status.state === 'completed' || status.state === 'aborted')
      throw new KeywardError('CEREMONY_ENDED', `Ceremony ${id} has ended (${status.state}).`, 'Plan a new ceremony.');
    const { check, problems } = this.checkedInApprovals(status, abortDigest(id, reason), approvals);
    const done = status.steps.filter((s) => s.state === 'done').reverse();
    if (check.counted.length === 0 && done.length > 0) {
      throw new KeywardError(
        'QUORUM_NOT_MET',
        `Aborting ceremony ${id} needs a checked-in officer's signed abort: ${problems.join('; ')}.`,
        'An officer who checked in, in a role the policy counts, aborts it with their passphrase.',
      );
    }
    const actors = check.counted.length ? check.counted : ['workstation'];
    const tampered = this.planProblem(status);
    const { undo, kept, changed } = this.reach(status, check.met, tampered);
    const undone: number[] = [];
    for (const index of undo) {
      const planned = this.step(status, index);
      const executor = this.executor(planned.action);
      await executor.undo?.(this.context(status, planned, actors), planned.params, status.steps[index]?.result ?? {});
      this.d.db.transaction(() => {
        this.d.store.updateStep(id, index, { state: 'rolled-back', at: this.now() });
        this.d.log.append({
          actors,
          action: 'ceremony.step.undone',
          subject: id,
          outcome: 'success',
          details: { ceremony: id, step: index, action: planned.action },
        });
      })();
      undone.push(index);
    }
    this.d.db.transaction(() => {
      this.d.store.setState(id, 'aborted', this.now(), reason);
      this.d.log.append({
        actors,
        action: 'ceremony.abort',
        subject: id,
        outcome: 'success',
        details: {
          ceremony: id,
          reason,
          approvedByQuorum: check.met,
          undoneSteps: undone,
          keptSteps: kept,
          ...(changed.length ? { changedSince: changed } : {}),
          ...(tampered ? { problem: tampered } : {}),
        },
      });
    })();
    return { status: this.status(id), undone, kept, changed };
  }

  /**
   * What an abort would undo and keep, now: besides the rules of abortReach, a step whose result later
   * ceremonies changed (the version it made since activated, the policy it set since replaced), or whose
   * result cannot be checked, is kept; and of a plan that fails its signature nothing is undone.
   */
  abortReach(status: CeremonyStatus, quorum: boolean): AbortReach {
    return this.reach(status, quorum, this.planProblem(status));
  }

  private reach(status: CeremonyStatus, quorum: boolean, tampered: string | undefined): AbortReach {
    // A plan that fails its signature is ended without touching the token: what it says cannot be trusted.
    if (tampered) {
      const done = status.steps.filter((s) => s.state === 'done').reverse();
      return { undo: [], kept: done.map((s) => s.index), changed: [] };
    }
    const planning = this.planningContext(status.plan.id);
    return abortReach(status, this.d.executors, quorum, (index) => {
      const planned = status.plan.steps[index];
      if (!planned) return undefined;
      try {
        this.executor(planned.action).stillUndoable?.(planning, planned.params, status.steps[index]?.result ?? {});
        return undefined;
      } catch (error) {
        if (error instanceof StaleStep) return error.finding;
        // Whether what it left still stands as it made it is unknown: it is kept, saying why.
        return `Keyward could not check what it left (${error instanceof Error ? error.message : String(error)})`;
      }
    });
  }

  /**
   * The approvals of `digest` that count under the ceremony's policy: from checked-in officers still active,
   * current, over this digest; and every reason one did not count.
   */
  private checkedInApprovals(
    status: CeremonyStatus,
    digest: string,
    approvals: Approval[],
  ): { check: ReturnType<typeof checkApprovals>; problems: string[] } {
    const standing = this.standing(approvals.filter((a) => status.checkedIn.includes(a.officer)));
    const check = checkApprovals(
      digest,
      standing.approvals,
      this.d.policies.get(status.plan.type),
      this.workstation(),
      new Date(this.now()),
      approvalFloor(this.d.policies.rule(status.plan.type).dualControl),
    );
    return { check, problems: [...standing.problems, ...check.problems] };
  }

  /** Approvals from officers still active: a suspended or removed officer's signature no longer counts. */
  private standing(approvals: Approval[]): { approvals: Approval[]; problems: string[] } {
    const problems: string[] = [];
    const counted = approvals.filter((a) => {
      const officer = this.d.officers.get(a.officer);
      if (officer.state === 'active') return true;
      problems.push(`${a.officer} is ${officer.state} now, so their signature no longer counts`);
      return false;
    });
    return { approvals: counted, problems };
  }

  transcript(id: string): Transcript {
    const head = this.d.log.head();
    return buildTranscript({
      status: this.status(id),
      roleOf: (officer) => this.d.officers.get(officer).role,
      approvals: (step) => this.d.store.approvals(id, step),
      certificateDer: this.d.workstationCertificate,
      audit: {
        headSeq: head.seq,
        headHash: head.hash,
        lastCheckpointHash: this.d.stepContext.checkpoints.last()?.hash ?? null,
      },
      rehearsal: this.d.stepContext.rehearsal,
      now: new Date(this.now()),
    });
  }

  /** The signed transcript (JSON and PDF) of an ended ceremony, written to a drive, and audited. */
  async writeTranscript(id: string, parent: string): Promise<string> {
    const status = this.status(id);
    refuseRecordOutOfTurn(id, status.state, 'transcript');
    const actors = status.checkedIn.length ? status.checkedIn : ['workstation'];
    // Claimed before the first byte is written, like a step's outputs: a crash meanwhile leaves nothing behind.
    // Never claimed if it is there already: that folder is not this write's (the write refuses to replace it).
    const path = join(parent, transcriptFolderName(id, this.d.stepContext.rehearsal));
    const claim = existsSync(path) ? undefined : claimOf(path);
    if (claim) this.d.store.claimTranscript(id, claim);
    this.d.crash?.('transcript-claimed', -1);
    // The claim is released with the entry that says what became of the transcript.
    const settle = (outcome: 'success' | 'failure', details: AuditDetails) =>
      this.d.db.transaction(() => {
        this.d.store.releaseTranscript(id);
        this.d.log.append({ actors, action: 'ceremony.transcript', subject: id, outcome, details });
      })();
    let folder: string;
    try {
      folder = await writeTranscript(
        this.transcript(id),
        this.d.stepContext.signer,
        this.d.workstationCertificate,
        parent,
        (officer) => this.d.officers.get(officer).displayName,
      );
    } catch (error) {
      if (!isStoreBusy(error)) settle('failure', { ceremony: id, parent, error: errorCodeOf(error) });
      throw error;
    }
    settle('success', { ceremony: id, folder });
    return folder;
  }

  /**
   * The signed ceremony script (PDF) of a ceremony not yet ended, for the officers to print before it:
   * its officers are those checked in, or before anyone has, the active officers the policy counts. Audited.
   */
  async writeScript(id: string, parent: string): Promise<string> {
    const status = this.status(id);
    refuseRecordOutOfTurn(id, status.state, 'script');
    const policy = this.d.policies.get(status.plan.type);
    const officers = status.checkedIn.length
      ? status.checkedIn.map((officer) => this.d.officers.get(officer))
      : this.d.officers.list().filter((o) => o.state === 'active' && countsTowardsQuorum(policy, o.role));
    const actors = status.checkedIn.length ? status.checkedIn : ['workstation'];
    let folder: string;
    try {
      folder = await writeCeremonyScript(
        {
          plan: status.plan,
          policy,
          quorumNeeded: this.d.policies.quorumNeeded(status.plan.type),
          officers: officers.map((o) => ({ id: o.id, name: o.displayName, role: o.role })),
          officersAre: status.checkedIn.length ? 'checked-in' : 'may-take-part',
          certificateDer: this.d.workstationCertificate,
          rehearsal: this.d.stepContext.rehearsal,
          now: new Date(this.now()),
        },
        this.d.stepContext.signer,
        parent,
      );
    } catch (error) {
      if (!isStoreBusy(error))
        this.d.log.append({
          actors,
          action: 'ceremony.script',
          subject: id,
          outcome: 'failure',
          details: { ceremony: id, parent, error: errorCodeOf(error) },
        });
      throw error;
    }
    this.d.log.append({
      actors,
      action: 'ceremony.script',
      subject: id,
      outcome: 'success',
      details: { ceremony: id, folder },
    });
    return folder;
  }

  private workstation(): X509Certificate {
    return new X509Certificate(Buffer.from(this.d.workstationCertificate));
  }

  /**
   * Who stands behind a step: for a sensitive one, the quorum's verified approvals of its digest, from
   * officers still active, within the policy's approval lifetime; otherwise the officers checked in.
   */
  private authorise(status: CeremonyStatus, step: PlannedStep): string[] {
    if (status.checkedIn.length === 0)
      throw new KeywardError(
        'QUORUM_NOT_MET',
        'No officer has checked in to this ceremony.',
        'The officers check in first, after reading the plan and its digest.',
      );
    if (!step.sensitive) return status.checkedIn;
    const { check, problems } = this.checkedInApprovals(
      status,
      step.digest,
      this.d.store.approvals(status.plan.id, step.index),
    );
    if (!check.met) {
      const policy = this.d.policies.get(status.plan.type);
      this.d.log.append({
        actors: status.checkedIn,
        action: 'ceremony.step',
        subject: status.plan.id,
        outcome: 'refused',
        details: { ceremony: status.plan.id, step: step.index, action: step.action, problems },
      });
      throw new KeywardError(
        'QUORUM_NOT_MET',
        `Step ${step.index + 1} (${step.description}) cannot run: ${problems.join('; ')}.`,
        `Officers in the roles ${rolesInWords(policy.roles)} approve this step (${this.d.policies.quorumNeeded(status.plan.type)} needed), each with their own passphrase.`,
      );
    }
    return check.counted;
  }

  /**
   * The step as approved is the step that would run: its digest recomputed from what it does equals the
   * planned one, and what its approvers approved still holds (the inventory, officers and policies as
   * they are now). A refusal is audited; the ceremony can then only be aborted.
   */
  private requireCurrent(status: CeremonyStatus, step: PlannedStep, next = true): void {
    const executor = this.executor(step.action);
    const planning = this.planningContext(status.plan.id);
    try {
      if (step.sensitive !== (executor.sensitive ?? true))
        throw tamperedPlan(
          status.plan.id,
          `step ${step.index + 1} (${step.action}) is stored as ${step.sensitive ? 'sensitive' : 'needing no approval'}, which it is not`,
        );
      const own = executor.digest
        ? executor.digest(planning, step.params)
        : engineStepDigest(status.plan.id, status.plan.type, step);
      if (own !== step.digest)
        throw tamperedPlan(
          status.plan.id,
          `step ${step.index + 1}'s digest, recomputed from what it would do, is not the digest its approvers signed`,
        );
      if (next) executor.stillHolds?.(planning, step.params);
    } catch (error) {
      if (error instanceof KeywardError && (error.code === 'CEREMONY_STALE' || error.code === 'CEREMONY_TAMPERED')) {
        this.d.log.append({
          actors: status.checkedIn.length ? status.checkedIn : ['workstation'],
          action: 'ceremony.step',
          subject: status.plan.id,
          outcome: 'refused',
          details: {
            ceremony: status.plan.id,
            step: step.index,
            action: step.action,
            error: error.code,
            problem: error.message,
          },
        });
      }
      throw error;
    }
  }

  private planningContext(ceremonyId: string): PlanningContext {
    const { inventory, wrappingKeys, officers, policies, hsm } = this.d.stepContext;
    return { inventory, wrappingKeys, officers, policies, hsm, ceremonyId, handedOut: this.handedOut(ceremonyId) };
  }

  /** Which other ceremonies' completed steps handed a key version out of the token (StepExecutor.handsOut). */
  private handedOut(ceremonyId: string): StepContext['handedOut'] {
    // Read once, when first asked, for every version a context is asked about (an abort preview asks per step).
    let byVersion: Map<string, Set<string>> | undefined;
    return (keyName, version) => {
      if (!byVersion) {
        byVersion = new Map();
        const actions = Object.keys(this.d.executors).filter((action) => this.d.executors[action]?.handsOut);
        for (const step of this.d.store.doneSteps(actions)) {
          if (step.ceremonyId === ceremonyId) continue;
          for (const ref of this.d.executors[step.action]?.handsOut?.(step.params) ?? []) {
            const key = `${ref.name}\u0000${ref.version}`;
            byVersion.set(key, (byVersion.get(key) ?? new Set()).add(step.ceremonyId));
          }
        }
      }
      return [...(byVersion.get(`${keyName}\u0000${version}`) ?? [])];
    };
  }

  private context(status: CeremonyStatus, step: PlannedStep, actors: string[]): StepContext {
    const { plan } = status;
    const approvals = this.d.store.approvals(plan.id, step.index).filter((a) => actors.includes(a.officer));
    const places = (this.executor(step.action).writes?.(step.params) ?? []).map((place) => resolve(place));
    const claimOutput = (path: string) => {
      // Only under the places the step declares (those the drive re-check checked, those its approvers saw).
      const target = resolve(path);
      if (!places.some((place) => target === place || target.startsWith(`${place}${sep}`)))
        throw new KeywardError(
          'INTERNAL',
          `Step ${step.index + 1} of ceremony ${plan.id} was about to write ${path}, outside the places its plan declares (${places.join(', ') || 'none'}). Nothing was written.`,
          'This is a defect in Keyward: report it, and keep the database for investigation.',
        );
      // Never claimed if it is there already: what the step did not write, a failure must not remove.
      if (existsSync(path))
        throw new KeywardError(
          'FILE_NOT_WRITTEN',
          `Nothing was written: ${path} already exists, and Keyward never overwrites.`,
          'Choose another drive or folder, or move the existing one away, then run the step again.',
        );
      const claim = claimOf(path);
      if (claim) this.d.store.addPendingOutput(plan.id, step.index, claim);
    };
    const objectId = (label: string): string => {
      const reserved = step.objects.find((o) => o.label === label);
      if (!reserved)
        throw new KeywardError(
          'INTERNAL',
          `Step ${step.index + 1} creates "${label}", which its plan did not reserve.`,
          'This is a defect in Keyward: report it. Nothing was created.',
        );
      return reserved.id;
    };
    // Only what the signed plan names: the objects the step reserved, and those its params say it destroys.
    const destroyable = new Set([
      ...step.objects.map((o) => o.id),
      ...(this.executor(step.action).destroys?.(step.params) ?? []),
    ]);
    const destroyObject = async (id: string, why: string): Promise<TokenObjectRef[]> => {
      const audit = (outcome: 'success' | 'refused', what: AuditDetails) =>
        this.d.log.append({
          actors,
          action: 'hsm.object.destroy',
          subject: plan.id,
          outcome,
          details: { ceremony: plan.id, step: step.index, why, ...what },
        });
      if (!destroyable.has(id)) {
        audit('refused', { id, error: 'CEREMONY_TAMPERED' });
        throw new KeywardError(
          'CEREMONY_TAMPERED',
          `Step ${step.index + 1} of ceremony ${plan.id} was about to destroy the token object ${id}, which its signed plan does not name. Nothing was destroyed.`,
          'Stop. Keep the database for investigation, verify the audit log, and report this.',
        );
      }
      const { objects } = await this.d.stepContext.client.request('destroyKey', { uri: this.d.stepContext.uri, id });
      audit('success', { objects });
      return objects;
    };
    return {
      ...this.d.stepContext,
      ceremonyId: plan.id,
      actors,
      approvals,
      policy: this.d.policies.get(plan.type),
      claimOutput,
      objectId,
      destroyObject,
      handedOut: this.handedOut(plan.id),
    };
  }

  /** A ceremony that can go on: not ended, no step left running, and its plan the one the workstation signed. */
  private open(id: string): CeremonyStatus {
    const status = this.d.store.status(id);
    if (status.state === 'completed' || status.state === 'aborted')
      throw new KeywardError('CEREMONY_ENDED', `Ceremony ${id} has ended (${status.state}).`, 'Plan a new ceremony.');
    if (status.steps.some((s) => s.state === 'running'))
      throw new KeywardError(
        'CEREMONY_INTERRUPTED',
        `Ceremony ${id} was interrupted in the middle of a step.`,
        'Recover it: with an officer logged in to the token, Keyward rolls back the interrupted step and destroys what it had reserved; then the ceremony continues.',
      );
    const problem = this.planProblem(status);
    if (problem) {
      this.d.log.append({
        actors: ['workstation'],
        action: 'ceremony.verify',
        subject: id,
        outcome: 'refused',
        details: { ceremony: id, problem },
      });
      throw tamperedPlan(id, problem);
    }
    return status;
  }

  /**
   * Why the stored plan is not the one the workstation signed, if it is not. Every part a rollback or an
   * abort acts on is checked, not only what the signature covers directly: each step is one Keyward
   * performs, with its executor's sensitivity, the objects its executor creates (each a CKA_ID Keyward
   * draws), and its digest recomputed from what it does; then the plan digest and the signature.
   */
  private planProblem(status: CeremonyStatus): string | undefined {
    const { plan } = status;
    const signature: Signature | undefined = this.d.store.planSignature(plan.id);
    // A plan from before plans were signed has no reserved objects either; one stripped of its signature still has them.
    if (!signature)
      return plan.steps.every((s) => !('objects' in s))
        ? legacyPlanProblem
        : 'the plan carries no signature by the workstation key';
    const stored = this.d.store.stepDigests(plan.id);
    if (plan.steps.some((s) => stored[s.index] !== s.digest) || stored.length !== plan.steps.length)
      return "the step digests recorded for the plan differ from the plan's own";
    for (const [index, step] of plan.steps.entries()) {
      const problem = this.stepProblem(plan.id, plan.type, index, step);
      if (problem) return `step ${index + 1} ${problem}`;
    }
    if (planDigestOf(plan.id, plan.type, plan.title, plan.steps) !== plan.planDigest)
      return "the plan digest does not match the plan's steps, their descriptions and the objects they reserve";
    if (!signatureValid(this.d.stepContext.signer.spki, planSignatureBody(plan.id, plan.planDigest), signature))
      return "the plan's signature does not verify against the workstation key";
    return undefined;
  }

  /** What is wrong with one stored step, against what Keyward itself would plan for it. */
  private stepProblem(ceremonyId: string, type: string, index: number, step: PlannedStep): string | undefined {
    if (step.index !== index) return `is stored at place ${index + 1} but says it is step ${step.index + 1}`;
    const executor = step.action === closingCheckpoint.action ? writeCheckpoint : this.d.executors[step.action];
    if (!executor) return `(${step.action}) is not a step Keyward performs`;
    if (step.sensitive !== (executor.sensitive ?? true))
      return `(${step.action}) is stored as ${step.sensitive ? 'sensitive' : 'needing no approval'}, which it is not`;
    const problem = executor.paramsProblem?.(step.params);
    if (problem) return `(${step.action}) has parameters Keyward did not write (${problem})`;
    let labels: string[];
    try {
      labels = executor.creates?.(step.params) ?? [];
    } catch {
      return `(${step.action}) has parameters Keyward cannot read`;
    }
    const objects = Array.isArray(step.objects) ? step.objects : [];
    if (
      objects.length !== labels.length ||
      objects.some((o, i) => o.label !== labels[i] || typeof o.id !== 'string' || !objectIdPattern.test(o.id))
    ) {
      return `(${step.action}) reserves objects other than the ones it creates`;
    }
    if (!executor.digest && engineStepDigest(ceremonyId, type, step) !== step.digest)
      return `(${step.action})'s digest, recomputed from what it does, is not the one signed`;
    return undefined;
  }

  private step(status: CeremonyStatus, index: number): PlannedStep {
    const step = status.plan.steps[index];
    if (!step) throw new KeywardError('INVALID_REQUEST', `The ceremony has no step ${index + 1}.`, 'Check the plan.');
    return step;
  }

  private executor(action: string): StepExecutor {
    const executor = action === closingCheckpoint.action ? writeCheckpoint : this.d.executors[action];
    if (!executor)
      throw new KeywardError(
        'INVALID_REQUEST',
        `Keyward cannot perform the step ${action}.`,
        'Check the ceremony plan.',
      );
    return executor;
  }

  /** Refuses labels an object on the token carries (read in the user's session, which sees every object). */
  private async requireLabelsFree(
    labels: string[],
    refused?: { ceremony: string; step: number; actors: string[] },
  ): Promise<void> {
    if (labels.length === 0) return;
    const taken = await this.d.stepContext.client.request('labelsInUse', { uri: this.d.stepContext.uri, labels });
    if (taken.length === 0) return;
    if (refused)
      this.d.log.append({
        actors: refused.actors,
        action: 'ceremony.step',
        subject: refused.ceremony,
        outcome: 'refused',
        details: { ceremony: refused.ceremony, step: refused.step, error: 'HSM_LABEL_TAKEN', labels: taken },
      });
    throw new KeywardError(
      'HSM_LABEL_TAKEN',
      `The token already holds an object labelled ${taken.map((l) => `"${l}"`).join(', ')}, which this ${refused ? 'step' : 'plan'} would create; labels name keys in ceremonies, so each is used once.${refused ? ' Nothing was done.' : ''}`,
      refused
        ? 'Abort this ceremony and plan it again with a label no object on the token has.'
        : 'Choose a label no object on the token has (for a new version, add the version number).',
    );
  }

  /**
   * Destroys what a step that did not complete created: the objects its signed plan reserved, found by
   * CKA_ID and label; never an object the inventory, the wrapping keys or the workstation identity records.
   */
  private async destroyReserved(step: PlannedStep): Promise<{ destroyed: TokenObjectRef[]; kept: TokenObjectRef[] }> {
    if (step.objects.length === 0) return { destroyed: [], kept: [] };
    const recorded = this.recordedObjectIds();
    const protectedObjects = step.objects.filter((o) => recorded.has(o.id));
    const result = await this.d.stepContext.client.request('destroyReserved', {
      uri: this.d.stepContext.uri,
      objects: step.objects.filter((o) => !recorded.has(o.id)),
    });
    return {
      destroyed: result.destroyed,
      kept: [...result.kept, ...protectedObjects.map((o) => ({ ...o, kind: 'other' as const }))],
    };
  }

  private recordedObjectIds(): Set<string> {
    const { inventory, wrappingKeys } = this.d.stepContext;
    return new Set([
      this.d.workstationKeyId,
      ...inventory.list().flatMap((k) => k.versions.filter((v) => v.state !== 'destroyed').map((v) => v.tokenObjectId)),
      ...wrappingKeys
        .list()
        .filter((k) => k.state !== 'destroyed')
        .map((k) => k.tokenObjectId),
    ]);
  }
}

/**
 * What an abort does to the completed steps, newest first: it undoes each it can, but never one whose
 * effect stands (`takesEffect`) unless the quorum signed the abort, nor one that cannot be undone; the
 * undoing stops at the first step kept, as the steps before it are what that step stands on.
 */
export function abortReach(
  status: CeremonyStatus,
  executors: Record<string, StepExecutor>,
  quorum: boolean,
  changedSince: (index: number) => string | undefined = () => undefined,
): AbortReach {
  const undo: number[] = [];
  const kept: number[] = [];
  const changed: AbortReach['changed'] = [];
  let stopped = false;
  for (const step of status.steps.filter((s) => s.state === 'done').reverse()) {
    const action = status.plan.steps[step.index]?.action ?? '';
    const executor = action === closingCheckpoint.action ? writeCheckpoint : executors[action];
    const undoable = executor?.undo !== undefined;
    const stands = executor?.takesEffect === true;
    const reason = !stopped && undoable && (!stands || quorum) ? changedSince(step.index) : undefined;
    if (!stopped && undoable && (!stands || quorum) && reason === undefined) {
      undo.push(step.index);
      continue;
    }
    if (reason !== undefined) changed.push({ step: step.index, reason });
    if (stands || undoable) {
      stopped = true;
      kept.push(step.index);
    }
  }
  return { undo, kept, changed };
}

export interface AbortReach {
  /** Completed steps an abort undoes, newest first. */
  undo: number[];
  /** Completed steps whose effect stands, newest first. */
  kept: number[];
  /** Steps kept because what they left was changed since by other ceremonies, and why. */
  changed: { step: number; reason: string }[];
}

/** Why a ceremony planned by a Keyward from before plans were signed cannot go on. */
const legacyPlanProblem =
  'it was planned by an earlier version of Keyward, before plans were signed and the objects of each step reserved, so Keyward cannot check that it is the plan the officers approved';

const tamperedPlan = (id: string, problem: string): KeywardError =>
  problem === legacyPlanProblem
    ? new KeywardError(
        'CEREMONY_STALE',
        `Ceremony ${id} cannot go on: ${problem}. Nothing was done.`,
        'Abort this ceremony (in the app, or keyward ceremony abort), then plan it again.',
      )
    : new KeywardError(
        'CEREMONY_TAMPERED',
        `Ceremony ${id} cannot go on: ${problem}. The plan stored in the database is not the one the workstation signed and the officers approved; it was changed outside Keyward. Nothing was done.`,
        'Stop. Keep the database for investigation, verify the audit log, and abort this ceremony.',
      );
