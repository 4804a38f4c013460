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

const prefix = '# keyward-plan-sha256:';
const checksumLine = /^# keyward-plan-sha256:[ \t]*([0-9a-fA-F]*)[ \t]*\r?$/;

export type PlanChecksum = { state: 'absent' } | { state: 'verified'; sha256: string };

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Splits off a first checksum line; the body is every byte after its newline. */
function split(text: string): { line: string; body: string } | undefined {
  const newline = text.indexOf('\n');
  const first = newline === -1 ? text : text.slice(0, newline);
  if (!first.startsWith(prefix)) return undefined;
  return { line: first, body: newline === -1 ? '' : text.slice(newline + 1) };
}

/** Verifies the checksum line when the plan file has one; refuses the plan when it does not match. */
export function checkPlanChecksum(file: string, text: string): PlanChecksum {
  const parts = split(text);
  const elsewhere = (parts ? parts.body : text).split('\n').findIndex((line) => line.startsWith(prefix));
  if (elsewhere !== -1) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `The plan file ${file} was refused: its checksum line ("${prefix} …") is on line ${elsewhere + (parts ? 2 : 1)}, but it must be the first line, where a copy cut short cannot lose it.`,
      `Move that line to the top of the file, or make it again: keyward plan checksum ${file}.`,
    );
  }
  if (!parts) return { state: 'absent' };
  const stated = checksumLine.exec(parts.line)?.[1]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(stated)) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `The plan file ${file} was refused: its first line names no SHA-256 checksum (64 hexadecimal digits after "${prefix}").`,
      `Make the line again from the plan as reviewed: keyward plan checksum ${file}.`,
    );
  }
  const actual = sha256(parts.body);
  if (actual !== stated) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `The plan file ${file} was refused: it is not the plan its checksum line was made for (the line says ${stated.slice(0, 16)}…, the file is ${actual.slice(0, 16)}…). It was changed or damaged since, in a copy cut short or an edit. Nothing was done.`,
      `Copy the plan again from its source and compare it. If it was edited on purpose, review every value, then make the line again: keyward plan checksum ${file}.`,
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
