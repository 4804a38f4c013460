/** The offline audit log as every side sees it. */

export type AuditOutcome = 'success' | 'failure' | 'refused';

export type AuditDetails = { [key: string]: AuditValue };
export type AuditValue = null | boolean | number | string | AuditValue[] | AuditDetails;

/** What a caller records; sequence, time and hashes are added by the log. */
export interface AuditRecord {
  /** Officers (or "workstation" for automatic steps) who performed or approved the action. */
  actors: string[];
  /** Dotted name of what was done, e.g. "hsm.select", "key.generate". */
  action: string;
  /** What it was done to, e.g. a key name and version, a token serial. */
  subject: string | null;
  outcome: AuditOutcome;
  /** Facts worth keeping; never a secret (PINs, passphrases, key bytes are refused). */
  details: AuditDetails;
}

export interface AuditEntry extends AuditRecord {
  seq: number;
  /** ISO 8601, UTC. */
  time: string;
  prevHash: string;
  hash: string;
}

export interface AuditQuery {
  action?: string;
  actor?: string;
  subject?: string;
  from?: string;
  to?: string;
  /** Newest first; `before` pages backwards by sequence number. */
  before?: number;
  limit: number;
}

export type AuditProblemKind = 'edited' | 'deleted' | 'inserted-or-reordered' | 'malformed';

export interface AuditVerification {
  ok: boolean;
  entries: number;
  headHash: string;
  /** The first bad entry, in words an auditor can act on. */
  problem?: { seq: number; kind: AuditProblemKind; message: string };
}

/** The hash that precedes the first entry. */
export const genesisHash = '0'.repeat(64);
