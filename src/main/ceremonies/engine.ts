/**
 * The ceremony engine, driven alike by the UI and the CLI. A ceremony is a plan of steps shown in full
 * with its digest before it starts; officers check in by signing the plan digest; a sensitive step runs
 * only once the quorum's approvals of its exact digest verify; state is persisted after every step, so
 * after a crash a ceremony resumes at its last completed step, or is aborted with what it created destroyed.
 */
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { CeremonyPlan, CeremonyStatus, PlannedStep, RecoveredStep } from '../../shared/ceremonies';
import { KeywardError, errorCodeOf } from '../../shared/errors';
import { approvalFloor, roleNames, rolesInWords, type CeremonyType } from '../../shared/officers';
import { checkApprovals } from '../officers/approvals';
import { approveStep } from '../officers/enrolment';
import type { AuditLog } from '../store/audit-log';
import { canonicalJson } from '../store/canonical';
import type { CeremonyStore } from '../store/ceremonies';
import type { Officers } from '../store/officers';
import type { Policies } from '../store/policies';
import type { Params, StepContext, StepExecutor } from './steps';
import { claimOf, removeOutputs } from './step-outputs';
import { isStoreBusy } from '../store/busy';
import { buildTranscript, writeTranscript, type Transcript } from './transcript';

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

/** A ceremony id, for plan builders whose step digests must name their ceremony. */
export const newCeremonyId = (type: CeremonyType): string => `${type}-${randomUUID()}`;

/** Where a test may simulate a crash: after a step began, after its token work, after it was committed. */
export type CrashPoint = 'after-begin' | 'after-run' | 'after-commit';

export interface EngineDependencies {
  db: { transaction<T>(fn: () => T): () => T };
  store: CeremonyStore;
  log: AuditLog;
  officers: Officers;
  policies: Policies;
  executors: Record<string, StepExecutor>;
  workstationCertificate: Uint8Array;
  /** Token, store, signer and login for the steps; the caller has logged in to the token as user. */
  stepContext: Omit<StepContext, 'ceremonyId' | 'actors' | 'approvals' | 'policy' | 'claimOutput'>;
  now?: () => Date;
  /** Fault injection for tests: throws to simulate a crash at a point; never set in production. */
  crash?: (point: CrashPoint, step: number) => void;
}

const closingCheckpoint: StepPlan = { action: 'write-checkpoint', description: 'Sign a checkpoint of the audit log with the workstation key', params: {}, sensitive: false };

const writeCheckpoint: StepExecutor = {
  run: async (context) => {
    const checkpoint = await context.checkpoints.write(context.signer, context.actors);
    return { seq: checkpoint.seq, headHash: checkpoint.headHash };
  },
};

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export class CeremonyEngine {
  /** Every step this engine has rolled back since it opened. */
  readonly recovered: RecoveredStep[] = [];

  constructor(private readonly d: EngineDependencies) {}

  private now(): string {
    return (this.d.now?.() ?? new Date()).toISOString();
  }

  plan(type: CeremonyType, title: string, requested: StepPlan[], id = newCeremonyId(type)): CeremonyPlan {
    if (!id.startsWith(`${type}-`)) throw new KeywardError('INVALID_REQUEST', `The ceremony id ${id} is not a ${type} id.`, 'Plan the ceremony again.');
    // Every ceremony ends with a signed checkpoint of the audit log, so its record cannot be cut off later.
    const steps = [...requested, closingCheckpoint];
    for (const step of requested) if (!this.d.executors[step.action]) throw new KeywardError('INVALID_REQUEST', `The plan has a step Keyward cannot perform: ${step.action}.`, 'Check the ceremony plan.');
    const planned: PlannedStep[] = steps.map(({ digest, ...step }, index) => ({
      index,
      ...step,
      digest: digest ?? sha256(canonicalJson({ type: 'keyward-ceremony-step', ceremonyId: id, ceremonyType: type, index, action: step.action, params: step.params, sensitive: step.sensitive })),
    }));
    const plan: CeremonyPlan = { id, type, title, steps: planned, planDigest: sha256(canonicalJson({ type: 'keyward-ceremony-plan', ceremonyId: id, ceremonyType: type, title, steps: planned.map((s) => s.digest) })), createdAt: this.now() };
    this.d.db.transaction(() => {
      this.d.store.create(plan);
      this.d.log.append({ actors: ['workstation'], action: 'ceremony.plan', subject: id, outcome: 'success', details: { type, ceremony: id, planDigest: plan.planDigest, steps: planned.length } })
    })();
    return plan;
  }

  status(id: string): CeremonyStatus {
    return this.d.store.status(id);
  }

  /** An officer checks in by signing the plan digest with their approval key (their passphrase unseals it). */
  async checkIn(id: string, officerId: string, passphrase: string): Promise<void> {
    const status = this.open(id);
    const proof = await approveStep(this.d.officers, officerId, passphrase, status.plan.planDigest);
    this.d.db.transaction(() => {
      this.d.store.checkIn(id, officerId, proof, this.now());
      this.d.log.append({ actors: [officerId], action: 'ceremony.check-in', subject: id, outcome: 'success', details: { ceremony: id, role: proof.role } });
    })();
  }

  /** A checked-in officer approves one sensitive step: a signature over that step's digest, verified now and again before the step runs. */
  async approve(id: string, index: number, officerId: string, passphrase: string): Promise<void> {
    const status = this.open(id);
    const step = this.step(status, index);
    if (!step.sensitive) throw new KeywardError('INVALID_REQUEST', `Step ${index + 1} (${step.description}) needs no approval.`, 'Run it.');
    if (!status.checkedIn.includes(officerId)) throw new KeywardError('QUORUM_NOT_MET', `${officerId} has not checked in to this ceremony, so cannot approve its steps.`, `${officerId} checks in first, after reading the plan and its digest.`);
    const policy = this.d.policies.get(status.plan.type);
    const { role } = this.d.officers.get(officerId);
    if (!policy.roles.includes(role)) {
      this.d.log.append({ actors: [officerId], action: 'ceremony.approve', subject: id, outcome: 'refused', details: { ceremony: id, step: index, role } });
      throw new KeywardError('QUORUM_NOT_MET', `${officerId} is in the role ${roleNames[role]}; the policy for ${status.plan.type} counts approvals from ${rolesInWords(policy.roles)} only.`, `An officer in one of those roles approves step ${index + 1}.`);
    }
    const approval = await approveStep(this.d.officers, officerId, passphrase, step.digest);
    this.d.db.transaction(() => {
      if (this.d.store.approvals(id, index).some((a) => a.officer === officerId)) throw new KeywardError('QUORUM_NOT_MET', `${officerId} has already approved step ${index + 1}; nobody counts twice.`, 'Another officer approves.');
      this.d.store.addApproval(id, index, approval);
      this.d.log.append({ actors: [officerId], action: 'ceremony.approve', subject: id, outcome: 'success', details: { ceremony: id, step: index, stepDigest: step.digest } });
    })();
  }

  /** Runs the next step. Returns the ceremony's status afterwards. */
  async runNext(id: string): Promise<CeremonyStatus> {
    const status = this.open(id);
    const next = status.steps.find((s) => s.state !== 'done');
    if (!next) throw new KeywardError('INVALID_REQUEST', 'Every step of this ceremony is done.', 'Close the ceremony.');
    const step = this.step(status, next.index);
    const actors = this.authorise(status, step);
    const executor = this.executor(step.action);
    const context = this.context(status, step.index, actors);
    const labels = executor.reserveLabels?.(step.params) ?? [];
    this.d.db.transaction(() => {
      if (status.state === 'planned') this.d.store.setState(id, 'running', this.now());
      this.d.store.updateStep(id, step.index, { state: 'running', at: this.now(), pendingLabels: labels });
      this.d.log.append({ actors, action: 'ceremony.step.begin', subject: id, outcome: 'success', details: { ceremony: id, step: step.index, action: step.action, stepDigest: step.digest } });
    })();
    this.d.crash?.('after-begin', step.index);
    let result;
    try {
      result = await executor.run(context, step.params);
    } catch (error) {
      // With the database held by another program, the step cannot be marked failed either: it stays
      // running, and is rolled back (its labels and outputs too) at the next login.
      if (isStoreBusy(error)) throw error;
      const outputs = removeOutputs(this.d.store.stepState(id, step.index).pendingOutputs);
      try {
        await this.destroyLabels(labels);
      } catch {
        // The token cannot be reached (removed, its process gone): the step stays running, so the next
        // login rolls it back and destroys what it reserved; the failure itself is recorded now.
        this.d.log.append({ actors, action: 'ceremony.step', subject: id, outcome: 'failure', details: { ceremony: id, step: step.index, action: step.action, error: errorCodeOf(error), outputsRemoved: outputs.removed, outputsUnreachable: outputs.unreachable, rollBackAtLogin: labels } });
        throw error;
      }
      this.d.db.transaction(() => {
        this.d.store.updateStep(id, step.index, { state: 'failed', at: this.now(), pendingLabels: [] });
        this.d.log.append({ actors, action: 'ceremony.step', subject: id, outcome: 'failure', details: { ceremony: id, step: step.index, action: step.action, error: errorCodeOf(error), outputsRemoved: outputs.removed, outputsUnreachable: outputs.unreachable } });
      })();
      throw error;
    }
    this.d.crash?.('after-run', step.index);
    const last = step.index === status.plan.steps.length - 1;
    this.d.db.transaction(() => {
      executor.commit?.(context, step.params, result);
      this.d.store.updateStep(id, step.index, { state: 'done', at: this.now(), pendingLabels: [], result });
      this.d.log.append({ actors, action: 'ceremony.step', subject: id, outcome: 'success', details: { ceremony: id, step: step.index, action: step.action, stepDigest: step.digest } });
      if (last) {
        this.d.store.setState(id, 'completed', this.now(), 'completed');
        this.d.log.append({ actors: status.checkedIn, action: 'ceremony.complete', subject: id, outcome: 'success', details: { ceremony: id, planDigest: status.plan.planDigest } });
      }
    })();
    this.d.crash?.('after-commit', step.index);
    return this.status(id);
  }

  /**
   * After a crash or power loss: a step left running is rolled back (whatever it reserved on the token
   * destroyed, and audited), so the ceremony resumes at its last completed step.
   */
  async recover(): Promise<RecoveredStep[]> {
    const recovered: RecoveredStep[] = [];
    for (const id of this.d.store.unfinished()) {
      const { plan, steps } = this.d.store.status(id);
      for (const step of steps.filter((s) => s.state === 'running')) {
        const { pendingLabels, pendingOutputs } = this.d.store.stepState(id, step.index);
        const destroyed = await this.destroyLabels(pendingLabels);
        const outputs = removeOutputs(pendingOutputs);
        this.d.db.transaction(() => {
          this.d.store.updateStep(id, step.index, { state: 'rolled-back', at: this.now(), pendingLabels: [] });
          this.d.log.append({ actors: ['workstation'], action: 'ceremony.step.rolled-back', subject: id, outcome: 'success', details: { ceremony: id, step: step.index, action: step.action, destroyedObjects: destroyed, labels: pendingLabels, outputsRemoved: outputs.removed, outputsUnreachable: outputs.unreachable } });
        })();
        recovered.push({ ceremonyId: id, title: plan.title, step: step.index, destroyedObjects: destroyed, outputsRemoved: outputs.removed, outputsUnreachable: outputs.unreachable });
      }
    }
    this.recovered.push(...recovered);
    return recovered;
  }

  /** Ends the ceremony without completing it: the steps it completed are undone, newest first. */
  async abort(id: string, actors: string[], reason: string): Promise<CeremonyStatus> {
    const status = this.open(id);
    await this.recover();
    const done = this.status(id).steps.filter((s) => s.state === 'done').reverse();
    for (const step of done) {
      const planned = this.step(status, step.index);
      const executor = this.executor(planned.action);
      if (!executor.undo) continue;
      await executor.undo(this.context(status, step.index, actors), planned.params, step.result ?? {});
      this.d.db.transaction(() => {
        this.d.store.updateStep(id, step.index, { state: 'rolled-back', at: this.now() });
        this.d.log.append({ actors, action: 'ceremony.step.undone', subject: id, outcome: 'success', details: { ceremony: id, step: step.index, action: step.action } });
      })();
    }
    this.d.db.transaction(() => {
      this.d.store.setState(id, 'aborted', this.now(), reason);
      this.d.log.append({ actors, action: 'ceremony.abort', subject: id, outcome: 'success', details: { ceremony: id, reason } });
    })();
    return this.status(id);
  }

  transcript(id: string): Transcript {
    const head = this.d.log.head();
    return buildTranscript({
      status: this.status(id),
      roleOf: (officer) => this.d.officers.get(officer).role,
      approvals: (step) => this.d.store.approvals(id, step),
      certificateDer: this.d.workstationCertificate,
      audit: { headSeq: head.seq, headHash: head.hash, lastCheckpointHash: this.d.stepContext.checkpoints.last()?.hash ?? null },
      now: new Date(this.now()),
    });
  }

  /** The signed transcript (JSON and PDF) of an ended ceremony, written to a drive, and audited. */
  async writeTranscript(id: string, parent: string): Promise<string> {
    const status = this.status(id);
    if (status.state !== 'completed' && status.state !== 'aborted') throw new KeywardError('INVALID_REQUEST', `Ceremony ${id} has not ended; its transcript is written when it completes or is aborted.`, 'Finish or abort the ceremony first.');
    const actors = status.checkedIn.length ? status.checkedIn : ['workstation'];
    let folder: string;
    try {
      folder = await writeTranscript(this.transcript(id), this.d.stepContext.signer, this.d.workstationCertificate, parent);
    } catch (error) {
      if (!isStoreBusy(error)) this.d.log.append({ actors, action: 'ceremony.transcript', subject: id, outcome: 'failure', details: { ceremony: id, parent, error: errorCodeOf(error) } });
      throw error;
    }
    this.d.log.append({ actors, action: 'ceremony.transcript', subject: id, outcome: 'success', details: { ceremony: id, folder } });
    return folder;
  }

  /** Who stands behind a step: for a sensitive one, the quorum's verified approvals of its digest; otherwise the officers checked in. */
  private authorise(status: CeremonyStatus, step: PlannedStep): string[] {
    if (status.checkedIn.length === 0) throw new KeywardError('QUORUM_NOT_MET', 'No officer has checked in to this ceremony.', 'The officers check in first, after reading the plan and its digest.');
    if (!step.sensitive) return status.checkedIn;
    const policy = this.d.policies.get(status.plan.type);
    const approvals = this.d.store.approvals(status.plan.id, step.index).filter((a) => status.checkedIn.includes(a.officer));
    const floor = approvalFloor(status.plan.type);
    const check = checkApprovals(step.digest, approvals, policy, new X509Certificate(Buffer.from(this.d.workstationCertificate)), new Date(this.now()), floor);
    if (!check.met) {
      this.d.log.append({ actors: status.checkedIn, action: 'ceremony.step', subject: status.plan.id, outcome: 'refused', details: { ceremony: status.plan.id, step: step.index, action: step.action, problems: check.problems } });
      throw new KeywardError('QUORUM_NOT_MET', `Step ${step.index + 1} (${step.description}) cannot run: ${check.problems.join('; ')}.`, `Officers in the roles ${rolesInWords(policy.roles)} approve this step (${policy.quorum} needed), each with their own passphrase.`);
    }
    return check.counted;
  }

  private context(status: CeremonyStatus, index: number, actors: string[]): StepContext {
    const { plan } = status;
    const approvals = this.d.store.approvals(plan.id, index).filter((a) => actors.includes(a.officer));
    const claimOutput = (path: string) => {
      // Never claimed if it is there already: what the step did not write, a failure must not remove.
      if (existsSync(path)) throw new KeywardError('FILE_NOT_WRITTEN', `Nothing was written: ${path} already exists, and Keyward never overwrites.`, 'Choose another drive or folder, or move the existing one away, then run the step again.');
      const claim = claimOf(path);
      if (claim) this.d.store.addPendingOutput(plan.id, index, claim);
    };
    return { ...this.d.stepContext, ceremonyId: plan.id, actors, approvals, policy: this.d.policies.get(plan.type), claimOutput };
  }

  private open(id: string): CeremonyStatus {
    const status = this.d.store.status(id);
    if (status.state === 'completed' || status.state === 'aborted') throw new KeywardError('INVALID_REQUEST', `Ceremony ${id} has ended (${status.state}).`, 'Plan a new ceremony.');
    if (status.steps.some((s) => s.state === 'running')) throw new KeywardError('INVALID_REQUEST', `Ceremony ${id} was interrupted in the middle of a step.`, 'Recover it: with an officer logged in to the token, Keyward rolls back the interrupted step and destroys what it had reserved; then the ceremony continues.');
    return status;
  }

  private step(status: CeremonyStatus, index: number): PlannedStep {
    const step = status.plan.steps[index];
    if (!step) throw new KeywardError('INVALID_REQUEST', `The ceremony has no step ${index + 1}.`, 'Check the plan.');
    return step;
  }

  private executor(action: string): StepExecutor {
    const executor = action === closingCheckpoint.action ? writeCheckpoint : this.d.executors[action];
    if (!executor) throw new KeywardError('INVALID_REQUEST', `Keyward cannot perform the step ${action}.`, 'Check the ceremony plan.');
    return executor;
  }

  private async destroyLabels(labels: string[]): Promise<number> {
    let destroyed = 0;
    for (const label of labels) destroyed += (await this.d.stepContext.client.request('destroyByLabel', { uri: this.d.stepContext.uri, label })).destroyed;
    return destroyed;
  }
}
