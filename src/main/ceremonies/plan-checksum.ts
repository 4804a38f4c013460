/**
 * An optional checksum line at the top of a plan file, so that a plan damaged in a copy (a value cut
 * short, a line lost) is refused before anyone checks in. The line is the file's first:
 *
 *   # keyward-plan-sha256: <SHA-256, hex, of every byte after this line>
 *
 * First, so that a copy cut short can never lose the line and still be read: the checksum then fails.
 * A plan without the line is read as before (its digest is still read aloud before check-in).
 */
import { createHash } from 'node:crypto';
import { KeywardError } from '../../shared/errors';

const marker = 'keyward-plan-sha256';
const prefix = `# ${marker}:`;
const wellFormed = /^# keyward-plan-sha256:[ \t]*([0-9a-fA-F]{64})[ \t]*\r?$/;

export type PlanChecksum = { state: 'absent' } | { state: 'verified'; sha256: string };

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Splits off a first line that mentions the checksum (after a byte-order mark an editor may have added);
 * the body is every byte after its newline.
 */
function split(text: string): { line: string; body: string } | undefined {
  const newline = text.indexOf('\n');
  const first = (newline === -1 ? text : text.slice(0, newline)).replace(/^\uFEFF/, '');
  if (!first.includes(marker)) return undefined;
  return { line: first, body: newline === -1 ? '' : text.slice(newline + 1) };
}

/**
 * Verifies the checksum line when the plan file has one; refuses the plan when it does not match. Any line
 * that mentions the checksum counts (indented, or after a byte-order mark): a sealed plan must never be
 * read as an unsealed one because its line was shifted.
 */
export function checkPlanChecksum(file: string, text: string): PlanChecksum {
  const parts = split(text);
  const elsewhere = (parts ? parts.body : text).split('\n').findIndex((line) => line.includes(marker));
  const review = `after checking every value in it against the plan the officers reviewed, make the line again: keyward plan checksum ${file}`;
  if (elsewhere !== -1) {
    throw new KeywardError(
      'PLAN_INVALID',
      `The plan file ${file} was refused: its checksum line ("${prefix} …") is on line ${elsewhere + (parts ? 2 : 1)}, but it must be the first line, where a copy cut short cannot lose it. Nothing was done.`,
      `Copy the plan again from its source; or, ${review}, and put it at the top.`,
    );
  }
  if (!parts) return { state: 'absent' };
  const stated = wellFormed.exec(parts.line)?.[1]?.toLowerCase();
  if (!stated) {
    throw new KeywardError(
      'PLAN_INVALID',
      `The plan file ${file} was refused: its first line mentions the checksum but is not "${prefix}" followed by 64 hexadecimal digits, at the start of the line. Nothing was done.`,
      `Copy the plan again from its source; or, ${review}.`,
    );
  }
  const actual = sha256(parts.body);
  if (actual !== stated) {
    throw new KeywardError(
      'PLAN_INVALID',
      `The plan file ${file} was refused: it is not the plan its checksum line was made for (the line says ${stated.slice(0, 16)}…, the file is ${actual.slice(0, 16)}…). It was changed or damaged since, in a copy cut short or an edit. Nothing was done.`,
      `Copy the plan again from its source and compare it. If it was edited on purpose, ${review}.`,
    );
  }
  return { state: 'verified', sha256: actual };
}

/** The plan's text without a checksum line at its top. */
export const withoutChecksumLine = (text: string): string => split(text)?.body ?? text;

/** The checksum line for a plan's text (any checksum line already at its top is left out). */
export function planChecksumLine(text: string): string {
  return `${prefix} ${sha256(withoutChecksumLine(text))}`;
}
