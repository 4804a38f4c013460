/** One line of a ceremony list, for the app's tables and `keyward ceremony list` alike. */
import type { CeremonyStatus, CeremonySummary } from '../../shared/ceremonies';
import type { AuditLog } from '../store/audit-log';
import type { CeremonyStore } from '../store/ceremonies';

/** `interrupted`: a step was left running when Keyward stopped (the app knows when one is running now). */
function summarise(status: CeremonyStatus, interrupted: boolean): CeremonySummary {
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

/** How a ceremony with a step marked running stands now: interrupted, or running in a live Keyward. */
export type RunningNow = (status: CeremonyStatus) => { interrupted: boolean; runningIn?: string };

/**
 * The ceremony lists of the app and of `keyward ceremony list` alike: the unfinished ones and the ten
 * most recently ended, each ended one saying whether its signed transcript was written (one audit query
 * for them all).
 */
export function listCeremonySummaries(
  store: Pick<CeremonyStore, 'status' | 'unfinished' | 'ended'>,
  log: Pick<AuditLog, 'ceremoniesWithTranscript'>,
  runningNow: RunningNow,
): { unfinished: CeremonySummary[]; recent: CeremonySummary[] } {
  const unfinished = store.unfinished().map((id) => store.status(id));
  const recent = store.ended(10).map((id) => store.status(id));
  const written = recent.length ? log.ceremoniesWithTranscript() : new Set<string>();
  const summary = (status: CeremonyStatus): CeremonySummary => {
    const { interrupted, runningIn } = status.steps.some((s) => s.state === 'running')
      ? runningNow(status)
      : { interrupted: false };
    const ended = status.state === 'completed' || status.state === 'aborted';
    return {
      ...summarise(status, interrupted),
      ...(runningIn ? { runningIn } : {}),
      ...(ended ? { transcript: written.has(status.plan.id) ? ('written' as const) : ('missing' as const) } : {}),
    };
  };
  return { unfinished: unfinished.map(summary), recent: recent.map(summary) };
}
