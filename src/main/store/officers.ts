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

const transitions: Record<OfficerState, OfficerState[]> = {
  active: ['suspended', 'removed'],
  suspended: ['active', 'removed'],
  removed: [],
};

/** A wrong passphrase, and where it leaves the officer. */
export interface WrongPassphrase {
  /** Wrong passphrases in a row, this one included (checks never finished count as wrong). */
  wrongInARow: number;
  /** The officer's other passphrase checks still running, each counted as wrong until it ends. */
  stillRunning: number;
  /** Checks the officer may still start before the lock-out. */
  attemptsLeft: number;
  locked: boolean;
}

export type PassphraseCheck = { right: true; secret: Buffer } | ({ right: false } & WrongPassphrase);

export class Officers {
  /**
   * Passphrase checks running now, by officer: counted in failed_attempts but not yet known wrong. Kept
   * in memory on purpose: after a crash none is running, so the unfinished ones count as wrong.
   */
  private readonly checksRunning = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly log: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  add(officer: NewOfficer, change: Change): OfficerRecord {
    const at = this.now().toISOString();
    this.log.record(
      {
        actors: change.actors,
        action: 'officer.enrol',
        subject: officer.id,
        details: { role: officer.role, displayName: officer.displayName, ceremony: change.ceremony },
      },
      () => {
        if (this.db.prepare('SELECT 1 FROM officers WHERE id = ?').get(officer.id)) {
          throw new KeywardError(
            'INVALID_REQUEST',
            `An officer named "${officer.id}" is already enrolled (officer names are never reused).`,
            'Choose another officer name.',
          );
        }
        this.db
          .prepare(
            'INSERT INTO officers (id, display_name, role, state, state_since, kdf, passphrase_salt, passphrase_verifier, sealed_approval_key, approval_certificate, enrolled_at, enrolled_ceremony) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            officer.id,
            officer.displayName,
            officer.role,
            'active',
            at,
            officer.kdf,
            officer.sealed.salt,
            officer.sealed.verifier,
            officer.sealed.sealed,
            Buffer.from(officer.certificateDer),
            at,
            change.ceremony,
          );
      },
    );
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

  /**
   * Checks a passphrase with `unsealWith` (scrypt, about half a second) so that no number of concurrent
   * checks can outrun the lock-out. Each check is counted as a wrong passphrase, in one immediate
   * transaction, before it runs; it is refused once wrong passphrases in a row plus checks still running
   * reach the maximum. A right passphrase then clears the wrong ones in a row; a wrong one stays counted
   * and locks the officer out when it is the maximum-th in a row. A check the workstation never finished
   * (a crash, a power cut) stays counted as wrong: the safe direction.
   */
  async checkPassphrase(
    id: string,
    unsealWith: (sealed: SealedSecret) => Promise<Buffer | undefined>,
  ): Promise<PassphraseCheck> {
    const sealed = this.claimAttempt(id);
    let secret: Buffer | undefined;
    try {
      secret = await unsealWith(sealed);
    } catch (error) {
      // The check did not finish: counted as wrong, as it would be after a crash.
      try {
        this.settleWrong(id, true);
      } catch {
        // It stays counted in the database all the same; the officer needs the check's own error.
      }
      throw error;
    }
    if (!secret) return { right: false, ...this.settleWrong(id, false) };
    try {
      this.settleRight(id);
    } catch (error) {
      secret.fill(0);
      throw error;
    }
    return { right: true, secret };
  }

  /** Counts the attempt before it runs (presumed wrong until proven right), or refuses it. */
  private claimAttempt(id: string): SealedSecret {
    const running = this.running(id);
    // Refusals are returned, not thrown, so that a lock-out decided here commits with its audit entry.
    const outcome = this.db
      .transaction((): SealedSecret | KeywardError => {
        const row = this.row(id);
        if (row.state !== 'active') return notActive(id, row.state);
        if (row.locked_since) return lockedOut(id, row.locked_since);
        const wrongInARow = Math.max(0, row.failed_attempts - running);
        if (wrongInARow >= maxPassphraseAttempts) {
          // Checks left unfinished by a crash reached the limit: the officer is locked out now, audited.
          const at = this.now().toISOString();
          this.log.append({
            actors: [id],
            action: 'officer.locked',
            subject: id,
            outcome: 'refused',
            details: { failedAttempts: wrongInARow },
          });
          this.db.prepare('UPDATE officers SET locked_since = ? WHERE id = ?').run(at, id);
          return new KeywardError(
            'INVALID_REQUEST',
            `Officer ${id} is now locked out: ${wrongInARow} passphrase checks in a row were wrong or never finished (a check the workstation stopped during counts as a wrong passphrase).`,
            'Another quorum of officers must unlock this officer in an officer ceremony.',
          );
        }
        if (row.failed_attempts >= maxPassphraseAttempts) return noAttemptsWhileRunning(id, wrongInARow, running);
        this.db.prepare('UPDATE officers SET failed_attempts = failed_attempts + 1 WHERE id = ?').run(id);
        return { salt: row.passphrase_salt, verifier: row.passphrase_verifier, sealed: row.sealed_approval_key };
      })
      .immediate();
    if (outcome instanceof KeywardError) throw outcome;
    this.checksRunning.set(id, running + 1);
    return outcome;
  }

  /** The check was wrong (or never finished): it stays counted, is audited, and locks the officer out at the maximum in a row. */
  private settleWrong(id: string, interrupted: boolean): WrongPassphrase {
    const stillRunning = this.finishCheck(id);
    return this.db
      .transaction((): WrongPassphrase => {
        const row = this.row(id);
        const wrongInARow = Math.max(0, row.failed_attempts - stillRunning);
        // A removed officer never changes again (and approves nothing): audited, not locked.
        const locking = !row.locked_since && row.state !== 'removed' && wrongInARow >= maxPassphraseAttempts;
        // The refused authentication is audited with the lock-out it causes, in one transaction.
        this.log.append({
          actors: [id],
          action: locking ? 'officer.locked' : 'officer.passphrase',
          subject: id,
          outcome: 'refused',
          details: { failedAttempts: wrongInARow, ...(interrupted ? { interrupted: true } : {}) },
        });
        if (locking)
          this.db.prepare('UPDATE officers SET locked_since = ? WHERE id = ?').run(this.now().toISOString(), id);
        return {
          wrongInARow,
          stillRunning,
          attemptsLeft: Math.max(0, maxPassphraseAttempts - row.failed_attempts),
          locked: locking || row.locked_since !== null,
        };
      })
      .immediate();
  }

  /** The check was right: the wrong passphrases in a row are cleared (checks still running stay counted until they end). */
  private settleRight(id: string): void {
    const stillRunning = this.finishCheck(id);
    const refusal = this.db
      .transaction((): KeywardError | undefined => {
        const row = this.row(id);
        // Locked out or suspended while the check ran: the right passphrase no longer approves anything.
        if (row.locked_since) return lockedOut(id, row.locked_since);
        if (row.state === 'removed') return notActive(id, row.state);
        if (row.failed_attempts > stillRunning)
          this.db.prepare('UPDATE officers SET failed_attempts = ? WHERE id = ?').run(stillRunning, id);
        return row.state === 'active' ? undefined : notActive(id, row.state);
      })
      .immediate();
    if (refusal) throw refusal;
  }

  private running(id: string): number {
    return this.checksRunning.get(id) ?? 0;
  }

  /** Ends one running check of the officer's, whatever happens next; returns how many are still running. */
  private finishCheck(id: string): number {
    const left = Math.max(0, this.running(id) - 1);
    if (left === 0) this.checksRunning.delete(id);
    else this.checksRunning.set(id, left);
    return left;
  }

  setState(id: string, state: OfficerState, change: Change): OfficerRecord {
    const current = this.row(id);
    if (!transitions[current.state].includes(state))
      throw new KeywardError(
        'INVALID_REQUEST',
        `Officer ${id} is ${current.state}; they cannot become ${state}.`,
        'Check the officer ceremony plan.',
      );
    this.log.record(
      {
        actors: change.actors,
        action: 'officer.state',
        subject: id,
        details: { from: current.state, to: state, ceremony: change.ceremony },
      },
      () => {
        this.db
          .prepare('UPDATE officers SET state = ?, state_since = ? WHERE id = ?')
          .run(state, this.now().toISOString(), id);
      },
    );
    return this.get(id);
  }

  /** A quorum's decision in an officer ceremony: the lock-out counter is reset (checks still running stay counted until they end). */
  unlock(id: string, change: Change): OfficerRecord {
    this.log.record(
      { actors: change.actors, action: 'officer.unlock', subject: id, details: { ceremony: change.ceremony } },
      () => {
        this.db
          .prepare('UPDATE officers SET failed_attempts = ?, locked_since = NULL WHERE id = ?')
          .run(this.running(id), id);
      },
    );
    return this.get(id);
  }

  private row(id: string): Row {
    const row = this.db.prepare('SELECT * FROM officers WHERE id = ?').get(id) as Row | undefined;
    if (!row)
      throw new KeywardError(
        'INVALID_REQUEST',
        `No officer named "${id}" is enrolled on this workstation.`,
        'Check the name, or enrol the officer first.',
      );
    return row;
  }
}

function notActive(id: string, state: OfficerState): KeywardError {
  return new KeywardError(
    'OFFICER_NOT_ACTIVE',
    `Officer ${id} is ${state} and cannot approve.`,
    'Ask another officer, or restore this officer in an officer ceremony.',
  );
}

function lockedOut(id: string, since: string): KeywardError {
  return new KeywardError(
    'OFFICER_LOCKED_OUT',
    `Officer ${id} is locked out after ${maxPassphraseAttempts} wrong passphrases (since ${since}).`,
    'Another quorum of officers must unlock this officer in an officer ceremony.',
  );
}

function noAttemptsWhileRunning(id: string, wrongInARow: number, running: number): KeywardError {
  const checks = running === 1 ? 'another passphrase check is' : `${running} other passphrase checks are`;
  return new KeywardError(
    'INVALID_REQUEST',
    `Officer ${id} has no passphrase attempt left for now: ${wrongInARow} wrong passphrase${wrongInARow === 1 ? '' : 's'} in a row, and ${checks} still running for ${id}, each counted as wrong until it ends.`,
    `Wait for the running check${running === 1 ? '' : 's'} to end: if one is right, ${id} may try again; if ${running === 1 ? 'it is' : 'all are'} wrong, ${id} is locked out.`,
  );
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
    approvalKeyFingerprint: createHash('sha256')
      .update(new X509Certificate(r.approval_certificate).publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex'),
  };
}
