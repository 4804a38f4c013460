/** The key inventory on a real SQLite file: versions, states, rotation schedule, and their audit entries. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/main/store/audit-log';
import { openDatabase, type Db } from '../../src/main/store/database';
import { Inventory } from '../../src/main/store/inventory';
import { thrown } from '../helpers/rejection';

let dir: string;
let db: Db;
let log: AuditLog;
let inventory: Inventory;
let clock: Date;
const change = { actors: ['alice', 'bob'], ceremony: 'ceremony-1' };
const version = (n: number) => ({
  tokenSerial: 'e92c78fc00027749',
  tokenObjectId: `0${n}`.repeat(16),
  tokenLabel: `CMK v${n}`,
  kcv: `a1b2c${n}`,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-inventory-'));
  db = openDatabase(dir);
  clock = new Date('2026-01-01T00:00:00.000Z');
  log = new AuditLog(db, () => clock);
  inventory = new Inventory(db, log, () => clock);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the key inventory', () => {
  it('rotates: the new version active, the previous decrypt-only, both kept, the schedule restarted', () => {
    const key = inventory.addKey(
      { name: 'Salesforce CMK', purpose: 'tenant secret', provider: 'salesforce', spec: 'AES_256' },
      change,
    );
    expect(key.rotationDays).toBe(365);
    expect(key.nextRotationDue).toBe('2027-01-01T00:00:00.000Z');
    inventory.addVersion('Salesforce CMK', version(1), change);
    inventory.setState('Salesforce CMK', 1, 'active', change);
    clock = new Date('2026-06-01T00:00:00.000Z');
    inventory.addVersion('Salesforce CMK', version(2), change);
    inventory.setState('Salesforce CMK', 2, 'active', change);
    const after = inventory.get('Salesforce CMK');
    expect(after.versions.map((v) => [v.version, v.state, v.kcv])).toEqual([
      [1, 'decrypt-only', 'a1b2c1'],
      [2, 'active', 'a1b2c2'],
    ]);
    expect(after.nextRotationDue).toBe('2027-06-01T00:00:00.000Z');
    expect(log.query({ subject: 'Salesforce CMK v2', limit: 10 }).map((e) => e.action)).toEqual([
      'inventory.version.state',
      'inventory.version.add',
    ]);
    expect(log.verify().ok).toBe(true);
  });

  it('keeps a destroyed version listed, and lets it only be restored', () => {
    inventory.addKey(
      { name: 'Vault CMK', purpose: 'transit', provider: 'vault', spec: 'AES_256', rotationDays: 90 },
      change,
    );
    inventory.addVersion('Vault CMK', version(1), change);
    inventory.setState('Vault CMK', 1, 'active', change);
    inventory.setState('Vault CMK', 1, 'destroyed', change);
    expect(() => inventory.setState('Vault CMK', 1, 'active', change)).toThrow('is destroyed; it cannot become active');
    expect(inventory.setState('Vault CMK', 1, 'restored', change).state).toBe('restored');
    expect(() => db.exec('DELETE FROM key_versions')).toThrow('never deleted');
    expect(() => db.exec('DELETE FROM keys')).toThrow('never deleted');
  });

  it('allows one active version per key, enforced by the database itself', () => {
    inventory.addKey({ name: 'K', purpose: 'p', provider: null, spec: 'AES_256' }, change);
    inventory.addVersion('K', version(1), change);
    inventory.addVersion('K', version(2), change);
    inventory.setState('K', 1, 'active', change);
    expect(() => db.exec("UPDATE key_versions SET state = 'active' WHERE version = 2")).toThrow(/UNIQUE/);
  });

  it('refuses a duplicate name, audits the refusal as a failure, and changes nothing', () => {
    inventory.addKey({ name: 'Dup', purpose: 'p', provider: null, spec: 'AES_256' }, change);
    const refusal = thrown(() =>
      inventory.addKey({ name: 'Dup', purpose: 'other', provider: null, spec: 'AES_128' }, change),
    );
    expect(refusal.code).toBe('KEY_NAME_TAKEN');
    expect(refusal.message).toContain('already has a key named "Dup"');
    expect(inventory.list().map((k) => [k.name, k.spec])).toEqual([['Dup', 'AES_256']]);
    expect(log.query({ subject: 'Dup', limit: 5 }).map((e) => e.outcome)).toEqual(['failure', 'success']);
  });

  it('lists rotations due: overdue first, then due soon, then scheduled', () => {
    for (const [name, days] of [
      ['A', 365],
      ['B', 30],
      ['C', 10],
    ] as const) {
      inventory.addKey({ name, purpose: 'p', provider: null, spec: 'AES_256', rotationDays: days }, change);
      inventory.addVersion(name, version(1), change);
      inventory.setState(name, 1, 'active', change);
    }
    inventory.addKey(
      { name: 'Never activated', purpose: 'p', provider: null, spec: 'AES_256', rotationDays: 1 },
      change,
    );
    clock = new Date('2026-01-21T00:00:00.000Z');
    expect(inventory.rotationDue().map((r) => [r.key, r.status, r.daysLeft])).toEqual([
      ['C', 'overdue', -10],
      ['B', 'due-soon', 10],
      ['A', 'scheduled', 345],
    ]);
  });
});
