/**
 * The append-only, hash-chained audit log. Each entry's hash is SHA-256 over the previous entry's hash
 * and the canonical encoding of the entry, so any edit, deletion, insertion or reordering breaks the
 * chain at a place `verify` names. Triggers refuse UPDATE and DELETE outright.
 */
import { createHash } from 'node:crypto';
import { genesisHash, type AuditDetails, type AuditEntry, type AuditProblemKind, type AuditQuery, type AuditRecord, type AuditVerification } from '../../shared/audit';
import { KeywardError } from '../../shared/errors';
import { canonicalJson, type Canonical } from './canonical';
import type { Db } from './database';

interface Row {
  seq: number;
  time: string;
  actors: string;
  action: string;
  subject: string | null;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/** Detail keys that suggest a secret; such details are refused rather than stored. */
const secretKey = /pin|passphrase|password|secret|plaintext|private.?key|share|seed/i;

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

function assertNoSecrets(details: AuditDetails, path = 'details'): void {
  for (const [key, value] of Object.entries(details)) {
    if (secretKey.test(key)) {
      throw new KeywardError(
        'AUDIT_REFUSED',
        `An audit entry was refused because ${path}.${key} looks like a secret; secrets are never written to the audit log.`,
        'This is a defect in Keyward: report it. The operation was not carried out.',
      );
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) assertNoSecrets(value, `${path}.${key}`);
  }
}

function toEntry(row: Row): AuditEntry {
  return {
    seq: row.seq,
    time: row.time,
    actors: JSON.parse(row.actors) as string[],
    action: row.action,
    subject: row.subject,
    outcome: row.outcome as AuditEntry['outcome'],
    details: JSON.parse(row.details) as AuditDetails,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends inside the caller's transaction when there is one (so a state change and its entry commit together). */
  append(record: AuditRecord): AuditEntry {
    if (record.actors.length === 0) throw new KeywardError('AUDIT_REFUSED', 'An audit entry must name at least one actor.', 'This is a defect in Keyward: report it.');
    assertNoSecrets(record.details);
    const write = (): AuditEntry => {
      const last = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      const base = { ...record, seq: (last?.seq ?? 0) + 1, time: this.now().toISOString() };
      const prevHash = last?.hash ?? genesisHash;
      const entry: AuditEntry = { ...base, prevHash, hash: entryHash(prevHash, base) };
      this.db
        .prepare('INSERT INTO audit_log (seq, time, actors, action, subject, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(entry.seq, entry.time, JSON.stringify(entry.actors), entry.action, entry.subject, entry.outcome, JSON.stringify(entry.details), entry.prevHash, entry.hash);
      return entry;
    };
    return this.db.inTransaction ? write() : this.db.transaction(write).immediate();
  }

  /**
   * Runs a privileged state change and its audit entry in one transaction. The entry is written first:
   * if it cannot be, the change never runs (fail closed), even a change outside the database. A failed
   * change rolls its entry back and is audited as a failure.
   */
  record<T>(record: Omit<AuditRecord, 'outcome'>, change: () => T): T {
    try {
      return this.db
        .transaction(() => {
          this.append({ ...record, outcome: 'success' });
          return change();
        })
        .immediate();
    } catch (error) {
      if (!(error instanceof KeywardError && error.code === 'AUDIT_REFUSED')) {
        this.append({ ...record, outcome: 'failure', details: { ...record.details, error: error instanceof KeywardError ? error.code : 'INTERNAL' } });
      }
      throw error;
    }
  }

  head(): { seq: number; hash: string } {
    const last = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    return last ?? { seq: 0, hash: genesisHash };
  }

  /** The stored hash of entry `seq` (the genesis hash for 0), or undefined when the log has no such entry. */
  hashAt(seq: number): string | undefined {
    if (seq === 0) return genesisHash;
    return this.db.prepare('SELECT hash FROM audit_log WHERE seq = ?').pluck().get(seq) as string | undefined;
  }

  query(q: AuditQuery): AuditEntry[] {
    const filters: [string, string | number | undefined][] = [
      ['action = ?', q.action],
      ['EXISTS (SELECT 1 FROM json_each(actors) WHERE value = ?)', q.actor],
      ['subject = ?', q.subject],
      ['time >= ?', q.from],
      ['time <= ?', q.to],
      ['seq < ?', q.before],
    ];
    const used = filters.filter((f): f is [string, string | number] => f[1] !== undefined && f[1] !== '');
    const where = used.map(([clause]) => clause);
    const params = used.map(([, value]) => value);
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, q.limit) as Row[]).map(toEntry);
  }

  /** Recomputes the whole chain, streaming rows, and names the first entry that does not hold. */
  verify(): AuditVerification {
    let prevHash = genesisHash;
    let expectedSeq = 1;
    let entries = 0;
    const fail = (seq: number, kind: AuditProblemKind, message: string): AuditVerification => ({ ok: false, entries, headHash: prevHash, problem: { seq, kind, message } });
    for (const row of this.db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<Row>) {
      let entry: AuditEntry;
      try {
        entry = toEntry(row);
      } catch {
        return fail(row.seq, 'malformed', `Entry ${row.seq} cannot be read (its actors or details are not valid JSON): it was altered outside Keyward.`);
      }
      if (entry.seq !== expectedSeq) {
        return fail(expectedSeq, 'deleted', `Entry ${expectedSeq}${entry.seq > expectedSeq + 1 ? ` to ${entry.seq - 1}` : ''} is missing: the log goes from entry ${expectedSeq - 1} to entry ${entry.seq}.`);
      }
      if (entryHash(entry.prevHash, entry) !== entry.hash) {
        // An intact entry that only moved hashes correctly under its old number.
        const moved = [entry.seq - 1, entry.seq + 1].some((seq) => seq > 0 && entryHash(entry.prevHash, { ...entry, seq }) === entry.hash);
        return moved
          ? fail(entry.seq, 'inserted-or-reordered', `Entry ${entry.seq} (${entry.action}, ${entry.time}) was renumbered: entries were inserted, removed or reordered at this point.`)
          : fail(entry.seq, 'edited', `Entry ${entry.seq} (${entry.action}, ${entry.time}) was changed after it was written: its content no longer matches its hash.`);
      }
      if (entry.prevHash !== prevHash) {
        return fail(entry.seq, 'inserted-or-reordered', `Entry ${entry.seq} (${entry.action}) does not follow entry ${entry.seq - 1}: entries were inserted, removed or reordered before it.`);
      }
      prevHash = entry.hash;
      expectedSeq++;
      entries++;
    }
    return { ok: true, entries, headHash: prevHash };
  }
}
