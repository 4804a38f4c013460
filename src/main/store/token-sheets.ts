/**
 * Each token's capability sheet, kept per module file and token (serial and label: some tokens have no
 * serial of their own), newest last; a new sheet is kept, and audited, when the token is first probed
 * and whenever the module's or the token's version changes. The enforcement decision never rests on a
 * kept sheet: it is made from a probe of the token in the running Keyward (hsm-connection.ts).
 */
import { createHash } from 'node:crypto';
import { sheetVersions, type CapabilitySheet } from '../../shared/token-sheet';
import type { AuditLog } from './audit-log';
import type { Db } from './database';

interface Row {
  versions: string;
  sheet: string;
}

const tokenKey = (sheet: Pick<CapabilitySheet, 'token'>): string => `${sheet.token.serial}\0${sheet.token.label}`;

export class TokenSheets {
  constructor(
    private readonly db: Db,
    private readonly log: AuditLog,
  ) {}

  /** The newest sheet kept for this module and token, if any. */
  latest(modulePath: string, token: CapabilitySheet['token']): CapabilitySheet | undefined {
    const row = this.db
      .prepare(
        'SELECT versions, sheet FROM token_sheets WHERE module_path = ? AND token_key = ? ORDER BY rowid DESC LIMIT 1',
      )
      .get(modulePath, tokenKey({ token })) as Row | undefined;
    return row ? (JSON.parse(row.sheet) as CapabilitySheet) : undefined;
  }

  /** Keeps a sheet just probed, audited with its SHA-256, what the token fails to enforce, and why it was probed. */
  keep(sheet: CapabilitySheet, why: string, actors: string[]): void {
    const text = JSON.stringify(sheet);
    const sha256 = createHash('sha256').update(text).digest('hex');
    this.log.record(
      {
        actors,
        action: 'hsm.probe',
        subject: `${sheet.module.path} token "${sheet.token.label}" (serial ${sheet.token.serial})`,
        details: {
          why,
          versions: sheetVersions(sheet),
          sheetSha256: sha256,
          notEnforced: sheet.capabilities.enforcement.filter((e) => !e.holds).map((e) => e.property),
          rfc5649: sheet.capabilities.rfc5649.mechanism,
        },
      },
      () => {
        this.db
          .prepare(
            'INSERT INTO token_sheets (module_path, token_key, versions, sheet, sheet_sha256, probed_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(sheet.module.path, tokenKey(sheet), sheetVersions(sheet), text, sha256, sheet.probedAt);
      },
    );
  }
}
