/** Words for values several screens show. */
import type { RotationDue } from '../shared/inventory';

export function rotationText(due: RotationDue | undefined): string {
  if (!due) return 'No active version.';
  if (due.status === 'overdue') return `Rotation overdue by ${-due.daysLeft} day${due.daysLeft === -1 ? '' : 's'} (due ${due.due.slice(0, 10)}).`;
  if (due.status === 'due-soon') return `Rotation due in ${due.daysLeft} day${due.daysLeft === 1 ? '' : 's'} (${due.due.slice(0, 10)}).`;
  return `Next rotation ${due.due.slice(0, 10)} (in ${due.daysLeft} days).`;
}

/** A UTC time as officers read it: date and time to the second. */
export const utcText = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
