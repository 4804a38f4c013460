/** An example plan from docs/ceremonies, edited, and sealed again with its checksum line as an officer does after review. */
import { planChecksumLine, withoutChecksumLine } from '../../src/main/ceremonies/plan-checksum';

export function editedPlan(text: string, edit: (body: string) => string): string {
  const body = edit(withoutChecksumLine(text));
  return `${planChecksumLine(body)}\n${body}`;
}
