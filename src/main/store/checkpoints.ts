/**
 * Signed checkpoints of the audit log. The hash chain alone cannot show that entries were cut off the
 * end; a checkpoint signed in the HSM fixes the head at a point in time, so a log shorter than its last
 * checkpoint, or different at that point, is detected. Checkpoints chain to each other too.
 */
import { createHash } from 'node:crypto';
import { genesisHash, type AuditCheckpoint, type CheckpointVerification } from '../../shared/audit';
import { KeywardError } from '../../shared/errors';
import type { Signer } from '../x509/signer';
import { signatureValid } from '../x509/verify-signature';
import type { AuditLog } from './audit-log';
import { canonicalJson } from './canonical';
import type { Db } from './database';

interface Row {
  id: number;
  seq: number;
  head_hash: string;
  time: string;
  prev_checkpoint_hash: string;
  signer_spki: Buffer;
  hash_algorithm: 'sha256' | 'sha384';
  scheme: 'rsa-pss' | 'ecdsa-p1363';
  signature: Buffer;
  hash: string;
}

/** The bytes that are signed. */
export function checkpointBody(c: Pick<AuditCheckpoint, 'seq' | 'headHash' | 'time' | 'prevCheckpointHash'>): Buffer {
  return Buffer.from(
    canonicalJson({
      type: 'keyward-audit-checkpoint',
      seq: c.seq,
      headHash: c.headHash,
      time: c.time,
      prevCheckpointHash: c.prevCheckpointHash,
    }),
  );
}

function checkpointHash(body: Buffer, signature: Uint8Array): string {
  return createHash('sha256').update(body).update(signature).digest('hex');
}

function checkpointSignatureValid(c: AuditCheckpoint): boolean {
  return signatureValid(c.signerSpki, checkpointBody(c), {
    hash: c.hashAlgorithm,
    scheme: c.scheme,
    signature: c.signature,
  });
}

function toCheckpoint(r: Row): AuditCheckpoint {
  return {
    id: r.id,
    seq: r.seq,
    headHash: r.head_hash,
    time: r.time,
    prevCheckpointHash: r.prev_checkpoint_hash,
    signerSpki: r.signer_spki,
    hashAlgorithm: r.hash_algorithm,
    scheme: r.scheme,
    signature: r.signature,
    hash: r.hash,
  };
}

export class Checkpoints {
  constructor(
    private readonly db: Db,
    private readonly log: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  all(): AuditCheckpoint[] {
    return (this.db.prepare('SELECT * FROM audit_checkpoints ORDER BY id').all() as Row[]).map(toCheckpoint);
  }

  byId(id: number): AuditCheckpoint | undefined {
    const row = this.db.prepare('SELECT * FROM audit_checkpoints WHERE id = ?').get(id) as Row | undefined;
    return row ? toCheckpoint(row) : undefined;
  }

  last(): AuditCheckpoint | undefined {
    const row = this.db.prepare('SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1').get() as Row | undefined;
    return row ? toCheckpoint(row) : undefined;
  }

  /** Signs the current head in the HSM, verifies the signature, stores the checkpoint and audits it. */
  async write(signer: Signer, actors: string[]): Promise<AuditCheckpoint> {
    const head = this.log.head();
    const previous = this.last();
    const unsigned = {
      seq: head.seq,
      headHash: head.hash,
      time: this.now().toISOString(),
      prevCheckpointHash: previous?.hash ?? genesisHash,
    };
    const body = checkpointBody(unsigned);
    const signed = await signer.sign(body);
    const checkpoint: AuditCheckpoint = {
      id: 0,
      ...unsigned,
      signerSpki: signer.spki,
      hashAlgorithm: signed.hash,
      scheme: signed.scheme,
      signature: signed.signature,
      hash: checkpointHash(body, signed.signature),
    };
    if (!checkpointSignatureValid(checkpoint)) {
      throw new KeywardError(
        'HSM_SIGNATURE_INVALID',
        'The HSM signed the audit checkpoint, but the signature does not verify against the signing key. No checkpoint was written.',
        'Check the workstation signing key and the HSM; do not continue the ceremony until this is understood.',
      );
    }
    return this.db
      .transaction(() => {
        const latest = this.last();
        if ((latest?.hash ?? genesisHash) !== unsigned.prevCheckpointHash) {
          throw new KeywardError(
            'AUDIT_REFUSED',
            'Another audit checkpoint was written while this one was being signed; this one was not stored.',
            'Write the checkpoint again.',
          );
        }
        const id = this.db
          .prepare(
            'INSERT INTO audit_checkpoints (seq, head_hash, time, prev_checkpoint_hash, signer_spki, hash_algorithm, scheme, signature, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            checkpoint.seq,
            checkpoint.headHash,
            checkpoint.time,
            checkpoint.prevCheckpointHash,
            Buffer.from(checkpoint.signerSpki),
            checkpoint.hashAlgorithm,
            checkpoint.scheme,
            Buffer.from(checkpoint.signature),
            checkpoint.hash,
          ).lastInsertRowid;
        this.log.append({
          actors,
          action: 'audit.checkpoint',
          subject: `entry ${checkpoint.seq}`,
          outcome: 'success',
          details: { headHash: checkpoint.headHash, checkpointHash: checkpoint.hash },
        });
        return { ...checkpoint, id: Number(id) };
      })
      .immediate();
  }

  /**
   * Every checkpoint: its signature against the workstation key (read from the token, never from the
   * database), its link to the previous checkpoint, and the audit log still holding its head.
   */
  verify(workstationSpki: Uint8Array): CheckpointVerification {
    const rows = this.db.prepare('SELECT * FROM audit_checkpoints ORDER BY id').iterate() as IterableIterator<Row>;
    return verifyCheckpointList(
      (function* () {
        for (const row of rows) yield toCheckpoint(row);
      })(),
      (seq) => this.log.hashAt(seq),
      workstationSpki,
    );
  }
}

/** The checkpoint rules, shared by the database's verification and an exported log's. */
export function verifyCheckpointList(
  list: Iterable<AuditCheckpoint>,
  hashAt: (seq: number) => string | undefined,
  pinnedSpki?: Uint8Array,
): CheckpointVerification {
  let prev = genesisHash;
  let count = 0;
  let last: AuditCheckpoint | undefined;
  for (const c of list) {
    const fail = (message: string): CheckpointVerification => ({
      ok: false,
      checkpoints: count,
      problem: { checkpoint: c.id, message },
    });
    if (pinnedSpki && !Buffer.from(pinnedSpki).equals(Buffer.from(c.signerSpki)))
      return fail(`Checkpoint ${c.id} was signed by a key other than the workstation signing key.`);
    if (c.prevCheckpointHash !== prev)
      return fail(`Checkpoint ${c.id} does not follow the checkpoint before it: checkpoints were removed or replaced.`);
    if (checkpointHash(checkpointBody(c), c.signature) !== c.hash || !checkpointSignatureValid(c))
      return fail(
        `Checkpoint ${c.id} (entry ${c.seq}, ${c.time}) has a signature that does not verify: it was altered.`,
      );
    const held = hashAt(c.seq);
    if (held === undefined)
      return fail(
        `The audit log ends before entry ${c.seq}, which checkpoint ${c.id} signed at ${c.time}: entries were cut off the end of the log.`,
      );
    if (held !== c.headHash)
      return fail(
        `Entry ${c.seq} is not the entry checkpoint ${c.id} signed at ${c.time}: the log was rewritten up to that point.`,
      );
    prev = c.hash;
    count++;
    last = c;
  }
  return {
    ok: true,
    checkpoints: count,
    ...(last ? { last: { seq: last.seq, headHash: last.headHash, time: last.time } } : {}),
  };
}
