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
  // 3: the key inventory. Versions are never deleted: a destroyed version stays listed, as its history.
  `
  CREATE TABLE keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL,
    provider TEXT,
    spec TEXT NOT NULL,
    rotation_days INTEGER NOT NULL DEFAULT 365 CHECK (rotation_days BETWEEN 1 AND 3650),
    next_rotation_due TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE key_versions (
    key_id TEXT NOT NULL REFERENCES keys (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    token_serial TEXT NOT NULL,
    token_object_id TEXT NOT NULL,
    token_label TEXT NOT NULL,
    kcv TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'decrypt-only', 'disabled', 'destroyed', 'restored')),
    state_since TEXT NOT NULL,
    state_ceremony TEXT,
    PRIMARY KEY (key_id, version)
  );
  CREATE UNIQUE INDEX key_versions_one_active ON key_versions (key_id) WHERE state = 'active';
  CREATE TRIGGER key_versions_kept BEFORE DELETE ON key_versions
    BEGIN SELECT RAISE(ABORT, 'key versions are never deleted: mark them destroyed'); END;
  CREATE TRIGGER keys_kept BEFORE DELETE ON keys
    BEGIN SELECT RAISE(ABORT, 'keys are never deleted from the inventory'); END;
  `,
];

export const schemaVersion = migrations.length;
