/** Audit checkpoints signed in a real SoftHSM token: truncation, rewriting and forged checkpoints are detected. */
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HsmClient } from '../../src/main/hsm/client/client';
import { newObjectId } from '../../src/main/hsm/object-id';
import { hsmSigner } from '../../src/main/identity/workstation-identity';
import { exportAudit, verifyAuditExport } from '../../src/main/store/audit-export';
import { AuditLog } from '../../src/main/store/audit-log';
import { Checkpoints } from '../../src/main/store/checkpoints';
import { databaseFileName, openDatabase, type Db } from '../../src/main/store/database';
import { Inventory } from '../../src/main/store/inventory';
import { issueCertificate } from '../../src/main/x509/certificate';
import type { Signer } from '../../src/main/x509/signer';
import { anchorNow } from '../helpers/audit-anchor';
import { verifyWithOpenssl } from '../helpers/openssl-cms';
import { initToken, makeSoftHsmDir, softhsmClient, type TestTokens } from '../helpers/softhsm';

const uri = 'pkcs11:token=Checkpoints';
let tokens: TestTokens;
let client: HsmClient;
let signers: Signer[];
/** Each signer's self-signed workstation certificate, signed in the token. */
let certificates: Buffer[];

beforeAll(async () => {
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Checkpoints', '1234');
  client = softhsmClient(tokens);
  await client.request('login', { uri, role: 'user', pinParts: ['1234'] });
  signers = [];
  certificates = [];
  for (const spec of ['ECDSA_P256', 'RSA_PSS_3072'] as const) {
    const key = await client.request('generateSigningKey', {
      uri,
      id: newObjectId(),
      label: `workstation ${spec}`,
      spec,
    });
    const signer = hsmSigner(client, uri, key);
    signers.push(signer);
    const validity = { notBefore: new Date('2026-01-01'), notAfter: new Date('2036-01-01') };
    certificates.push(
      await issueCertificate(
        {
          profile: 'workstation',
          subject: { commonName: `Workstation ${spec}` },
          subjectSpki: key.publicKeySpki,
          serial: randomBytes(16),
          ...validity,
        },
        signer,
      ),
    );
  }
}, 60_000);
afterAll(() => {
  client.close();
  tokens.cleanup();
});

let dir: string;
let db: Db;
let log: AuditLog;
let checkpoints: Checkpoints;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-checkpoints-'));
  db = openDatabase(dir);
  log = new AuditLog(db);
  checkpoints = new Checkpoints(db, log);
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function append(n: number): void {
  for (let i = 0; i < n; i++)
    log.append({
      actors: ['alice', 'bob'],
      action: 'key.generate',
      subject: `key ${i}`,
      outcome: 'success',
      details: {},
    });
}

function tamper(sql: string): void {
  db.close();
  const raw = new Database(join(dir, databaseFileName));
  raw.exec(
    'DROP TRIGGER IF EXISTS audit_log_no_delete; DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_checkpoints_no_update; DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;',
  );
  raw.exec(sql);
  raw.close();
  db = openDatabase(dir);
  log = new AuditLog(db);
  checkpoints = new Checkpoints(db, log);
}

describe('audit checkpoints', () => {
  it.each([0, 1])('are signed in the HSM (signer %i), chained, and verify', async (which) => {
    const signer = signers[which] as Signer;
    append(5);
    const first = await checkpoints.write(signer, ['alice']);
    append(3);
    const second = await checkpoints.write(signer, ['alice']);
    expect(first.seq).toBe(5);
    expect(second.seq).toBe(9); // the first checkpoint's own audit entry is 6
    expect(second.prevCheckpointHash).toBe(first.hash);
    expect(checkpoints.verify(signer.spki)).toMatchObject({ ok: true, checkpoints: 2, last: { seq: 9 } });
    expect(log.verify().ok).toBe(true);
  });

  it('detects entries cut off the end of the log, which the chain alone cannot', async () => {
    append(10);
    await checkpoints.write(signers[0] as Signer, ['alice']);
    tamper('DELETE FROM audit_log WHERE seq >= 8');
    expect(log.verify().ok).toBe(true); // a shorter chain is still a valid chain...
    const report = checkpoints.verify(signers[0]?.spki ?? Buffer.alloc(0));
    expect(report.ok).toBe(false); // ...but not the log the checkpoint signed
    expect(report.problem?.message).toContain('cut off the end of the log');
  });

  it('detects a log rewritten up to a checkpoint', async () => {
    append(4);
    await checkpoints.write(signers[0] as Signer, ['alice']);
    // Flip the first byte so the hash always differs (a fixed 'ff' is a no-op one time in 256).
    tamper(
      "UPDATE audit_log SET hash = (CASE WHEN substr(hash, 1, 2) = 'ff' THEN '00' ELSE 'ff' END) || substr(hash, 3) WHERE seq = 4",
    );
    expect(checkpoints.verify(signers[0]?.spki ?? Buffer.alloc(0)).problem?.message).toContain(
      'is not the entry checkpoint',
    );
  });

  it('detects a forged or removed checkpoint, and one signed by another key', async () => {
    append(2);
    await checkpoints.write(signers[0] as Signer, ['alice']);
    await checkpoints.write(signers[0] as Signer, ['alice']);
    expect(checkpoints.verify(signers[1]?.spki ?? Buffer.alloc(0)).problem?.message).toContain(
      'signed by a key other than the workstation signing key',
    );
    tamper("UPDATE audit_checkpoints SET time = '2020-01-01T00:00:00.000Z' WHERE id = 2");
    expect(checkpoints.verify(signers[0]?.spki ?? Buffer.alloc(0)).problem).toMatchObject({ checkpoint: 2 });
    expect(checkpoints.verify(signers[0]?.spki ?? Buffer.alloc(0)).problem?.message).toContain('does not verify');
    tamper('DELETE FROM audit_checkpoints WHERE id = 1');
    expect(checkpoints.verify(signers[0]?.spki ?? Buffer.alloc(0)).problem?.message).toContain(
      'does not follow the checkpoint before it',
    );
  });
});

describe('the audit export', () => {
  it('verifies on another machine, pinned to the signer, and fails on any changed byte of any line', async () => {
    append(6);
    const signer = signers[0] as Signer;
    await checkpoints.write(signer, ['alice']);
    append(2);
    await checkpoints.write(signer, ['alice']);
    const out = join(dir, 'audit.jsonl');
    const signing = { signer, certificateDer: certificates[0] as Buffer };
    const written = await exportAudit(log, checkpoints, out, signing, anchorNow(log, checkpoints));
    expect(written).toMatchObject({
      entries: 10,
      checkpoints: 2,
      signatureFile: `${out}.p7s`,
      certificateFile: `${out}.signer.pem`,
    });
    const fingerprint = createHash('sha256').update(signer.spki).digest('hex');
    expect(written.signerFingerprint).toBe(fingerprint);
    const verified = await verifyAuditExport(out, { signerFingerprint: fingerprint });
    expect(verified).toMatchObject({
      ok: true,
      signature: { ok: true, signerFingerprint: fingerprint },
      chain: { entries: 10 },
      checkpoints: { checkpoints: 2 },
      fileProblems: [],
    });
    // openssl agrees, from the files alone.
    verifyWithOpenssl(out, `${out}.signer.pem`);
    expect((await verifyAuditExport(out, { signerFingerprint: 'ab'.repeat(32) })).signature.problem).toContain(
      'signed by another key than the pinned',
    );
    await expect(exportAudit(log, checkpoints, out, signing, anchorNow(log, checkpoints))).rejects.toThrow(
      'never overwrites',
    );

    // Without its signature the export is not trusted; a signature of another export does not fit.
    const bare = join(dir, 'bare.jsonl');
    copyFileSync(out, bare);
    expect((await verifyAuditExport(bare, { signerFingerprint: fingerprint })).signature.problem).toContain(
      'is missing',
    );
    append(1);
    const later = join(dir, 'later.jsonl');
    await exportAudit(log, checkpoints, later, signing, anchorNow(log, checkpoints));
    copyFileSync(`${later}.p7s`, `${bare}.p7s`);
    expect((await verifyAuditExport(bare, { signerFingerprint: fingerprint })).signature.problem).toContain(
      'has changed since it was signed',
    );

    // Checkpoints signed by another key than the export's signer are refused.
    const otherSigner = join(dir, 'other-signer.jsonl');
    await exportAudit(
      log,
      checkpoints,
      otherSigner,
      { signer: signers[1] as Signer, certificateDer: certificates[1] as Buffer },
      anchorNow(log, checkpoints),
    );
    const crossed = await verifyAuditExport(otherSigner, {
      signerFingerprint: createHash('sha256')
        .update((signers[1] as Signer).spki)
        .digest('hex'),
    });
    expect(crossed.signature.ok).toBe(true);
    expect(crossed.checkpoints.problem?.message).toContain('signed by a key other');
    expect(crossed.ok).toBe(false);

    const original = readFileSync(out, 'utf8');
    const lines = original.split('\n');
    // One changed character in an entry, in a checkpoint, and a line dropped from the end.
    const mutations = [
      lines.map((l, i) => (i === 3 ? l.replace('key.generate', 'key.generatE') : l)).join('\n'),
      lines.map((l, i) => (i === 12 ? l.replace(/"time":"(\d)/, '"time":"9') : l)).join('\n'),
      lines.filter((_, i) => i !== 10).join('\n'),
    ];
    for (const [n, content] of mutations.entries()) {
      const file = join(dir, `mutated-${n}.jsonl`);
      writeFileSync(file, content);
      copyFileSync(`${out}.p7s`, `${file}.p7s`);
      const report = await verifyAuditExport(file, { signerFingerprint: fingerprint });
      expect(report.ok, `mutation ${n}`).toBe(false);
      expect(report.signature.problem, `mutation ${n}`).toContain('has changed since it was signed');
      unlinkSync(`${file}.p7s`);
      // The chain and the checkpoints find the change on their own too.
      const unsigned = await verifyAuditExport(file, { signerFingerprint: fingerprint });
      expect(
        unsigned.chain.ok && unsigned.checkpoints.ok && unsigned.fileProblems.length === 0,
        `mutation ${n} without signature`,
      ).toBe(false);
    }
  });
});

describe('secrets never reach the database or an export', () => {
  it('after logins with PIN parts, key generation, inventory changes, checkpoints and an export', async () => {
    const pinParts = ['73-19', '-58-44'];
    const soPin = 'so-pin-secret-8812';
    const secretTokens = makeSoftHsmDir();
    initToken(secretTokens, 'Secrets', pinParts.join(''), soPin);
    const secretClient = softhsmClient(secretTokens);
    try {
      const secretUri = 'pkcs11:token=Secrets';
      await secretClient.request('login', { uri: secretUri, role: 'security-officer', pinParts: [soPin] });
      await secretClient.request('login', { uri: secretUri, role: 'user', pinParts });
      const key = await secretClient.request('generateCmk', {
        uri: secretUri,
        id: newObjectId(),
        label: 'CMK secrets test',
        spec: 'AES_256',
      });
      const signing = await secretClient.request('generateSigningKey', {
        uri: secretUri,
        id: newObjectId(),
        label: 'workstation',
        spec: 'ECDSA_P256',
      });
      const inventory = new Inventory(db, log);
      inventory.addKey(
        { name: 'CMK secrets test', purpose: 'test', provider: 'aws', spec: 'AES_256' },
        { actors: ['alice', 'bob'], ceremony: null },
      );
      inventory.addVersion(
        'CMK secrets test',
        { tokenSerial: 'x', tokenObjectId: key.id, tokenLabel: key.label, kcv: key.kcv },
        { actors: ['alice', 'bob'], ceremony: null },
      );
      const signer = hsmSigner(secretClient, secretUri, signing);
      await checkpoints.write(signer, ['alice']);
      const out = join(dir, 'secrets-export.jsonl');
      const certificateDer = await issueCertificate(
        {
          profile: 'workstation',
          subject: { commonName: 'W' },
          subjectSpki: signer.spki,
          serial: randomBytes(16),
          notBefore: new Date(),
          notAfter: new Date('2036-01-01'),
        },
        signer,
      );
      await exportAudit(log, checkpoints, out, { signer, certificateDer }, anchorNow(log, checkpoints));
      db.pragma('wal_checkpoint(TRUNCATE)');
      const files = [join(dir, databaseFileName), out, `${out}.p7s`, `${out}.signer.pem`];
      for (const file of files) {
        const bytes = readFileSync(file);
        for (const secret of [pinParts.join(''), ...pinParts, soPin])
          expect(bytes.includes(Buffer.from(secret)), `${secret} in ${file}`).toBe(false);
      }
    } finally {
      secretClient.close();
      secretTokens.cleanup();
    }
  });
});
