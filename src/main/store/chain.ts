/**
 * The audit chain's rules as pure functions, shared by the database's own verification and the
 * verification of an exported log on another machine.
 */
import { createHash } from 'node:crypto';
import { genesisHash, type AuditEntry, type AuditProblemKind, type AuditVerification } from '../../shared/audit';
import { canonicalJson, type Canonical } from './canonical';

/** Hashes the entry's own fields (any hash fields it carries are ignored) after the previous hash. */
export function entryHash(prevHash: string, entry: Omit<AuditEntry, 'hash' | 'prevHash'>): string {
  const body: Canonical = {
    seq: entry.seq,
    time: entry.time,
    actors: entry.actors,
    action: entry.action,
    subject: entry.subject,
    outcome: entry.outcome,
    details: entry.details as Canonical,
  };
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(body)).digest('hex');
}

/** An entry, or the number of one that could not be read at all. */
export type ChainItem = AuditEntry | { malformed: true; seq: number };

/** Walks the entries in order and names the first that does not hold. */
export function verifyChain(items: Iterable<ChainItem>): AuditVerification {
  let prevHash = genesisHash;
  let expectedSeq = 1;
  let entries = 0;
  const fail = (seq: number, kind: AuditProblemKind, message: string): AuditVerification => ({
    ok: false,
    entries,
    headHash: prevHash,
    problem: { seq, kind, message },
  });
  for (const entry of items) {
    if ('malformed' in entry)
      return fail(
        entry.seq,
        'malformed',
        `Entry ${entry.seq} cannot be read (its fields are not valid): it was altered outside Keyward.`,
      );
    if (entry.seq !== expectedSeq) {
      return fail(
        expectedSeq,
        'deleted',
        `Entry ${expectedSeq}${entry.seq > expectedSeq + 1 ? ` to ${entry.seq - 1}` : ''} is missing: the log goes from entry ${expectedSeq - 1} to entry ${entry.seq}.`,
      );
    }
    if (entryHash(entry.prevHash, entry) !== entry.hash) {
      // An intact entry that only moved hashes correctly under its old number.
      const moved = [entry.seq - 1, entry.seq + 1].some(
        (seq) => seq > 0 && entryHash(entry.prevHash, { ...entry, seq }) === entry.hash,
      );
      return moved
        ? fail(
            entry.seq,
            'inserted-or-reordered',
            `Entry ${entry.seq} (${entry.action}, ${entry.time}) was renumbered: entries were inserted, removed or reordered at this point.`,
          )
        : fail(
            entry.seq,
            'edited',
            `Entry ${entry.seq} (${entry.action}, ${entry.time}) was changed after it was written: its content no longer matches its hash.`,
          );
    }
    if (entry.prevHash !== prevHash) {
      return fail(
        entry.seq,
        'inserted-or-reordered',
        `Entry ${entry.seq} (${entry.action}) does not follow entry ${entry.seq - 1}: entries were inserted, removed or reordered before it.`,
      );
    }
    prevHash = entry.hash;
    expectedSeq++;
    entries++;
  }
  return { ok: true, entries, headHash: prevHash };
}
