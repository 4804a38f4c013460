/** Every store of the workstation's database, built once from it and sharing one audit log. */
import type { CeremonyRule } from '../../shared/ceremony-types';
import { AuditLog } from './audit-log';
import { Bundles } from './bundles';
import { CeremonyStore } from './ceremonies';
import { Checkpoints } from './checkpoints';
import type { Db } from './database';
import { Identities } from './identity';
import { Inventory } from './inventory';
import { Officers } from './officers';
import { Policies } from './policies';
import { TokenSheets } from './token-sheets';
import { WrappingKeys } from './wrapping-keys';

export interface Stores {
  db: Db;
  log: AuditLog;
  checkpoints: Checkpoints;
  identities: Identities;
  officers: Officers;
  inventory: Inventory;
  policies: Policies;
  wrappingKeys: WrappingKeys;
  ceremonies: CeremonyStore;
  bundles: Bundles;
  tokenSheets: TokenSheets;
}

/**
 * The stores over `db`, with each ceremony type's default policy (`rules`, from the ceremony catalogue);
 * `log` when the caller already holds the database's audit log (one per database).
 */
export function openStores(
  db: Db,
  rules: Readonly<Record<string, CeremonyRule>>,
  log: AuditLog = new AuditLog(db),
): Stores {
  const inventory = new Inventory(db, log);
  return {
    db,
    log,
    checkpoints: new Checkpoints(db, log),
    identities: new Identities(db, log),
    officers: new Officers(db, log),
    inventory,
    policies: new Policies(db, log, rules),
    wrappingKeys: new WrappingKeys(db, log),
    ceremonies: new CeremonyStore(db),
    bundles: new Bundles(db, log, inventory),
    tokenSheets: new TokenSheets(db, log),
  };
}
