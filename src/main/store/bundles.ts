/** The record of every upload bundle written to media: append-only, audited with the write. */
import { randomUUID } from 'node:crypto';
import type { BundleRecord } from '../../shared/inventory';
import type { AuditLog } from './audit-log';
import type { Db } from './database';
import type { Change, Inventory } from './inventory';

interface Row {
  id: string;
  key_name: string;
  key_version: number;
  provider: string;
  wrapping_key_id: string;
  manifest_sha256: string;
  drive: string;
  path: string;
  written_at: string;
  ceremony: string | null;
}

export type NewBundle = Omit<BundleRecord, 'id' | 'writtenAt' | 'ceremony'>;

export class Bundles {
  constructor(
    private readonly db: Db,
    private readonly log: AuditLog,
    private readonly inventory: Inventory,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(bundle: NewBundle, change: Change): BundleRecord {
    const key = this.inventory.get(bundle.keyName);
    const id = randomUUID();
    this.log.record(
      {
        actors: change.actors,
        action: 'bundle.written',
        subject: `${bundle.keyName} v${bundle.keyVersion}`,
        details: {
          bundle: id,
          provider: bundle.provider,
          manifestSha256: bundle.manifestSha256,
          drive: bundle.drive,
          path: bundle.path,
          ceremony: change.ceremony,
        },
      },
      () => {
        this.db
          .prepare(
            'INSERT INTO bundles (id, key_id, key_version, provider, wrapping_key_id, manifest_sha256, drive, path, written_at, ceremony) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            id,
            key.id,
            bundle.keyVersion,
            bundle.provider,
            bundle.wrappingKeyId,
            bundle.manifestSha256,
            bundle.drive,
            bundle.path,
            this.now().toISOString(),
            change.ceremony,
          );
      },
    );
    return this.list(bundle.keyName).find((b) => b.id === id) as BundleRecord;
  }

  /** Newest first; for one key when a name is given. */
  list(keyName?: string): BundleRecord[] {
    const rows = this.db
      .prepare(
        `SELECT b.*, k.name AS key_name FROM bundles b JOIN keys k ON k.id = b.key_id ${keyName === undefined ? '' : 'WHERE k.name = ?'} ORDER BY b.written_at DESC, b.rowid DESC`,
      )
      .all(...(keyName === undefined ? [] : [keyName])) as Row[];
    return rows.map((r) => ({
      id: r.id,
      keyName: r.key_name,
      keyVersion: r.key_version,
      provider: r.provider,
      wrappingKeyId: r.wrapping_key_id,
      manifestSha256: r.manifest_sha256,
      drive: r.drive,
      path: r.path,
      writtenAt: r.written_at,
      ceremony: r.ceremony,
    }));
  }
}
