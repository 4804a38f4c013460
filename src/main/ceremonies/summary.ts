/** One line of a ceremony list, for the app's tables and `keyward ceremony list` alike. */
import type { CeremonyStatus, CeremonySummary } from '../../shared/ceremonies';
import type { AuditLog } from '../store/audit-log';

/** `interrupted`: a step was left running when Keyward stopped (the app knows when one is running now). */
export function summarise(status: CeremonyStatus, interrupted: boolean): CeremonySummary {
  return {
    id: status.plan.id,
    type: status.plan.type,
    title: status.plan.title,
    state: status.state,
    createdAt: status.plan.createdAt,
    endedAt: status.endedAt,
    stepsDone: status.steps.filter((s) => s.state === 'done').length,
    steps: status.steps.length,
    interrupted,
    checkedIn: status.checkedIn,
  };
}

/** The summary, and for an ended ceremony whether its signed transcript was written (each write is audited). */
export function summariseEnded(status: CeremonyStatus, interrupted: boolean, log: AuditLog): CeremonySummary {
  const summary = summarise(status, interrupted);
  if (status.state !== 'completed' && status.state !== 'aborted') return summary;
  const written = log
    .query({ action: 'ceremony.transcript', ceremony: status.plan.id, limit: 50 })
    .some((e) => e.outcome === 'success');
  return { ...summary, transcript: written ? 'written' : 'missing' };
}
