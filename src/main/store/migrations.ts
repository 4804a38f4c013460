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
  // 4: the workstation's signing identity, provider wrapping keys, and the bundles written to media.
  `
  CREATE TABLE workstation_identity (
    id INTEGER PRIMARY KEY,
    token_serial TEXT NOT NULL,
    token_object_id TEXT NOT NULL,
    spec TEXT NOT NULL CHECK (spec IN ('RSA_PSS_3072', 'ECDSA_P256', 'ECDSA_P384')),
    certificate BLOB NOT NULL,
    public_key_fingerprint TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    retired_at TEXT
  );
  CREATE UNIQUE INDEX workstation_identity_one_current ON workstation_identity ((1)) WHERE retired_at IS NULL;
  CREATE TRIGGER workstation_identity_fixed BEFORE UPDATE ON workstation_identity
    WHEN OLD.retired_at IS NOT NULL OR NEW.token_serial IS NOT OLD.token_serial OR NEW.token_object_id IS NOT OLD.token_object_id
      OR NEW.spec IS NOT OLD.spec OR NEW.certificate IS NOT OLD.certificate
      OR NEW.public_key_fingerprint IS NOT OLD.public_key_fingerprint OR NEW.created_at IS NOT OLD.created_at
    BEGIN SELECT RAISE(ABORT, 'a workstation identity can only be retired'); END;
  CREATE TRIGGER workstation_identity_kept BEFORE DELETE ON workstation_identity
    BEGIN SELECT RAISE(ABORT, 'workstation identities are never deleted: retire them'); END;
  CREATE TABLE wrapping_keys (
    id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    label TEXT NOT NULL,
    token_serial TEXT NOT NULL,
    token_object_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    modulus_bits INTEGER NOT NULL,
    source_file_sha256 TEXT NOT NULL,
    provider_deadline TEXT,
    imported_at TEXT NOT NULL,
    imported_ceremony TEXT,
    state TEXT NOT NULL CHECK (state IN ('active', 'retired', 'destroyed')),
    state_since TEXT NOT NULL
  );
  CREATE TRIGGER wrapping_keys_fixed BEFORE UPDATE ON wrapping_keys
    WHEN NEW.id IS NOT OLD.id OR NEW.fingerprint IS NOT OLD.fingerprint OR NEW.source_file_sha256 IS NOT OLD.source_file_sha256
      OR NEW.token_object_id IS NOT OLD.token_object_id OR NEW.imported_at IS NOT OLD.imported_at OR OLD.state = 'destroyed'
    BEGIN SELECT RAISE(ABORT, 'only the state of a wrapping key changes, and a destroyed one not at all'); END;
  CREATE TRIGGER wrapping_keys_kept BEFORE DELETE ON wrapping_keys
    BEGIN SELECT RAISE(ABORT, 'wrapping keys are never deleted from the inventory: mark them destroyed'); END;
  CREATE TABLE bundles (
    id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES keys (id),
    key_version INTEGER NOT NULL,
    provider TEXT NOT NULL,
    wrapping_key_id TEXT NOT NULL REFERENCES wrapping_keys (id),
    manifest_sha256 TEXT NOT NULL,
    drive TEXT NOT NULL,
    path TEXT NOT NULL,
    written_at TEXT NOT NULL,
    ceremony TEXT,
    FOREIGN KEY (key_id, key_version) REFERENCES key_versions (key_id, version)
  );
  CREATE TRIGGER bundles_no_update BEFORE UPDATE ON bundles
    BEGIN SELECT RAISE(ABORT, 'bundle records cannot be changed'); END;
  CREATE TRIGGER bundles_no_delete BEFORE DELETE ON bundles
    BEGIN SELECT RAISE(ABORT, 'bundle records cannot be deleted'); END;
  `,
  // 5: officers (passphrase verifier, sealed approval key, certificate) and the quorum policy per ceremony type.
  `
  CREATE TABLE officers (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('security-officer', 'key-custodian', 'auditor')),
    state TEXT NOT NULL CHECK (state IN ('active', 'suspended', 'removed')),
    state_since TEXT NOT NULL,
    kdf TEXT NOT NULL,
    passphrase_salt BLOB NOT NULL,
    passphrase_verifier BLOB NOT NULL,
    sealed_approval_key BLOB NOT NULL,
    approval_certificate BLOB NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_since TEXT,
    enrolled_at TEXT NOT NULL,
    enrolled_ceremony TEXT
  );
  CREATE TRIGGER officers_kept BEFORE DELETE ON officers
    BEGIN SELECT RAISE(ABORT, 'officers are never deleted: mark them removed'); END;
  CREATE TRIGGER officers_removed_final BEFORE UPDATE ON officers WHEN OLD.state = 'removed'
    BEGIN SELECT RAISE(ABORT, 'a removed officer cannot change'); END;
  CREATE TABLE policies (
    ceremony_type TEXT PRIMARY KEY,
    quorum INTEGER NOT NULL CHECK (quorum >= 1),
    roles TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_ceremony TEXT
  );
  `,
  // 6: ceremonies: the plan and its digest, who checked in, each step's state and approvals.
  `
  CREATE TABLE ceremonies (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    plan TEXT NOT NULL,
    plan_digest TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('planned', 'running', 'completed', 'aborted')),
    created_at TEXT NOT NULL,
    ended_at TEXT,
    outcome TEXT
  );
  CREATE TABLE ceremony_attendance (
    ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
    officer_id TEXT NOT NULL REFERENCES officers (id),
    signature BLOB NOT NULL,
    checked_in_at TEXT NOT NULL,
    PRIMARY KEY (ceremony_id, officer_id)
  );
  CREATE TABLE ceremony_steps (
    ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
    step INTEGER NOT NULL,
    action TEXT NOT NULL,
    digest TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'rolled-back')),
    started_at TEXT,
    ended_at TEXT,
    result TEXT,
    pending_labels TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (ceremony_id, step)
  );
  CREATE TABLE step_approvals (
    ceremony_id TEXT NOT NULL,
    step INTEGER NOT NULL,
    officer_id TEXT NOT NULL REFERENCES officers (id),
    approval TEXT NOT NULL,
    PRIMARY KEY (ceremony_id, step, officer_id),
    FOREIGN KEY (ceremony_id, step) REFERENCES ceremony_steps (ceremony_id, step)
  );
  CREATE TRIGGER step_approvals_no_update BEFORE UPDATE ON step_approvals
    BEGIN SELECT RAISE(ABORT, 'approvals cannot be changed'); END;
  CREATE TRIGGER step_approvals_no_delete BEFORE DELETE ON step_approvals
    BEGIN SELECT RAISE(ABORT, 'approvals cannot be deleted'); END;
  CREATE TRIGGER ceremonies_kept BEFORE DELETE ON ceremonies
    BEGIN SELECT RAISE(ABORT, 'ceremonies are never deleted'); END;
  CREATE TRIGGER ceremony_plan_fixed BEFORE UPDATE ON ceremonies
    WHEN NEW.plan IS NOT OLD.plan OR NEW.plan_digest IS NOT OLD.plan_digest OR NEW.type IS NOT OLD.type OR OLD.state IN ('completed', 'aborted')
    BEGIN SELECT RAISE(ABORT, 'a ceremony plan never changes, and an ended ceremony is final'); END;
  `,
  // The files and folders a running step is about to write on drives: removed if the step does not complete.
  `
  ALTER TABLE ceremony_steps ADD COLUMN pending_outputs TEXT NOT NULL DEFAULT '[]';
  `,
  // 8: each plan signed by the workstation key when planned, and checked at every step; fixed like the plan.
  // Approvals stand for the policy's approval lifetime (8 hours unless a policy says otherwise).
  `
  ALTER TABLE ceremonies ADD COLUMN plan_signature TEXT;
  DROP TRIGGER ceremony_plan_fixed;
  CREATE TRIGGER ceremony_plan_fixed BEFORE UPDATE ON ceremonies
    WHEN NEW.plan IS NOT OLD.plan OR NEW.plan_digest IS NOT OLD.plan_digest OR NEW.plan_signature IS NOT OLD.plan_signature OR NEW.type IS NOT OLD.type OR OLD.state IN ('completed', 'aborted')
    BEGIN SELECT RAISE(ABORT, 'a ceremony plan never changes, and an ended ceremony is final'); END;
  ALTER TABLE policies ADD COLUMN approval_lifetime_hours INTEGER NOT NULL DEFAULT 8 CHECK (approval_lifetime_hours BETWEEN 1 AND 168);
  CREATE TRIGGER ceremony_step_digest_fixed BEFORE UPDATE ON ceremony_steps
    WHEN NEW.digest IS NOT OLD.digest OR NEW.action IS NOT OLD.action
    BEGIN SELECT RAISE(ABORT, 'a planned step never changes'); END;
  `,
  // 9: the transcript folder being written, claimed like a step's outputs: removed if Keyward stops meanwhile.
  `
  CREATE TABLE transcript_claims (
    ceremony_id TEXT PRIMARY KEY REFERENCES ceremonies (id),
    claim TEXT NOT NULL
  );
  `,
  // 10: each token's capability sheet, kept per module and token, and probed again when their versions change.
  `
  CREATE TABLE token_sheets (
    module_path TEXT NOT NULL,
    token_key TEXT NOT NULL,
    versions TEXT NOT NULL,
    sheet TEXT NOT NULL,
    sheet_sha256 TEXT NOT NULL,
    probed_at TEXT NOT NULL
  );
  CREATE INDEX token_sheets_token ON token_sheets (module_path, token_key, probed_at);
  CREATE TRIGGER token_sheets_no_update BEFORE UPDATE ON token_sheets
    BEGIN SELECT RAISE(ABORT, 'a probed sheet is kept as it was'); END;
  CREATE TRIGGER token_sheets_no_delete BEFORE DELETE ON token_sheets
    BEGIN SELECT RAISE(ABORT, 'a probed sheet is kept as it was'); END;
  `,
  // 11: a bundle recorded as uploaded to its provider: once, by an officer who signed the record.
  `
  CREATE TABLE bundle_uploads (
    bundle_id TEXT PRIMARY KEY REFERENCES bundles (id),
    officer TEXT NOT NULL REFERENCES officers (id),
    recorded_at TEXT NOT NULL,
    note TEXT NOT NULL,
    signed_digest TEXT NOT NULL,
    approval TEXT NOT NULL
  );
  CREATE TRIGGER bundle_uploads_no_update BEFORE UPDATE ON bundle_uploads
    BEGIN SELECT RAISE(ABORT, 'an upload record cannot be changed'); END;
  CREATE TRIGGER bundle_uploads_no_delete BEFORE DELETE ON bundle_uploads
    BEGIN SELECT RAISE(ABORT, 'an upload record cannot be deleted'); END;
  `,
  // 12: a key pair version's public-key fingerprint, what officers compare for RSA and EC keys (none before).
  `
  ALTER TABLE key_versions ADD COLUMN public_key_sha256 TEXT;
  `,
];

export const schemaVersion = migrations.length;
