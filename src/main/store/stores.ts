/** Every store of the workstation's database, built once from it and sharing one audit log. */
import { AuditLog } from './audit-log';
import { Bundles } from './bundles';
import { CeremonyStore } from './ceremonies';
import { Checkpoints } from './checkpoints';
import type { Db } from './database';
import { Identities } from './identity';
import { Inventory } from './inventory';
import { Officers } from './officers';
import { Policies } from './policies';
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
}

/** The stores over `db`; `log` when the caller already holds the database's audit log (one per database). */
export function openStores(db: Db, log: AuditLog = new AuditLog(db)): Stores {
  const inventory = new Inventory(db, log);
  return {
    db,
    log,
    checkpoints: new Checkpoints(db, log),
    identities: new Identities(db, log),
    officers: new Officers(db, log),
    inventory,
    policies: new Policies(db, log),
    wrappingKeys: new WrappingKeys(db, log),
    ceremonies: new CeremonyStore(db),
    bundles: new Bundles(db, log, inventory),
  };
}
