/**
 * Officers in the store: who they are, their role and state, their passphrase verifier and sealed
 * approval key (never readable through the public view), and the lock-out counter. Every change is
 * audited in the same transaction.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import { maxPassphraseAttempts, type OfficerRecord, type OfficerRole, type OfficerState } from '../../shared/officers';
import type { SealedSecret } from '../officers/passphrase';
import type { AuditLog } from './audit-log';
import type { Db } from './database';
import type { Change } from './inventory';

interface Row {
  id: string;
  display_name: string;
  role: OfficerRole;
  state: OfficerState;
  state_since: string;
  kdf: string;
  passphrase_salt: Buffer;
  passphrase_verifier: Buffer;
  sealed_approval_key: Buffer;
  approval_certificate: Buffer;
  failed_attempts: number;
  locked_since: string | null;
  enrolled_at: string;
  enrolled_ceremony: string | null;
}

export interface NewOfficer {
  id: string;
  displayName: string;
  role: OfficerRole;
  kdf: string;
  sealed: SealedSecret;
  certificateDer: Uint8Array;
}

const transitions: Record<OfficerState, OfficerState[]> = { active: ['suspended', 'removed'], suspended: ['active', 'removed'], removed: [] };

export class Officers {
  constructor(
    private readonly db: Db,
    private readonly log: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  add(officer: NewOfficer, change: Change): OfficerRecord {
    const at = this.now().toISOString();
    this.log.record({ actors: change.actors, action: 'officer.enrol', subject: officer.id, details: { role: officer.role, displayName: officer.displayName, ceremony: change.ceremony } }, () => {
      if (this.db.prepare('SELECT 1 FROM officers WHERE id = ?').get(officer.id)) {
        throw new KeywardError('INVALID_REQUEST', `An officer named "${officer.id}" is already enrolled (officer names are never reused).`, 'Choose another officer name.');
      }
      this.db
        .prepare(
          'INSERT INTO officers (id, display_name, role, state, state_since, kdf, passphrase_salt, passphrase_verifier, sealed_approval_key, approval_certificate, enrolled_at, enrolled_ceremony) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(officer.id, officer.displayName, officer.role, 'active', at, officer.kdf, officer.sealed.salt, officer.sealed.verifier, officer.sealed.sealed, Buffer.from(officer.certificateDer), at, change.ceremony);
    });
    return this.get(officer.id);
  }

  get(id: string): OfficerRecord {
    return toRecord(this.row(id));
  }

  list(): OfficerRecord[] {
    return (this.db.prepare('SELECT * FROM officers ORDER BY enrolled_at, id').all() as Row[]).map(toRecord);
  }

  certificate(id: string): X509Certificate {
    return new X509Certificate(this.row(id).approval_certificate);
  }

  /** For unsealing the approval key: only an active officer who is not locked out. */
  sealedKey(id: string): SealedSecret {
    const row = this.row(id);
    if (row.state !== 'active') throw new KeywardError('INVALID_REQUEST', `Officer ${id} is ${row.state} and cannot approve.`, 'Ask another officer, or restore this officer in an officer ceremony.');
    if (row.locked_since) {
      throw new KeywardError('INVALID_REQUEST', `Officer ${id} is locked out after ${maxPassphraseAttempts} wrong passphrases (since ${row.locked_since}).`, 'Another quorum of officers must unlock this officer in an officer ceremony.');
    }
    return { salt: row.passphrase_salt, verifier: row.passphrase_verifier, sealed: row.sealed_approval_key };
  }

  /** A wrong passphrase: counted, audited; the last allowed one locks the officer out. Returns attempts left. */
  recordFailure(id: string): number {
    const row = this.row(id);
    const failures = row.failed_attempts + 1;
    const locked = failures >= maxPassphraseAttempts;
    // The refused authentication is audited with the counter change, in one transaction.
    this.db.transaction(() => {
      this.log.append({ actors: [id], action: locked ? 'officer.locked' : 'officer.passphrase', subject: id, outcome: 'refused', details: { failedAttempts: failures } });
      this.db.prepare('UPDATE officers SET failed_attempts = ?, locked_since = ? WHERE id = ?').run(failures, locked ? this.now().toISOString() : null, id);
    })();
    return Math.max(0, maxPassphraseAttempts - failures);
  }

  recordSuccess(id: string): void {
    if (this.row(id).failed_attempts > 0) this.db.prepare('UPDATE officers SET failed_attempts = 0 WHERE id = ?').run(id);
  }

  setState(id: string, state: OfficerState, change: Change): OfficerRecord {
    const current = this.row(id);
    if (!transitions[current.state].includes(state)) throw new KeywardError('INVALID_REQUEST', `Officer ${id} is ${current.state}; they cannot become ${state}.`, 'Check the officer ceremony plan.');
    this.log.record({ actors: change.actors, action: 'officer.state', subject: id, details: { from: current.state, to: state, ceremony: change.ceremony } }, () => {
      this.db.prepare('UPDATE officers SET state = ?, state_since = ? WHERE id = ?').run(state, this.now().toISOString(), id);
    });
    return this.get(id);
  }

  /** A quorum's decision in an officer ceremony: the lock-out counter is reset. */
  unlock(id: string, change: Change): OfficerRecord {
    this.log.record({ actors: change.actors, action: 'officer.unlock', subject: id, details: { ceremony: change.ceremony } }, () => {
      this.db.prepare('UPDATE officers SET failed_attempts = 0, locked_since = NULL WHERE id = ?').run(id);
    });
    return this.get(id);
  }

  private row(id: string): Row {
    const row = this.db.prepare('SELECT * FROM officers WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new KeywardError('INVALID_REQUEST', `No officer named "${id}" is enrolled on this workstation.`, 'Check the name, or enrol the officer first.');
    return row;
  }
}

function toRecord(r: Row): OfficerRecord {
  return {
    id: r.id,
    displayName: r.display_name,
    role: r.role,
    state: r.state,
    stateSince: r.state_since,
    failedAttempts: r.failed_attempts,
    lockedSince: r.locked_since,
    enrolledAt: r.enrolled_at,
    enrolledCeremony: r.enrolled_ceremony,
    approvalKeyFingerprint: createHash('sha256').update(new X509Certificate(r.approval_certificate).publicKey.export({ type: 'spki', format: 'der' })).digest('hex'),
  };
}
