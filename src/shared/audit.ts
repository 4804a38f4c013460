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
  /** A subject, or a key name: then the entries of all its versions too. */
  subject?: string;
  ceremony?: string;
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

/** A signed statement of the audit log's head: "entry `seq` has hash `headHash`". */
export interface AuditCheckpoint {
  id: number;
  seq: number;
  headHash: string;
  time: string;
  prevCheckpointHash: string;
  signerSpki: Uint8Array;
  hashAlgorithm: 'sha256' | 'sha384';
  scheme: 'rsa-pss' | 'ecdsa-p1363';
  signature: Uint8Array;
  hash: string;
}

export interface CheckpointVerification {
  ok: boolean;
  checkpoints: number;
  /** The last checkpoint, whose head the log must still contain. */
  last?: { seq: number; headHash: string; time: string };
  /**
   * The anchor in the HSM: the checkpoint and head it names (the log must still hold both), and how many
   * entries were written after that head (not yet protected by a signature the HSM keeps track of).
   */
  anchor?: { checkpoint: number; headSeq: number; entriesAfter: number };
  /** `incomplete`: the verification could not be finished (the HSM could not be asked), which is not a proof of tampering. */
  problem?: { checkpoint: number; message: string; incomplete?: boolean };
}
