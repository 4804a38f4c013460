/** The record of every upload bundle written to media: append-only, audited with the write. */
import { randomUUID } from 'node:crypto';
import type { BundleRecord, BundleUpload } from '../../shared/inventory';
import type { Approval } from '../../shared/officers';
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

  /**
   * Records, once, that a bundle was uploaded: the officer's approval signature over `signedDigest`
   * (the bundle, its manifest and the note) is kept with it, and the record is audited in the same transaction.
   */
  recordUpload(bundle: BundleRecord, upload: { note: string; signedDigest: string; approval: Approval }): BundleUpload {
    const at = this.now().toISOString();
    this.log.record(
      {
        actors: [upload.approval.officer],
        action: 'bundle.uploaded',
        subject: `${bundle.keyName} v${bundle.keyVersion}`,
        details: {
          bundle: bundle.id,
          provider: bundle.provider,
          manifestSha256: bundle.manifestSha256,
          note: upload.note,
          signedDigest: upload.signedDigest,
          // The officer's signature and its time, verifiable under their certificate (kept with the officer).
          signature: upload.approval.signature,
          scheme: upload.approval.scheme,
          signedAt: upload.approval.signedAt,
        },
      },
      () => {
        this.db
          .prepare(
            'INSERT INTO bundle_uploads (bundle_id, officer, recorded_at, note, signed_digest, approval) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(
            bundle.id,
            upload.approval.officer,
            at,
            upload.note,
            upload.signedDigest,
            JSON.stringify(upload.approval),
          );
      },
    );
    return { officer: upload.approval.officer, at, note: upload.note };
  }

  /** The signed approval kept with a bundle's upload record (for an auditor to verify), if it has one. */
  uploadApproval(bundleId: string): { signedDigest: string; approval: Approval } | undefined {
    const row = this.db
      .prepare('SELECT signed_digest, approval FROM bundle_uploads WHERE bundle_id = ?')
      .get(bundleId) as { signed_digest: string; approval: string } | undefined;
    return row && { signedDigest: row.signed_digest, approval: JSON.parse(row.approval) as Approval };
  }

  /** Every upload recorded, by bundle id. */
  uploads(): Map<string, BundleUpload> {
    const rows = this.db.prepare('SELECT bundle_id, officer, recorded_at, note FROM bundle_uploads').all() as {
      bundle_id: string;
      officer: string;
      recorded_at: string;
      note: string;
    }[];
    return new Map(rows.map((r) => [r.bundle_id, { officer: r.officer, at: r.recorded_at, note: r.note }]));
  }
}
