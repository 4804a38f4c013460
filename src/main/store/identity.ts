/**
 * The workstation's signing identity: which key pair in the HSM signs for this workstation, and its
 * certificate. One is current; a replaced one is retired, never deleted, so old signatures stay explained.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { KeywardError, errorCodeOf } from '../../shared/errors';
import type { WorkstationIdentity } from '../../shared/inventory';
import type { SigningKeySpec, TokenObjectRef } from '../../shared/keys';
import type { AuditLog } from './audit-log';
import type { Db } from './database';
import type { Change } from './inventory';

interface Row {
  token_serial: string;
  token_object_id: string;
  spec: SigningKeySpec;
  certificate: Buffer;
  public_key_fingerprint: string;
  created_at: string;
}

export const publicKeyFingerprint = (spki: Uint8Array): string => createHash('sha256').update(spki).digest('hex');

export class Identities {
  constructor(
    private readonly db: Db,
    private readonly log: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  current(): WorkstationIdentity | undefined {
    const row = this.db.prepare('SELECT * FROM workstation_identity WHERE retired_at IS NULL').get() as Row | undefined;
    return row
      ? {
          tokenSerial: row.token_serial,
          tokenObjectId: row.token_object_id,
          spec: row.spec,
          certificateDer: row.certificate,
          publicKeyFingerprint: row.public_key_fingerprint,
          createdAt: row.created_at,
        }
      : undefined;
  }

  /** The current identity, or a clear refusal naming the ceremony that creates one. */
  require(): WorkstationIdentity {
    const identity = this.current();
    if (!identity) {
      throw new KeywardError(
        'WORKSTATION_NOT_INITIALISED',
        'This workstation has no signing key and certificate yet, so it cannot sign anything.',
        'Initialise the workstation first (the initialisation ceremony creates its signing key in the HSM).',
      );
    }
    return identity;
  }

  /** Records a new identity (retiring the current one) and audits it in the same transaction. */
  adopt(
    identity: Omit<WorkstationIdentity, 'publicKeyFingerprint' | 'createdAt'>,
    change: Change,
  ): WorkstationIdentity {
    const spki = new X509Certificate(Buffer.from(identity.certificateDer)).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    const fingerprint = publicKeyFingerprint(spki);
    const at = this.now().toISOString();
    const previous = this.current();
    this.log.record(
      {
        actors: change.actors,
        action: 'workstation.identity.adopt',
        subject: `signing key ${identity.tokenObjectId}`,
        details: {
          spec: identity.spec,
          tokenSerial: identity.tokenSerial,
          publicKeyFingerprint: fingerprint,
          replaces: previous?.publicKeyFingerprint ?? null,
          ceremony: change.ceremony,
        },
      },
      () => {
        this.db.prepare('UPDATE workstation_identity SET retired_at = ? WHERE retired_at IS NULL').run(at);
        this.db
          .prepare(
            'INSERT INTO workstation_identity (token_serial, token_object_id, spec, certificate, public_key_fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(
            identity.tokenSerial,
            identity.tokenObjectId,
            identity.spec,
            Buffer.from(identity.certificateDer),
            fingerprint,
            at,
          );
      },
    );
    return this.require();
  }

  /**
   * Audits the destruction of a signing key generated for an identity that was then not adopted, as
   * every destruction of a token object is: what the token destroyed, or the error that left the key there.
   */
  recordDiscardedKey(
    tokenObjectId: string,
    why: string,
    result: { objects: TokenObjectRef[] } | { error: unknown },
    change: Change,
  ): void {
    this.log.append({
      actors: change.actors,
      action: 'hsm.object.destroy',
      subject: `signing key ${tokenObjectId}`,
      outcome: 'objects' in result ? 'success' : 'failure',
      details: {
        ceremony: change.ceremony,
        why,
        id: tokenObjectId,
        ...('objects' in result ? { objects: result.objects } : { error: errorCodeOf(result.error) }),
      },
    });
  }
}
