/**
 * Ceremonies in the store: the plan (never changed once written), who checked in, each step's state,
 * result and claimed outputs (the token objects a step creates are reserved, by CKA_ID, in the signed plan itself),
 * and the approvals, which are append-only. The engine writes a step's
 * state change and its audit entry in one transaction.
 */
import type { CeremonyPlan, CeremonyState, CeremonyStatus, StepState, StepValue } from '../../shared/ceremonies';
import { KeywardError } from '../../shared/errors';
import type { Signature } from '../../shared/keys';
import type { Approval } from '../../shared/officers';
import type { ClaimedOutput } from '../ceremonies/step-outputs';
import type { Db } from './database';

interface CeremonyRow {
  id: string;
  plan: string;
  state: CeremonyState;
  ended_at: string | null;
  outcome: string | null;
}

interface StepRow {
  step: number;
  action: string;
  state: StepState;
  started_at: string | null;
  ended_at: string | null;
  result: string | null;
}

export class CeremonyStore {
  constructor(private readonly db: Db) {}

  /** A new ceremony, with the workstation key's signature over its plan digest. */
  create(plan: CeremonyPlan, signature: Signature): void {
    const signed = JSON.stringify({
      hash: signature.hash,
      scheme: signature.scheme,
      signature: Buffer.from(signature.signature).toString('base64'),
    });
    this.db
      .prepare(
        'INSERT INTO ceremonies (id, type, plan, plan_digest, plan_signature, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(plan.id, plan.type, JSON.stringify(plan), plan.planDigest, signed, 'planned', plan.createdAt);
    const insert = this.db.prepare(
      'INSERT INTO ceremony_steps (ceremony_id, step, action, digest, state) VALUES (?, ?, ?, ?, ?)',
    );
    for (const step of plan.steps) insert.run(plan.id, step.index, step.action, step.digest, 'pending');
  }

  plan(id: string): CeremonyPlan {
    return JSON.parse(this.row(id).plan) as CeremonyPlan;
  }

  /** The workstation key's signature over the plan digest, as stored (none for a plan made before plans were signed). */
  planSignature(id: string): Signature | undefined {
    const stored = this.db.prepare('SELECT plan_signature FROM ceremonies WHERE id = ?').pluck().get(id) as
      string | null | undefined;
    if (!stored) return undefined;
    try {
      const value = JSON.parse(stored) as { hash: Signature['hash']; scheme: Signature['scheme']; signature: string };
      return { hash: value.hash, scheme: value.scheme, signature: Buffer.from(value.signature, 'base64') };
    } catch {
      return undefined;
    }
  }

  /** The labels an earlier Keyward recorded for a step's objects before creating them (plans made before objects had reserved CKA_IDs). */
  legacyPendingLabels(id: string, step: number): string[] {
    const stored = this.db
      .prepare('SELECT pending_labels FROM ceremony_steps WHERE ceremony_id = ? AND step = ?')
      .pluck()
      .get(id, step) as string | undefined;
    try {
      const labels = JSON.parse(stored ?? '[]') as unknown;
      return Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [];
    } catch {
      return [];
    }
  }

  /** Each step's digest as recorded beside the plan, by step index. */
  stepDigests(id: string): string[] {
    return this.db
      .prepare('SELECT digest FROM ceremony_steps WHERE ceremony_id = ? ORDER BY step')
      .pluck()
      .all(id) as string[];
  }

  status(id: string): CeremonyStatus {
    const row = this.row(id);
    const steps = (
      this.db.prepare('SELECT * FROM ceremony_steps WHERE ceremony_id = ? ORDER BY step').all(id) as StepRow[]
    ).map((s) => ({
      index: s.step,
      action: s.action,
      state: s.state,
      startedAt: s.started_at,
      endedAt: s.ended_at,
      result: s.result ? (JSON.parse(s.result) as Record<string, StepValue>) : null,
      approvedBy: this.approvals(id, s.step).map((a) => a.officer),
    }));
    return {
      plan: JSON.parse(row.plan) as CeremonyPlan,
      state: row.state,
      checkedIn: this.checkedIn(id),
      steps,
      endedAt: row.ended_at,
      outcome: row.outcome,
    };
  }

  /** Ceremonies a crash or power loss left running. */
  unfinished(): string[] {
    return this.db
      .prepare("SELECT id FROM ceremonies WHERE state IN ('planned', 'running') ORDER BY created_at")
      .pluck()
      .all() as string[];
  }

  /** Ceremonies that have ended, newest first. */
  ended(limit: number): string[] {
    return this.db
      .prepare("SELECT id FROM ceremonies WHERE state IN ('completed', 'aborted') ORDER BY ended_at DESC LIMIT ?")
      .pluck()
      .all(limit) as string[];
  }

  setState(id: string, state: CeremonyState, at: string, outcome: string | null = null): void {
    this.db
      .prepare('UPDATE ceremonies SET state = ?, ended_at = ?, outcome = ? WHERE id = ?')
      .run(state, state === 'completed' || state === 'aborted' ? at : null, outcome, id);
  }

  checkIn(id: string, officer: string, proof: Approval, at: string): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO ceremony_attendance (ceremony_id, officer_id, signature, checked_in_at) VALUES (?, ?, ?, ?)',
      )
      .run(id, officer, Buffer.from(JSON.stringify(proof)), at);
  }

  checkedIn(id: string): string[] {
    return this.db
      .prepare('SELECT officer_id FROM ceremony_attendance WHERE ceremony_id = ? ORDER BY checked_in_at, officer_id')
      .pluck()
      .all(id) as string[];
  }

  addApproval(id: string, step: number, approval: Approval): void {
    this.db
      .prepare('INSERT INTO step_approvals (ceremony_id, step, officer_id, approval) VALUES (?, ?, ?, ?)')
      .run(id, step, approval.officer, JSON.stringify(approval));
  }

  approvals(id: string, step: number): Approval[] {
    return (
      this.db
        .prepare('SELECT approval FROM step_approvals WHERE ceremony_id = ? AND step = ? ORDER BY rowid')
        .pluck()
        .all(id, step) as string[]
    ).map((a) => JSON.parse(a) as Approval);
  }

  /** What a step claimed while running: files or folders on drives (`pendingOutputs`). */
  stepState(id: string, step: number): { state: StepState; pendingOutputs: ClaimedOutput[] } {
    const row = this.db
      .prepare('SELECT state, pending_outputs FROM ceremony_steps WHERE ceremony_id = ? AND step = ?')
      .get(id, step) as { state: StepState; pending_outputs: string } | undefined;
    if (!row)
      throw new KeywardError('INVALID_REQUEST', `Ceremony ${id} has no step ${step}.`, 'Check the ceremony plan.');
    return { state: row.state, pendingOutputs: JSON.parse(row.pending_outputs) as ClaimedOutput[] };
  }

  /** A running step is about to write an output on a drive; recorded (and flushed) before the first byte is written. */
  addPendingOutput(id: string, step: number, claim: ClaimedOutput): void {
    const changed = this.db
      .prepare(
        "UPDATE ceremony_steps SET pending_outputs = json_insert(pending_outputs, '$[#]', json(?)) WHERE ceremony_id = ? AND step = ? AND state = 'running'",
      )
      .run(JSON.stringify(claim), id, step).changes;
    if (changed !== 1)
      throw new KeywardError(
        'INTERNAL',
        `Step ${step + 1} of ceremony ${id} is not running, so it cannot write ${claim.path}.`,
        'Run the step from the ceremony.',
      );
  }

  /** The transcript folder about to be written for an ended ceremony (replacing an earlier claim). */
  claimTranscript(id: string, claim: ClaimedOutput): void {
    this.db
      .prepare(
        'INSERT INTO transcript_claims (ceremony_id, claim) VALUES (?, ?) ON CONFLICT (ceremony_id) DO UPDATE SET claim = excluded.claim',
      )
      .run(id, JSON.stringify(claim));
  }

  releaseTranscript(id: string): void {
    this.db.prepare('DELETE FROM transcript_claims WHERE ceremony_id = ?').run(id);
  }

  /** Transcripts whose writing never finished (Keyward stopped meanwhile). */
  transcriptClaims(): { id: string; claim: ClaimedOutput }[] {
    const rows = this.db.prepare('SELECT ceremony_id, claim FROM transcript_claims ORDER BY ceremony_id').all() as {
      ceremony_id: string;
      claim: string;
    }[];
    return rows.map((r) => ({ id: r.ceremony_id, claim: JSON.parse(r.claim) as ClaimedOutput }));
  }

  /** `forgetOutputs`: the step began anew or ended, so the outputs it had claimed are forgotten. */
  updateStep(
    id: string,
    step: number,
    change: { state: StepState; at: string; forgetOutputs?: boolean; result?: Record<string, StepValue> },
  ): void {
    const started = change.state === 'running';
    this.db
      .prepare(
        `UPDATE ceremony_steps SET state = ?, ${started ? 'started_at' : 'ended_at'} = ?, pending_outputs = CASE WHEN ? THEN '[]' ELSE pending_outputs END, result = COALESCE(?, result) WHERE ceremony_id = ? AND step = ?`,
      )
      .run(
        change.state,
        change.at,
        change.forgetOutputs ? 1 : 0,
        change.result ? JSON.stringify(change.result) : null,
        id,
        step,
      );
  }

  /** The completed steps, in any ceremony, that perform one of these actions, with their planned parameters and result, oldest first. */
  doneSteps(actions: string[]): {
    ceremonyId: string;
    index: number;
    action: string;
    params: Record<string, StepValue>;
    result: Record<string, StepValue>;
    endedAt: string;
  }[] {
    if (actions.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT s.ceremony_id AS id, s.step AS step, s.result AS result, s.ended_at AS ended_at, c.plan AS plan
         FROM ceremony_steps s JOIN ceremonies c ON c.id = s.ceremony_id
         WHERE s.state = 'done' AND s.action IN (${actions.map(() => '?').join(', ')}) ORDER BY s.ended_at`,
      )
      .all(...actions) as { id: string; step: number; result: string | null; ended_at: string | null; plan: string }[];
    return rows.flatMap(({ id, step, result, ended_at, plan }) => {
      const planned = (JSON.parse(plan) as CeremonyPlan).steps[step];
      return planned
        ? [
            {
              ceremonyId: id,
              index: step,
              action: planned.action,
              params: planned.params,
              result: result ? (JSON.parse(result) as Record<string, StepValue>) : {},
              endedAt: ended_at ?? '',
            },
          ]
        : [];
    });
  }

  /** Whether a ceremony has ended (completed or aborted), or is not one this workstation knows. */
  hasEnded(id: string): boolean {
    const state = this.db.prepare('SELECT state FROM ceremonies WHERE id = ?').pluck().get(id) as
      CeremonyState | undefined;
    return state === undefined || state === 'completed' || state === 'aborted';
  }

  private row(id: string): CeremonyRow {
    const row = this.db.prepare('SELECT id, plan, state, ended_at, outcome FROM ceremonies WHERE id = ?').get(id) as
      CeremonyRow | undefined;
    if (!row) throw new KeywardError('CEREMONY_NOT_FOUND', `There is no ceremony ${id}.`, 'Check the ceremony id.');
    return row;
  }
}
