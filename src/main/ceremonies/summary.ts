/** One line of a ceremony list, for the app's tables and `keyward ceremony list` alike. */
import type { CeremonyStatus, CeremonySummary } from '../../shared/ceremonies';

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
