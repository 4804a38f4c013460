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
];

export const schemaVersion = migrations.length;
