/** Words for values several screens show. */
import type { StepState } from '../shared/ceremonies';
import type { RotationDue } from '../shared/inventory';
import { utcDateText } from '../shared/time-text';

export function rotationText(due: RotationDue | undefined): string {
  if (!due) return 'No active version.';
  if (due.status === 'overdue')
    return `Rotation overdue by ${-due.daysLeft} day${due.daysLeft === -1 ? '' : 's'} (due ${utcDateText(due.due)}).`;
  if (due.status === 'due-soon')
    return `Rotation due in ${due.daysLeft} day${due.daysLeft === 1 ? '' : 's'} (${utcDateText(due.due)}).`;
  return `Next rotation ${utcDateText(due.due)} (in ${due.daysLeft} days).`;
}

/** Times in the one format every screen, plan and transcript uses. */
export { deadlineText, utcDateText, utcText } from '../shared/time-text';

/** Roles as labels (capitalised); in a sentence, rolesInWords (shared/officers). */
export { roleLabels } from '../shared/officers';

/** A ceremony step's state, as the step lists show it. */
export const stepStateLabels: Record<StepState, string> = {
  pending: 'to do',
  running: 'interrupted',
  done: 'done',
  failed: 'failed',
  'rolled-back': 'rolled back',
};

/** A byte count as officers read free space on a drive. */
export function bytesText(bytes: number | null): string {
  if (bytes === null) return 'unknown';
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} bytes`;
}

/** A key check value in large grouped type. */
export const kcvText = (kcv: string): string => kcv.toUpperCase().replace(/(..)(?=.)/g, '$1 ');

/** "1 entry", "2 entries". */
export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
