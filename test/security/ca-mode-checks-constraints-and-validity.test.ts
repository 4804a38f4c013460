/**
 * Review item (also): `--ca` mode used to accept any certificate the organisation's CA issued. Here the
 * attacker signs a bundle manifest and an audit export with certificates the verifier should not accept
 * as a workstation's: one the CA marked as a CA, one not allowed to sign, one expired when it signed, one
 * issued by a certificate that is no CA, and one issued by a CA that had expired. Certificates are made
 * with the openssl CLI, and with Keyward's own issuer where openssl 3.0 cannot set past dates.
 *
 * Review of that fix: any end-entity certificate the CA issued with digitalSignature still passed, so an
 * employee's S/MIME or code-signing certificate could sign a forged bundle or audit export. The signer
 * must also carry the Keyward workstation extended key usage.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAudit, verifyAuditExport } from '../../src/main/store/audit-export';
import { AuditLog } from '../../src/main/store/audit-log';
import { Checkpoints } from '../../src/main/store/checkpoints';
import { openDatabase } from '../../src/main/store/database';
import { keywardWorkstationEku } from '../../src/shared/keyward-eku';
import { anchorNow } from '../helpers/audit-anchor';
import {
  caExtensions,
  certificateWorkshop,
  keywardEkuExtension,
  leafExtensions,
  signerOf,
  type Holder,
} from '../helpers/ca-certificates';

let dir: string;
const { selfSigned, issued, issuedWithDates, bundleTrustProblems } = certificateWorkshop(() => dir);
const day = 86_400_000;
const now = Date.now();

/** An audit export signed by `signer` at `signedAt`, verified with `ca` as the anchor. */
async function exportVerifiedWith(name: string, signer: Holder, ca: Holder, signedAt = new Date()) {
  const folder = join(dir, `export-${name}`);
  mkdirSync(folder);
  const db = openDatabase(folder);
  try {
    const log = new AuditLog(db);
    const checkpoints = new Checkpoints(db, log);
    log.append({
      actors: ['alice', 'bob'],
      action: 'key.generate',
      subject: 'tenant-cmk v1',
      outcome: 'success',
      details: {},
    });
    await checkpoints.write(signerOf(signer.key), ['alice']);
    const out = join(folder, 'audit.jsonl');
    await exportAudit(
      log,
      checkpoints,
      out,
      { signer: signerOf(signer.key), certificateDer: signer.certificate },
      anchorNow(log, checkpoints),
      signedAt,
    );
    return await verifyAuditExport(out, { caCertificate: ca.certificate });
  } finally {
    db.close();
  }
}

let orgCa: Holder;
let properLeaf: Holder;
/** A workstation certificate without a keyUsage extension: allowed to sign, but no CA. */
let leafWithoutKeyUsage: Holder;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-ca-mode-'));
  orgCa = selfSigned('Example Org CA', caExtensions);
  properLeaf = issued('WS Vault Room', orgCa, leafExtensions);
  leafWithoutKeyUsage = issued('WS no key usage', orgCa, [
    'basicConstraints = critical, CA:FALSE',
    keywardEkuExtension,
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--ca mode for bundles', () => {
  it('refuses a certificate the CA issued as a CA that may issue further CAs; a workstation (CA with path length 0) is accepted', async () => {
    const subCa = issued('Example Org Issuing CA', orgCa, [
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, digitalSignature, keyCertSign',
    ]);
    expect((await bundleTrustProblems('leaf-marked-ca', subCa, orgCa)).join('\n')).toMatch(
      /the signer certificate \(.*Example Org Issuing CA\) is a CA certificate that may issue further CAs/,
    );
    // Keyward's workstation certifies its officers' approval keys: a CA, with a path length of 0.
    const workstation = issued('WS certifying officers', orgCa, [
      'basicConstraints = critical, CA:TRUE, pathlen:0',
      'keyUsage = critical, digitalSignature, keyCertSign',
      keywardEkuExtension,
    ]);
    expect(await bundleTrustProblems('workstation-ca', workstation, orgCa)).toEqual([]);
  });

  it('refuses a certificate whose key usage does not allow signatures', async () => {
    const encryptionOnly = issued('WS encryption only', orgCa, [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, keyEncipherment, keyAgreement',
    ]);
    expect((await bundleTrustProblems('no-digital-signature', encryptionOnly, orgCa)).join('\n')).toMatch(
      /the signer certificate \(.*WS encryption only\) is not allowed to make signatures \(its key usage lacks digitalSignature\)/,
    );
  });

  it('refuses a certificate that had expired, or was not yet valid, when the manifest was made', async () => {
    const expired = await issuedWithDates(
      'WS expired',
      orgCa,
      'approval',
      new Date(now - 400 * day),
      new Date(now - 35 * day),
    );
    expect((await bundleTrustProblems('expired-leaf', expired, orgCa)).join('\n')).toMatch(
      /the signer certificate \(.*WS expired\) had expired when the signature was made/,
    );
    // Valid today, but the manifest says it was made before the certificate existed.
    expect(
      (await bundleTrustProblems('not-yet-valid', properLeaf, orgCa, new Date(now - 10 * 365 * day))).join('\n'),
    ).toMatch(/the signer certificate \(.*WS Vault Room\) was not yet valid when the signature was made/);
  });

  it('refuses a certificate issued by a certificate that is not a CA', async () => {
    // A workstation's own certificate used to issue a "workstation" certificate for another key, and
    // handed to the verifier as "the CA".
    const issuedByLeaf = issued('WS issued by a leaf', leafWithoutKeyUsage, leafExtensions);
    expect((await bundleTrustProblems('issued-by-leaf', issuedByLeaf, leafWithoutKeyUsage)).join('\n')).toMatch(
      /the certificate given as the CA \(.*WS no key usage\) is not a CA certificate/,
    );
    const issuedBySigningLeaf = issued('WS issued by a signing leaf', properLeaf, leafExtensions);
    const problems = (await bundleTrustProblems('issued-by-signing-leaf', issuedBySigningLeaf, properLeaf)).join('\n');
    expect(problems).toMatch(/the certificate given as the CA \(.*WS Vault Room\) is not a CA certificate/);
    expect(problems).toContain('is not allowed to sign certificates (its key usage lacks keyCertSign)');
    // With the organisation's CA as the anchor it is simply not issued by it.
    expect((await bundleTrustProblems('issued-by-leaf-org-ca', issuedByLeaf, orgCa)).join('\n')).toMatch(
      /the signer certificate \(.*WS issued by a leaf\) was not issued by the CA given/,
    );
  });

  it('refuses a certificate issued by a CA that had expired when the manifest was made', async () => {
    const expiredCa = await issuedWithDates(
      'Expired Org CA',
      'self',
      'workstation',
      new Date(now - 5 * 365 * day),
      new Date(now - 365 * day),
    );
    const leaf = await issuedWithDates(
      'WS under expired CA',
      expiredCa,
      'approval',
      new Date(now - 2 * 365 * day),
      new Date(now + 365 * day),
    );
    expect((await bundleTrustProblems('expired-ca', leaf, expiredCa)).join('\n')).toMatch(
      /the CA certificate \(.*Expired Org CA\) had expired when the signature was made/,
    );
  });

  it('refuses a CA certificate whose key usage does not allow signing certificates', async () => {
    const notForCertificates = selfSigned('Example Org Signing CA', [
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, digitalSignature',
    ]);
    const leaf = issued('WS under a signing-only CA', notForCertificates, leafExtensions);
    expect((await bundleTrustProblems('ca-without-cert-sign', leaf, notForCertificates)).join('\n')).toMatch(
      /the certificate given as the CA \(.*Example Org Signing CA\) is not allowed to sign certificates/,
    );
  });
});

/** The refusal of a certificate the CA issued for something else than a Keyward workstation. */
const lacksKeywardEku = (subject: string) =>
  new RegExp(
    `the signer certificate \\(.*${subject}\\) lacks the Keyward workstation extended key usage \\(${keywardWorkstationEku.replace(/\./g, '\\.')}\\).*the CA includes the extended key usage ${keywardWorkstationEku.replace(/\./g, '\\.')}`,
  );

/** Certificates the organisation's CA issues to its employees, each allowed to sign, none to a Keyward workstation. */
const employeeCertificates: [string, string[]][] = [
  [
    'Mallory SMIME',
    [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = emailProtection',
    ],
  ],
  [
    'Mallory code signing',
    [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = codeSigning',
    ],
  ],
  [
    'Mallory any purpose',
    [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = anyExtendedKeyUsage',
    ],
  ],
  ['Mallory no purpose', ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature']],
];

describe('--ca mode refuses what the CA issued for other purposes', () => {
  it("refuses a bundle signed with an employee's e-mail, code-signing or general certificate from the same CA", async () => {
    for (const [subject, extensions] of employeeCertificates) {
      const employee = issued(subject, orgCa, extensions);
      const problems = await bundleTrustProblems(subject.replace(/\W+/g, '-'), employee, orgCa);
      expect(problems.join('\n'), subject).toMatch(lacksKeywardEku(subject));
      expect(problems, subject).toHaveLength(1);
    }
  });

  it("refuses an audit export signed with an employee's S/MIME certificate from the same CA", async () => {
    const [subject, extensions] = employeeCertificates[0] ?? ['', []];
    const report = await exportVerifiedWith('employee-smime', issued(`${subject} 2`, orgCa, extensions), orgCa);
    expect(report.ok).toBe(false);
    expect(report.signature.problem).toMatch(lacksKeywardEku(`${subject} 2`));
    // The chain holds: only the certificate's purpose gives the forgery away.
    expect(report.chain.ok).toBe(true);
  });
});

describe('--ca mode for audit exports (the same checks)', () => {
  it('verifies an export signed by a proper CA-issued workstation certificate', async () => {
    const report = await exportVerifiedWith('proper', properLeaf, orgCa);
    expect(report.signature).toMatchObject({ ok: true });
    expect(report.ok).toBe(true);
  });

  it('refuses an export signed with a certificate the CA marked as a CA, or one expired at the CMS signing time', async () => {
    const subCa = issued('Example Org Issuing CA 2', orgCa, [
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, digitalSignature, keyCertSign',
    ]);
    const byCa = await exportVerifiedWith('leaf-marked-ca', subCa, orgCa);
    expect(byCa.ok).toBe(false);
    expect(byCa.signature.problem).toContain('is a CA certificate that may issue further CAs');
    const after = await exportVerifiedWith('signed-after-expiry', properLeaf, orgCa, new Date(now + 60 * day));
    expect(after.ok).toBe(false);
    expect(after.signature.problem).toContain('had expired when the signature was made');
  });
});
