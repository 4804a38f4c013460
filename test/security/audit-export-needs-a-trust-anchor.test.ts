/**
 * Review item 8: someone who can reach an exported audit log removes the entry that shows what they did,
 * re-chains the log, re-signs its checkpoints and the file with a key and self-signed certificate of
 * their own (with the workstation's name in it), and hands the forgery to the auditor. The file is
 * consistent with itself, so only a trust anchor (the recorded workstation key, or the organisation's
 * CA) can tell; `keyward audit verify --export` must insist on one, and the forgery must fail with it.
 *
 * Review of that fix: only the CLI's parser insisted; verifyAuditExport itself, called without an anchor,
 * still reported the forgery ok. It now refuses to verify without one.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseCli } from '../../src/cli/args';
import { main } from '../../src/cli/keyward';
import {
  certificateFileOf,
  exportAudit,
  signatureFileOf,
  verifyAuditExport,
  type ExportTrustAnchor,
} from '../../src/main/store/audit-export';
import { AuditLog } from '../../src/main/store/audit-log';
import { entryHash } from '../../src/main/store/chain';
import { checkpointBody, Checkpoints } from '../../src/main/store/checkpoints';
import { openDatabase, type Db } from '../../src/main/store/database';
import { issueCertificate } from '../../src/main/x509/certificate';
import { digestOfBytes, signDetached } from '../../src/main/x509/cms';
import type { Signer } from '../../src/main/x509/signer';
import { genesisHash } from '../../src/shared/audit';
import { anchorNow } from '../helpers/audit-anchor';
import { rejection } from '../helpers/rejection';
import { softwareSigner } from '../helpers/software-signer';

interface EntryLine {
  type: 'entry';
  seq: number;
  time: string;
  actors: string[];
  action: string;
  subject: string | null;
  outcome: 'success' | 'failure' | 'refused';
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}
interface CheckpointLine {
  type: 'checkpoint';
  id: number;
  seq: number;
  headHash: string;
  time: string;
  prevCheckpointHash: string;
  signerSpki: string;
  hashAlgorithm: string;
  scheme: string;
  signature: string;
  hash: string;
}
type Line =
  { type: 'keyward-audit-export'; entries: number; checkpoints: number; headHash: string } | EntryLine | CheckpointLine;

let dir: string;
let db: Db;
let realExport: string;
let forgedExport: string;
let realFingerprint: string;
let forgerFingerprint: string;

const workstationSubject = {
  commonName: 'WS Vault Room',
  organization: 'Example Org',
  organizationalUnit: 'Keyward workstation',
};

async function selfSignedWorkstationCertificate(signer: Signer): Promise<Buffer> {
  const validity = { notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 365 * 86_400_000) };
  return issueCertificate(
    {
      profile: 'workstation',
      subject: workstationSubject,
      subjectSpki: signer.spki,
      serial: randomBytes(16),
      ...validity,
    },
    signer,
  );
}

/** The real export with the entries `drop` selects removed, re-chained, its checkpoints and the file re-signed by `forger`. */
async function forge(
  real: string,
  out: string,
  drop: (entry: EntryLine) => boolean,
  forger: Signer,
  forgerCertificate: Buffer,
): Promise<void> {
  const lines = readFileSync(real, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
  const entries: EntryLine[] = [];
  const checkpoints: CheckpointLine[] = [];
  let prevHash = genesisHash;
  let prevCheckpointHash = genesisHash;
  for (const line of lines) {
    if (line.type !== 'entry' || drop(line)) continue;
    const seq = entries.length + 1;
    let details = line.details;
    if (line.action === 'audit.checkpoint') {
      // A checkpoint signs the head just before its own entry: sign the forged head with the forger's key.
      const unsigned = { seq: seq - 1, headHash: prevHash, time: line.time, prevCheckpointHash };
      const body = checkpointBody(unsigned);
      const signed = await forger.sign(body);
      const hash = createHash('sha256').update(body).update(signed.signature).digest('hex');
      checkpoints.push({
        type: 'checkpoint',
        id: checkpoints.length + 1,
        ...unsigned,
        signerSpki: Buffer.from(forger.spki).toString('base64'),
        hashAlgorithm: signed.hash,
        scheme: signed.scheme,
        signature: Buffer.from(signed.signature).toString('base64'),
        hash,
      });
      prevCheckpointHash = hash;
      details = { headHash: prevHash, checkpointHash: hash };
    }
    const entry = {
      seq,
      time: line.time,
      actors: line.actors,
      action: line.action,
      subject: line.action === 'audit.checkpoint' ? `entry ${seq - 1}` : line.subject,
      outcome: line.outcome,
      details,
    };
    const hash = entryHash(prevHash, entry as Parameters<typeof entryHash>[1]);
    entries.push({ type: 'entry', ...entry, prevHash, hash });
    prevHash = hash;
  }
  // The forger writes the header, anchor included, as the forged log would have it.
  const last = checkpoints.at(-1);
  const anchor = {
    checkpoint: last?.id ?? 0,
    checkpointHash: last?.hash ?? genesisHash,
    headSeq: entries.length,
    headHash: prevHash,
  };
  const header = {
    ...(lines[0] as Line & { type: 'keyward-audit-export' }),
    entries: entries.length,
    checkpoints: checkpoints.length,
    headHash: prevHash,
    anchor,
  };
  const content = Buffer.from([header, ...entries, ...checkpoints].map((l) => `${JSON.stringify(l)}\n`).join(''));
  writeFileSync(out, content);
  writeFileSync(
    signatureFileOf(out),
    await signDetached(digestOfBytes(content), forger, forgerCertificate, new Date()),
  );
  writeFileSync(certificateFileOf(out), new X509Certificate(forgerCertificate).toString());
}

/** `keyward ARGS` in this process, as the auditor runs it: exit code and what it printed. */
async function keyward(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-forged-export-'));
  db = openDatabase(dir);
  const log = new AuditLog(db);
  const checkpoints = new Checkpoints(db, log);
  const workstation = softwareSigner('ECDSA_P384');
  realFingerprint = createHash('sha256').update(workstation.spki).digest('hex');
  log.append({
    actors: ['alice', 'bob'],
    action: 'key.generate',
    subject: 'tenant-cmk v1',
    outcome: 'success',
    details: {},
  });
  await checkpoints.write(workstation, ['alice']);
  log.append({
    actors: ['mallory'],
    action: 'key.export',
    subject: 'tenant-cmk v1',
    outcome: 'success',
    details: { provider: 'generic', destination: '/media/mallory/USB' },
  });
  log.append({
    actors: ['alice', 'bob'],
    action: 'key.rotate',
    subject: 'tenant-cmk v2',
    outcome: 'success',
    details: {},
  });
  await checkpoints.write(workstation, ['alice']);
  realExport = join(dir, 'audit.jsonl');
  await exportAudit(
    log,
    checkpoints,
    realExport,
    { signer: workstation, certificateDer: await selfSignedWorkstationCertificate(workstation) },
    anchorNow(log, checkpoints),
  );

  const forger = softwareSigner('ECDSA_P384');
  forgerFingerprint = createHash('sha256').update(forger.spki).digest('hex');
  forgedExport = join(dir, 'forged.jsonl');
  await forge(
    realExport,
    forgedExport,
    (e) => e.actors.includes('mallory'),
    forger,
    await selfSignedWorkstationCertificate(forger),
  );
}, 60_000);

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an audit export re-signed by another key', () => {
  it('is refused by verifyAuditExport itself without a trust anchor, rather than reported ok', async () => {
    expect(readFileSync(forgedExport, 'utf8')).not.toContain('mallory');
    // A caller that passes no anchor (from JavaScript, or an empty one): the type forbids it, the function refuses it.
    for (const missing of [undefined, {}, { signerFingerprint: '' }, { caCertificate: new Uint8Array() }]) {
      const refusal = await rejection(verifyAuditExport(forgedExport, missing as unknown as ExportTrustAnchor));
      expect(refusal.message, JSON.stringify(missing)).toContain('needs a trust anchor');
      expect(refusal.nextStep).toContain('--signer-fingerprint');
    }
    // Why: the forgery is consistent with itself, and checked against the key it names (the forger's), nothing gives it away.
    const selfAnchored = await verifyAuditExport(forgedExport, { signerFingerprint: forgerFingerprint });
    expect(selfAnchored).toMatchObject({
      ok: true,
      chain: { ok: true },
      checkpoints: { ok: true, checkpoints: 2 },
      fileProblems: [],
    });
    expect(selfAnchored.signature.signerSubject).toContain('WS Vault Room');
    // The real export verifies against the real key (the test's own control), and the forgery does not.
    expect((await verifyAuditExport(realExport, { signerFingerprint: realFingerprint })).ok).toBe(true);
    expect((await verifyAuditExport(forgedExport, { signerFingerprint: realFingerprint })).ok).toBe(false);
  });

  it('is refused by `keyward audit verify --export F` without a trust anchor, before anything is read', async () => {
    const result = await keyward(['audit', 'verify', '--export', forgedExport]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('audit verify --export needs a trust anchor: --signer-fingerprint HEX');
    expect(result.stderr).toContain('--ca FILE');
    expect(result.stderr).toContain('Next step:');
    expect(result.stdout).not.toContain('Signature valid');
    expect(result.stdout).not.toContain('Audit log verified');
    // Refused on the arguments alone: a file that does not exist gets the same answer.
    expect(() => parseCli(['audit', 'verify', '--export', join(dir, 'no-such-export.jsonl')])).toThrow(
      'audit verify --export needs a trust anchor',
    );
    expect(() => parseCli(['audit', 'verify', '--export', forgedExport, '--json'])).toThrow('needs a trust anchor');
  });

  it('fails against the real workstation key fingerprint', async () => {
    const result = await keyward([
      'audit',
      'verify',
      '--export',
      forgedExport,
      '--signer-fingerprint',
      realFingerprint,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'SIGNATURE NOT VALID: the file was signed by another key than the pinned workstation key',
    );
    expect(
      (await keyward(['audit', 'verify', '--export', realExport, '--signer-fingerprint', realFingerprint])).code,
    ).toBe(0);
  });

  it('fails with --ca naming a CA that did not issue its signer, or its own certificate', async () => {
    const keyPath = join(dir, 'unrelated-ca.key');
    const unrelatedCa = join(dir, 'unrelated-ca.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        unrelatedCa,
        '-subj',
        '/O=Example Org/CN=Example Org CA',
        '-days',
        '30',
      ],
      { stdio: 'pipe' },
    );
    const unrelated = await keyward(['audit', 'verify', '--export', forgedExport, '--ca', unrelatedCa]);
    expect(unrelated.code).toBe(1);
    expect(unrelated.stdout).toMatch(
      /SIGNATURE NOT VALID: the signer certificate \(.*WS Vault Room.*\) was not issued by the CA given/,
    );
    expect(unrelated.stdout).not.toContain('Signature valid');
    // The forger's certificate is self-signed and marked CA, so it "issued itself": it is still no anchor.
    const itself = await keyward([
      'audit',
      'verify',
      '--export',
      forgedExport,
      '--ca',
      certificateFileOf(forgedExport),
    ]);
    expect(itself.code).toBe(1);
    expect(itself.stdout).toContain('is the certificate given as the CA');
  });
});
