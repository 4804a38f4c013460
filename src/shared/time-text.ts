/**
 * Times as officers read them, in one format on every screen, in plans, transcripts and the CLI: UTC, to
 * the second, with "UTC" written out (a workstation's local zone is not what a provider's console shows).
 */

const pad = (n: number): string => String(n).padStart(2, '0');

/** "2026-12-04 05:24:06 UTC"; a value that is not a time is shown as it is, never as "Invalid Date". */
export function utcText(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return (
    `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} UTC`
  );
}

/** "2026-12-04": the day only, for dates such as an enrolment (UTC, as utcText). */
export const utcDateText = (iso: string): string => utcText(iso).slice(0, 10);

/** "2 h 05 min", "0 h 59 min", "3 days 4 h", "45 s": a duration in the units a deadline needs. */
export function durationText(ms: number): string {
  const seconds = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} day${days === 1 ? '' : 's'} ${hours} h`;
  // Hours and minutes, "0 h 59 min" included: a deadline always reads the same way until its last minute.
  if (seconds >= 60) return `${hours} h ${pad(minutes)} min`;
  return `${seconds} s`;
}

/** How a provider's deadline stands at `now`: time left, or how long ago it passed; with the deadline itself. */
export function deadlineText(deadline: string | null, now: Date): string {
  if (!deadline) return 'the provider gives no deadline';
  const left = new Date(deadline).getTime() - now.getTime();
  return left > 0
    ? `${durationText(left)} left before the provider's deadline (${utcText(deadline)})`
    : `the provider's deadline passed ${durationText(left)} ago (${utcText(deadline)})`;
}
