/**
 * The append-only, hash-chained audit log. Each entry's hash is SHA-256 over the previous entry's hash
 * and the canonical encoding of the entry, so any edit, deletion, insertion or reordering breaks the
 * chain at a place `verify` names. Triggers refuse UPDATE and DELETE outright.
 */
import {
  genesisHash,
  type AuditDetails,
  type AuditEntry,
  type AuditQuery,
  type AuditRecord,
  type AuditVerification,
} from '../../shared/audit';
import { KeywardError, errorCodeOf } from '../../shared/errors';
import { isStoreBusy } from './busy';
import { entryHash, verifyChain } from './chain';
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

/** Words in a detail key that suggest a secret (camelCase, snake_case and kebab-case are split into words). */
const secretWords = new Set([
  'pin',
  'pins',
  'passphrase',
  'password',
  'secret',
  'plaintext',
  'share',
  'shares',
  'seed',
]);

/** A detail key that suggests a secret; such details are refused rather than stored. */
export function looksSecret(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w, i) => secretWords.has(w) || (w === 'private' && words[i + 1] === 'key') || w === 'privatekey');
}

function assertNoSecrets(details: AuditDetails, path = 'details'): void {
  for (const [key, value] of Object.entries(details)) {
    if (looksSecret(key)) {
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
    if (record.actors.length === 0)
      throw new KeywardError(
        'AUDIT_REFUSED',
        'An audit entry must name at least one actor.',
        'This is a defect in Keyward: report it.',
      );
    assertNoSecrets(record.details);
    const write = (): AuditEntry => {
      const last = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
        { seq: number; hash: string } | undefined;
      const base = { ...record, seq: (last?.seq ?? 0) + 1, time: this.now().toISOString() };
      const prevHash = last?.hash ?? genesisHash;
      const entry: AuditEntry = { ...base, prevHash, hash: entryHash(prevHash, base) };
      this.db
        .prepare(
          'INSERT INTO audit_log (seq, time, actors, action, subject, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          entry.seq,
          entry.time,
          JSON.stringify(entry.actors),
          entry.action,
          entry.subject,
          entry.outcome,
          JSON.stringify(entry.details),
          entry.prevHash,
          entry.hash,
        );
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
      // Nothing more can be written while another program holds the database (the officer is told so).
      if (!(error instanceof KeywardError && error.code === 'AUDIT_REFUSED') && !isStoreBusy(error)) {
        try {
          this.append({ ...record, outcome: 'failure', details: { ...record.details, error: errorCodeOf(error) } });
        } catch {
          // The change did not happen either way; the officer needs its reason, not the audit writer's.
        }
      }
      throw error;
    }
  }

  /** Entries 1..upTo in order, streamed. */
  *iterate(upTo: number): Generator<AuditEntry> {
    for (const row of this.db
      .prepare('SELECT * FROM audit_log WHERE seq <= ? ORDER BY seq')
      .iterate(upTo) as IterableIterator<Row>)
      yield toEntry(row);
  }

  head(): { seq: number; hash: string } {
    const last = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined;
    return last ?? { seq: 0, hash: genesisHash };
  }

  /** The stored hash of entry `seq` (the genesis hash for 0), or undefined when the log has no such entry. */
  hashAt(seq: number): string | undefined {
    if (seq === 0) return genesisHash;
    return this.db.prepare('SELECT hash FROM audit_log WHERE seq = ?').pluck().get(seq) as string | undefined;
  }

  /** The ceremonies whose signed transcript was written (a successful ceremony.transcript entry). */
  ceremoniesWithTranscript(): Set<string> {
    const ids = this.db
      .prepare(
        "SELECT DISTINCT json_extract(details, '$.ceremony') FROM audit_log WHERE action = 'ceremony.transcript' AND outcome = 'success'",
      )
      .pluck()
      .all();
    return new Set(ids.filter((id): id is string => typeof id === 'string'));
  }

  query(q: AuditQuery): AuditEntry[] {
    // A key's entries name it alone or with a version ("Tenant CMK v2"); a ceremony is in the details.
    const filters: [string, string | number | undefined, number][] = [
      ['action = ?', q.action, 1],
      ['EXISTS (SELECT 1 FROM json_each(actors) WHERE value = ?)', q.actor, 1],
      [
        "(subject = ? OR (substr(subject, 1, length(?) + 2) = ? || ' v' AND substr(subject, length(?) + 3) GLOB '[0-9]*' AND substr(subject, length(?) + 3) NOT GLOB '*[^0-9]*'))",
        q.subject,
        5,
      ],
      ["json_extract(details, '$.ceremony') = ?", q.ceremony, 1],
      ['time >= ?', q.from, 1],
      ['time <= ?', q.to, 1],
      ['seq < ?', q.before, 1],
    ];
    const used = filters.filter((f): f is [string, string | number, number] => f[1] !== undefined && f[1] !== '');
    const where = used.map(([clause]) => clause);
    const params = used.flatMap(([, value, times]) => Array.from({ length: times }, () => value));
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, q.limit) as Row[]).map(toEntry);
  }

  /** Recomputes the whole chain, streaming rows, and names the first entry that does not hold. */
  verify(): AuditVerification {
    const rows = this.db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<Row>;
    return verifyChain(
      (function* () {
        for (const row of rows) {
          try {
            yield toEntry(row);
          } catch {
            yield { malformed: true as const, seq: row.seq };
          }
        }
      })(),
    );
  }
}
