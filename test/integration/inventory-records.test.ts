/** Provider wrapping keys, bundles and the workstation identity in the inventory, on a real SQLite file. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/main/store/audit-log';
import { Bundles } from '../../src/main/store/bundles';
import { openDatabase, type Db } from '../../src/main/store/database';
import { Identities, publicKeyFingerprint } from '../../src/main/store/identity';
import { Inventory } from '../../src/main/store/inventory';
import { WrappingKeys, type NewWrappingKey } from '../../src/main/store/wrapping-keys';
import { issueCertificate } from '../../src/main/x509/certificate';
import { softwareSigner } from '../helpers/software-signer';

let dir: string;
let db: Db;
let log: AuditLog;
let clock: Date;
const change = { actors: ['alice', 'bob'], ceremony: 'ceremony-7' };
const awsKey: NewWrappingKey = {
  provider: 'aws-kms',
  label: 'AWS import 2026-11',
  tokenSerial: 'e92c78fc00027749',
  tokenObjectId: 'ab'.repeat(16),
  fingerprint: 'cd'.repeat(32),
  modulusBits: 4096,
  sourceFileSha256: 'ef'.repeat(32),
  providerDeadline: '2026-11-24T10:00:00.000Z',
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-records-'));
  db = openDatabase(dir);
  clock = new Date('2026-11-23T10:00:00.000Z');
  log = new AuditLog(db, () => clock);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('provider wrapping keys', () => {
  it('are recorded with fingerprint, file hash and deadline, refused once the deadline passes, and never deleted', () => {
    const keys = new WrappingKeys(db, log, () => clock);
    const added = keys.add(awsKey, change);
    expect(added).toMatchObject({
      ...awsKey,
      state: 'active',
      importedCeremony: 'ceremony-7',
      importedAt: clock.toISOString(),
    });
    expect(keys.usable(added.id).id).toBe(added.id);
    clock = new Date('2026-11-24T10:00:00.000Z');
    expect(() => keys.usable(added.id)).toThrow(/expired at 2026-11-24T10:00:00.000Z/);
    keys.setState(added.id, 'destroyed', change);
    expect(() => keys.setState(added.id, 'retired', change)).toThrow(/already destroyed/);
    expect(() => db.prepare('UPDATE wrapping_keys SET state = ? WHERE id = ?').run('active', added.id)).toThrow(
      /destroyed one not at all/,
    );
    expect(() => db.prepare('UPDATE wrapping_keys SET fingerprint = ?').run('00')).toThrow(/only the state/);
    expect(() => db.prepare('DELETE FROM wrapping_keys').run()).toThrow(/never deleted/);
    const actions = log.query({ limit: 10 }).map((e) => e.action);
    expect(actions).toEqual(['inventory.wrapping-key.state', 'inventory.wrapping-key.add']);
  });
});

describe('bundles written', () => {
  it('are listed per key, newest first, audited, and cannot be changed or deleted', () => {
    const inventory = new Inventory(db, log, () => clock);
    const keys = new WrappingKeys(db, log, () => clock);
    const bundles = new Bundles(db, log, inventory, () => clock);
    inventory.addKey({ name: 'Tenant CMK', purpose: 'SaaS data', provider: 'aws-kms', spec: 'AES_256' }, change);
    inventory.addVersion(
      'Tenant CMK',
      { tokenSerial: 's', tokenObjectId: '01'.repeat(16), tokenLabel: 'Tenant CMK v1', kcv: 'a1b2c3' },
      change,
    );
    const wrappingKey = keys.add(awsKey, change);
    const first = bundles.record(
      {
        keyName: 'Tenant CMK',
        keyVersion: 1,
        provider: 'aws-kms',
        wrappingKeyId: wrappingKey.id,
        manifestSha256: '11'.repeat(32),
        drive: 'KEYWARD-USB',
        path: '/media/usb/b1',
      },
      change,
    );
    clock = new Date('2026-11-23T11:00:00.000Z');
    const second = bundles.record(
      {
        keyName: 'Tenant CMK',
        keyVersion: 1,
        provider: 'aws-kms',
        wrappingKeyId: wrappingKey.id,
        manifestSha256: '22'.repeat(32),
        drive: 'KEYWARD-USB',
        path: '/media/usb/b2',
      },
      change,
    );
    expect(bundles.list('Tenant CMK').map((b) => b.id)).toEqual([second.id, first.id]);
    expect(() => bundles.record({ ...second, keyVersion: 2 }, change)).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare('UPDATE bundles SET path = ?').run('/tmp')).toThrow(/cannot be changed/);
    expect(() => db.prepare('DELETE FROM bundles').run()).toThrow(/cannot be deleted/);
    // The refused record is audited as failed.
    expect(log.query({ action: 'bundle.written', limit: 10 }).map((e) => e.outcome)).toEqual([
      'failure',
      'success',
      'success',
    ]);
    // A key's filter finds the entries of all its versions, not of another key whose name starts alike.
    inventory.addKey({ name: 'Tenant CMK v', purpose: 'x', provider: null, spec: 'AES_128' }, change);
    expect(log.query({ subject: 'Tenant CMK', limit: 10 }).map((e) => e.subject)).toEqual([
      'Tenant CMK v2',
      'Tenant CMK v1',
      'Tenant CMK v1',
      'Tenant CMK v1',
      'Tenant CMK',
    ]);
    expect(log.query({ ceremony: 'ceremony-7', limit: 20 })).toHaveLength(7);
    expect(log.query({ ceremony: 'another', limit: 20 })).toHaveLength(0);
  });
});

describe('the workstation identity', () => {
  it('is refused with a clear step until one exists; a new one retires the old; only retiring is allowed', async () => {
    const identities = new Identities(db, log, () => clock);
    expect(() => identities.require()).toThrow(/has no signing key and certificate yet/);
    const make = async () => {
      const signer = softwareSigner('ECDSA_P256');
      const certificateDer = await issueCertificate(
        {
          profile: 'workstation',
          subject: { commonName: 'W' },
          subjectSpki: signer.spki,
          serial: randomBytes(16),
          notBefore: clock,
          notAfter: new Date('2036-01-01'),
        },
        signer,
      );
      return {
        signer,
        identity: {
          tokenSerial: 's',
          tokenObjectId: randomBytes(16).toString('hex'),
          spec: signer.spec,
          certificateDer,
        },
      };
    };
    const one = await make();
    const adopted = identities.adopt(one.identity, change);
    expect(adopted.publicKeyFingerprint).toBe(publicKeyFingerprint(one.signer.spki));
    const two = await make();
    identities.adopt(two.identity, change);
    expect(identities.require().publicKeyFingerprint).toBe(publicKeyFingerprint(two.signer.spki));
    expect(db.prepare('SELECT COUNT(*) AS n FROM workstation_identity').get()).toEqual({ n: 2 });
    expect(() => db.prepare('UPDATE workstation_identity SET certificate = ?').run(Buffer.from('x'))).toThrow(
      /can only be retired/,
    );
    expect(() => db.prepare('DELETE FROM workstation_identity').run()).toThrow(/never deleted/);
    const entry = log.query({ action: 'workstation.identity.adopt', limit: 1 })[0];
    expect(entry?.details).toMatchObject({ replaces: adopted.publicKeyFingerprint, ceremony: 'ceremony-7' });
  });
});
