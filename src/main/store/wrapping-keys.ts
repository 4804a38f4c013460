/**
 * Provider wrapping keys in the inventory: where each came from (the file's hash), its fingerprint, and
 * the provider's deadline. A key past its deadline is refused for wrapping, with the time it expired.
 */
import { randomUUID } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import type { WrappingKeyRecord, WrappingKeyState } from '../../shared/inventory';
import type { AuditLog } from './audit-log';
import type { Db } from './database';
import type { Change } from './inventory';

interface Row {
  id: string;
  provider: string;
  label: string;
  token_serial: string;
  token_object_id: string;
  fingerprint: string;
  modulus_bits: number;
  source_file_sha256: string;
  provider_deadline: string | null;
  imported_at: string;
  imported_ceremony: string | null;
  state: WrappingKeyState;
  state_since: string;
}

const toRecord = (r: Row): WrappingKeyRecord => ({
  id: r.id,
  provider: r.provider,
  label: r.label,
  tokenSerial: r.token_serial,
  tokenObjectId: r.token_object_id,
  fingerprint: r.fingerprint,
  modulusBits: r.modulus_bits,
  sourceFileSha256: r.source_file_sha256,
  providerDeadline: r.provider_deadline,
  importedAt: r.imported_at,
  importedCeremony: r.imported_ceremony,
  state: r.state,
  stateSince: r.state_since,
});

export type NewWrappingKey = Omit<WrappingKeyRecord, 'id' | 'importedAt' | 'importedCeremony' | 'state' | 'stateSince'>;

export class WrappingKeys {
  constructor(
    private readonly db: Db,
    private readonly log: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  add(key: NewWrappingKey, change: Change): WrappingKeyRecord {
    const id = randomUUID();
    const at = this.now().toISOString();
    this.log.record(
      {
        actors: change.actors,
        action: 'inventory.wrapping-key.add',
        subject: `${key.provider}: ${key.label}`,
        details: {
          fingerprint: key.fingerprint,
          modulusBits: key.modulusBits,
          sourceFileSha256: key.sourceFileSha256,
          providerDeadline: key.providerDeadline,
          ceremony: change.ceremony,
        },
      },
      () => {
        this.db
          .prepare(
            'INSERT INTO wrapping_keys (id, provider, label, token_serial, token_object_id, fingerprint, modulus_bits, source_file_sha256, provider_deadline, imported_at, imported_ceremony, state, state_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            id,
            key.provider,
            key.label,
            key.tokenSerial,
            key.tokenObjectId,
            key.fingerprint,
            key.modulusBits,
            key.sourceFileSha256,
            key.providerDeadline,
            at,
            change.ceremony,
            'active',
            at,
          );
      },
    );
    return this.get(id);
  }

  get(id: string): WrappingKeyRecord {
    const row = this.db.prepare('SELECT * FROM wrapping_keys WHERE id = ?').get(id) as Row | undefined;
    if (!row)
      throw new KeywardError(
        'NOT_IN_INVENTORY',
        `The inventory has no wrapping key ${id}.`,
        "Import the provider's wrapping key first.",
      );
    return toRecord(row);
  }

  list(): WrappingKeyRecord[] {
    return (this.db.prepare('SELECT * FROM wrapping_keys ORDER BY imported_at DESC, id').all() as Row[]).map(toRecord);
  }

  /** The key, if it may wrap now: active and before the provider's deadline. */
  usable(id: string): WrappingKeyRecord {
    const key = this.get(id);
    if (key.state !== 'active') {
      throw new KeywardError(
        'INVALID_REQUEST',
        `The ${key.provider} wrapping key "${key.label}" is ${key.state}.`,
        "Import the provider's current wrapping key.",
      );
    }
    if (key.providerDeadline && new Date(key.providerDeadline).getTime() <= this.now().getTime()) {
      throw new KeywardError(
        'INVALID_REQUEST',
        `The ${key.provider} wrapping key "${key.label}" expired at ${key.providerDeadline}: the provider no longer accepts key material wrapped under it.`,
        'Download new import parameters (wrapping key and import token) from the provider, and import them.',
      );
    }
    return key;
  }

  setState(id: string, state: Exclude<WrappingKeyState, 'active'>, change: Change): WrappingKeyRecord {
    const key = this.get(id);
    if (key.state === 'destroyed' || key.state === state) {
      throw new KeywardError(
        'INVALID_REQUEST',
        `The wrapping key "${key.label}" is already ${key.state}.`,
        'Check the inventory.',
      );
    }
    const at = this.now().toISOString();
    this.log.record(
      {
        actors: change.actors,
        action: 'inventory.wrapping-key.state',
        subject: `${key.provider}: ${key.label}`,
        details: { from: key.state, to: state, ceremony: change.ceremony },
      },
      () => {
        this.db.prepare('UPDATE wrapping_keys SET state = ?, state_since = ? WHERE id = ?').run(state, at, id);
      },
    );
    return this.get(id);
  }
}
