/**
 * The key inventory: keys, their versions on the token and each version's state. Every change is
 * audited in the same transaction (AuditLog.record), so the inventory and the log cannot disagree.
 */
import { randomUUID } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import type { InventoryKey, KeyVersion, KeyVersionState, RotationDue } from '../../shared/inventory';
import type { CmkSpec } from '../../shared/keys';
import type { AuditLog } from './audit-log';
import type { Db } from './database';

const dayMs = 86_400_000;
/** Within this many days a rotation is shown as due soon. */
export const dueSoonDays = 30;

/** Which state may follow which: destroyed is final; a restored version may become active again. */
const transitions: Record<KeyVersionState, KeyVersionState[]> = {
  pending: ['active', 'destroyed'],
  active: ['decrypt-only', 'disabled', 'destroyed'],
  'decrypt-only': ['disabled', 'destroyed', 'active'],
  disabled: ['active', 'decrypt-only', 'destroyed'],
  destroyed: ['restored'],
  restored: ['active', 'decrypt-only', 'disabled', 'destroyed'],
};

interface KeyRow {
  id: string;
  name: string;
  purpose: string;
  provider: string | null;
  spec: CmkSpec;
  rotation_days: number;
  next_rotation_due: string;
  created_at: string;
}

interface VersionRow {
  key_id: string;
  version: number;
  token_serial: string;
  token_object_id: string;
  token_label: string;
  kcv: string;
  public_key_sha256: string | null;
  state: KeyVersionState;
  state_since: string;
  state_ceremony: string | null;
}

export interface NewKey {
  name: string;
  purpose: string;
  provider: string | null;
  spec: CmkSpec;
  rotationDays?: number;
}

export interface NewVersion {
  tokenSerial: string;
  tokenObjectId: string;
  tokenLabel: string;
  kcv: string;
  /** A key pair's public-key fingerprint; none for a secret key. */
  publicKeySha256?: string | null;
}

export interface Change {
  actors: string[];
  ceremony: string | null;
}

export class Inventory {
  constructor(
    private readonly db: Db,
    private readonly log: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  addKey(key: NewKey, change: Change): InventoryKey {
    const rotationDays = key.rotationDays ?? 365;
    const created = this.now();
    const id = randomUUID();
    this.log.record(
      {
        actors: change.actors,
        action: 'inventory.key.add',
        subject: key.name,
        details: { spec: key.spec, provider: key.provider, rotationDays, ceremony: change.ceremony },
      },
      () => {
        if (this.db.prepare('SELECT 1 FROM keys WHERE name = ?').get(key.name)) {
          throw new KeywardError(
            'KEY_NAME_TAKEN',
            `The inventory already has a key named "${key.name}".`,
            'Choose another name, or rotate the existing key instead.',
          );
        }
        this.db
          .prepare(
            'INSERT INTO keys (id, name, purpose, provider, spec, rotation_days, next_rotation_due, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            id,
            key.name,
            key.purpose,
            key.provider,
            key.spec,
            rotationDays,
            new Date(created.getTime() + rotationDays * dayMs).toISOString(),
            created.toISOString(),
          );
      },
    );
    return this.get(key.name);
  }

  /** A new version starts pending; making it active moves the previous active version to decrypt-only (rotation). */
  addVersion(name: string, version: NewVersion, change: Change): KeyVersion {
    const key = this.get(name);
    const number = (key.versions.at(-1)?.version ?? 0) + 1;
    this.log.record(
      {
        actors: change.actors,
        action: 'inventory.version.add',
        subject: `${name} v${number}`,
        details: {
          kcv: version.kcv,
          ...(version.publicKeySha256 ? { publicKeySha256: version.publicKeySha256 } : {}),
          tokenSerial: version.tokenSerial,
          ceremony: change.ceremony,
        },
      },
      () => {
        this.db
          .prepare(
            'INSERT INTO key_versions (key_id, version, token_serial, token_object_id, token_label, kcv, public_key_sha256, state, state_since, state_ceremony) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            key.id,
            number,
            version.tokenSerial,
            version.tokenObjectId,
            version.tokenLabel,
            version.kcv,
            version.publicKeySha256 ?? null,
            'pending',
            this.now().toISOString(),
            change.ceremony,
          );
      },
    );
    return this.version(name, number);
  }

  setState(name: string, number: number, state: KeyVersionState, change: Change): KeyVersion {
    const key = this.get(name);
    const current = this.version(name, number);
    if (!transitions[current.state].includes(state)) {
      throw new KeywardError(
        'INVALID_REQUEST',
        `${name} version ${number} is ${current.state}; it cannot become ${state}.`,
        current.state === 'destroyed'
          ? 'A destroyed version can only be restored from a backup, in the restore ceremony.'
          : 'Check the ceremony plan.',
      );
    }
    const at = this.now();
    this.log.record(
      {
        actors: change.actors,
        action: 'inventory.version.state',
        subject: `${name} v${number}`,
        details: { from: current.state, to: state, ceremony: change.ceremony },
      },
      () => {
        if (state === 'active') {
          // Rotation: the version that was active keeps decrypting old data.
          this.db
            .prepare(
              "UPDATE key_versions SET state = 'decrypt-only', state_since = ?, state_ceremony = ? WHERE key_id = ? AND state = 'active'",
            )
            .run(at.toISOString(), change.ceremony, key.id);
          this.db
            .prepare('UPDATE keys SET next_rotation_due = ? WHERE id = ?')
            .run(new Date(at.getTime() + key.rotationDays * dayMs).toISOString(), key.id);
        }
        this.db
          .prepare(
            'UPDATE key_versions SET state = ?, state_since = ?, state_ceremony = ? WHERE key_id = ? AND version = ?',
          )
          .run(state, at.toISOString(), change.ceremony, key.id, number);
      },
    );
    return this.version(name, number);
  }

  /**
   * Undoes a state change made by a ceremony whose abort the quorum signed: the version goes back to the
   * state it had, the version the change had demoted from active is active again, and the rotation due
   * date is put back, so the key is left as the ceremony found it.
   */
  revertState(
    name: string,
    number: number,
    previous: KeyVersionState,
    restore: { reactivate: number | null; rotationDue: string | null },
    change: Change,
  ): KeyVersion {
    const key = this.get(name);
    const current = this.version(name, number);
    const at = this.now().toISOString();
    this.log.record(
      {
        actors: change.actors,
        action: 'inventory.version.revert',
        subject: `${name} v${number}`,
        details: { from: current.state, to: previous, reactivated: restore.reactivate, ceremony: change.ceremony },
      },
      () => {
        if (current.state === 'destroyed')
          throw new KeywardError(
            'INVALID_REQUEST',
            `${name} version ${number} is destroyed; its state cannot be put back.`,
            'Nothing to undo.',
          );
        // This version first: a key has at most one active version.
        this.db
          .prepare(
            'UPDATE key_versions SET state = ?, state_since = ?, state_ceremony = ? WHERE key_id = ? AND version = ?',
          )
          .run(previous, at, change.ceremony, key.id, number);
        if (restore.reactivate !== null) {
          this.db
            .prepare(
              "UPDATE key_versions SET state = 'active', state_since = ?, state_ceremony = ? WHERE key_id = ? AND version = ? AND state <> 'destroyed'",
            )
            .run(at, change.ceremony, key.id, restore.reactivate);
        }
        if (restore.rotationDue !== null)
          this.db.prepare('UPDATE keys SET next_rotation_due = ? WHERE id = ?').run(restore.rotationDue, key.id);
      },
    );
    return this.version(name, number);
  }

  /** A destroyed version restored from a backup: a new token object, the same key (its KCV was checked by the caller). */
  restoreVersion(
    name: string,
    number: number,
    where: { tokenSerial: string; tokenObjectId: string; tokenLabel: string },
    change: Change,
  ): KeyVersion {
    const key = this.get(name);
    const current = this.version(name, number);
    this.log.record(
      {
        actors: change.actors,
        action: 'inventory.version.restore',
        subject: `${name} v${number}`,
        details: {
          from: current.state,
          tokenSerial: where.tokenSerial,
          tokenLabel: where.tokenLabel,
          kcv: current.kcv,
          ceremony: change.ceremony,
        },
      },
      () => {
        if (current.state !== 'destroyed')
          throw new KeywardError(
            'INVALID_REQUEST',
            `${name} version ${number} is ${current.state}; only a destroyed version is restored.`,
            'Check the inventory.',
          );
        this.db
          .prepare(
            "UPDATE key_versions SET state = 'restored', state_since = ?, state_ceremony = ?, token_serial = ?, token_object_id = ?, token_label = ? WHERE key_id = ? AND version = ?",
          )
          .run(
            this.now().toISOString(),
            change.ceremony,
            where.tokenSerial,
            where.tokenObjectId,
            where.tokenLabel,
            key.id,
            number,
          );
      },
    );
    return this.version(name, number);
  }

  get(name: string): InventoryKey {
    const row = this.db.prepare('SELECT * FROM keys WHERE name = ?').get(name) as KeyRow | undefined;
    if (!row)
      throw new KeywardError(
        'NOT_IN_INVENTORY',
        `The inventory has no key named "${name}".`,
        'Check the key name in the inventory.',
      );
    return this.toKey(row);
  }

  list(): InventoryKey[] {
    return (this.db.prepare('SELECT * FROM keys ORDER BY name').all() as KeyRow[]).map((row) => this.toKey(row));
  }

  /** Keys with an active version, by due date: overdue first. */
  rotationDue(): RotationDue[] {
    const now = this.now().getTime();
    return this.list()
      .filter((k) => k.versions.some((v) => v.state === 'active'))
      .map((k) => {
        const daysLeft = Math.floor((new Date(k.nextRotationDue).getTime() - now) / dayMs);
        const status: RotationDue['status'] =
          daysLeft < 0 ? 'overdue' : daysLeft <= dueSoonDays ? 'due-soon' : 'scheduled';
        return { key: k.name, due: k.nextRotationDue, daysLeft, status };
      })
      .sort((a, b) => a.daysLeft - b.daysLeft);
  }

  private version(name: string, number: number): KeyVersion {
    const found = this.get(name).versions.find((v) => v.version === number);
    if (!found)
      throw new KeywardError(
        'NOT_IN_INVENTORY',
        `${name} has no version ${number}.`,
        'Check the version in the inventory.',
      );
    return found;
  }

  private toKey(row: KeyRow): InventoryKey {
    const versions = (
      this.db.prepare('SELECT * FROM key_versions WHERE key_id = ? ORDER BY version').all(row.id) as VersionRow[]
    ).map((v): KeyVersion => ({
      version: v.version,
      tokenSerial: v.token_serial,
      tokenObjectId: v.token_object_id,
      tokenLabel: v.token_label,
      kcv: v.kcv,
      publicKeySha256: v.public_key_sha256,
      state: v.state,
      stateSince: v.state_since,
      stateCeremony: v.state_ceremony,
    }));
    return {
      id: row.id,
      name: row.name,
      purpose: row.purpose,
      provider: row.provider,
      spec: row.spec,
      rotationDays: row.rotation_days,
      nextRotationDue: row.next_rotation_due,
      createdAt: row.created_at,
      versions,
    };
  }
}
