/**
 * Numbered schema migrations. Each runs once, in order, in one transaction with the version bump
 * (PRAGMA user_version). Never edit a released migration: add the next one.
 */
export const migrations: readonly string[] = [
  // 1: the append-only audit log.
  `
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actors TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'refused')),
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
  );
  CREATE INDEX audit_log_action ON audit_log (action, seq);
  CREATE INDEX audit_log_time ON audit_log (time);
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be deleted'); END;
  `,
  // 2: signed checkpoints of the audit log's head, themselves chained and append-only.
  `
  CREATE TABLE audit_checkpoints (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    time TEXT NOT NULL,
    prev_checkpoint_hash TEXT NOT NULL,
    signer_spki BLOB NOT NULL,
    hash_algorithm TEXT NOT NULL CHECK (hash_algorithm IN ('sha256', 'sha384')),
    scheme TEXT NOT NULL CHECK (scheme IN ('rsa-pss', 'ecdsa-p1363')),
    signature BLOB NOT NULL,
    hash TEXT NOT NULL UNIQUE
  );
  CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: they cannot be changed'); END;
  CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: they cannot be deleted'); END;
  `,
];

export const schemaVersion = migrations.length;
