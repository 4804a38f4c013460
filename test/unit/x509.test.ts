/**
 * Certificates and detached CMS signatures built by Keyward, checked independently by the openssl CLI
 * and by node:crypto, for every workstation signing key type.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../../src/main/x509/certificate';
import { digestOfBytes, signDetached, verifyDetached } from '../../src/main/x509/cms';
import { signingKeySpecs } from '../../src/shared/keys';
import { verifyWithOpenssl } from '../helpers/openssl-cms';
import { softwareSigner } from '../helpers/software-signer';

const dir = mkdtempSync(join(tmpdir(), 'keyward-x509-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const pem = (der: Uint8Array) => new X509Certificate(Buffer.from(der)).toString();
const validity = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2036-01-01T00:00:00Z') };

describe.each(signingKeySpecs)('workstation key %s', (spec) => {
  const signer = softwareSigner(spec);
  const subject = { commonName: `Keyward workstation ${spec}`, organization: 'Example Org' };

  it('issues a self-signed CA certificate that openssl verifies, and an approval-key certificate under it', async () => {
    const workstation = await issueCertificate(
      { profile: 'workstation', subject, subjectSpki: signer.spki, serial: randomBytes(16), ...validity },
      signer,
    );
    const caPath = file(`${spec}-ca.pem`, pem(workstation));
    expect(openssl(['verify', '-CAfile', caPath, caPath])).toContain(': OK');
    const text = openssl(['x509', '-in', caPath, '-noout', '-text']);
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Digital Signature, Certificate Sign, CRL Sign/);
    expect(text).toContain('Example Org');

    const officer = softwareSigner('ECDSA_P256');
    const approval = await issueCertificate(
      {
        profile: 'approval',
        subject: { commonName: 'Officer A', organization: 'Example Org' },
        subjectSpki: officer.spki,
        issuer: { certificateDer: workstation },
        serial: randomBytes(16),
        ...validity,
      },
      signer,
    );
    const approvalPath = file(`${spec}-approval.pem`, pem(approval));
    expect(openssl(['verify', '-CAfile', caPath, approvalPath])).toContain(': OK');
    expect(openssl(['x509', '-in', approvalPath, '-noout', '-text'])).toMatch(
      /CA:FALSE[\s\S]*Digital Signature, Non Repudiation/,
    );
    expect(new X509Certificate(approval).checkIssued(new X509Certificate(workstation))).toBe(true);
  });

  it('signs a detached CMS signature that openssl and the verifier accept, and that fails on any change to the file', async () => {
    const certificate = await issueCertificate(
      { profile: 'workstation', subject, subjectSpki: signer.spki, serial: randomBytes(16), ...validity },
      signer,
    );
    const content = Buffer.from('{"manifest":"example"}\n');
    const signedAt = new Date('2026-11-23T10:00:00Z');
    const cms = await signDetached(digestOfBytes(content), signer, certificate, signedAt);
    const verified = verifyDetached(cms, digestOfBytes(content));
    expect(verified.certificateDer.equals(certificate)).toBe(true);
    expect(verified.signingTime?.toISOString()).toBe(signedAt.toISOString());

    const signature = file(`${spec}.p7s`, cms);
    const signerPem = file(`${spec}-signer.pem`, pem(certificate));
    expect(() => verifyWithOpenssl(file(`${spec}.json`, content), signerPem, signature)).not.toThrow();
    const changed = Buffer.from(content);
    changed[3] = (changed[3] ?? 0) ^ 1;
    expect(() => verifyWithOpenssl(file(`${spec}-changed.json`, changed), signerPem, signature)).toThrow();
    expect(() => verifyDetached(cms, digestOfBytes(changed))).toThrow(/has changed since it was signed/);
  });

  it("refuses a signature made by another key, and a certificate that is not the signer's", async () => {
    const certificate = await issueCertificate(
      { profile: 'workstation', subject, subjectSpki: signer.spki, serial: randomBytes(16), ...validity },
      signer,
    );
    const impostor = { ...softwareSigner(spec), spki: signer.spki };
    await expect(signDetached(digestOfBytes(Buffer.from('x')), impostor, certificate, new Date())).rejects.toThrow(
      /does not verify against the signer certificate/,
    );
    const other = softwareSigner(spec);
    await expect(signDetached(digestOfBytes(Buffer.from('x')), other, certificate, new Date())).rejects.toThrow(
      /not the certificate of the signing key/,
    );
  });
});

describe('verifyDetached on damaged signature files', () => {
  it('names what is wrong for every single-byte change of a valid signature file', async () => {
    const signer = softwareSigner('ECDSA_P256');
    const certificate = await issueCertificate(
      {
        profile: 'workstation',
        subject: { commonName: 'W' },
        subjectSpki: signer.spki,
        serial: randomBytes(16),
        ...validity,
      },
      signer,
    );
    const content = Buffer.from('content');
    const cms = await signDetached(digestOfBytes(content), signer, certificate, new Date());
    for (let i = 0; i < cms.length; i += 1) {
      const damaged = Buffer.from(cms);
      damaged[i] = (damaged[i] ?? 0) ^ 0x01;
      let outcome: string;
      try {
        const result = verifyDetached(damaged, digestOfBytes(content));
        // Only the included certificate's own bytes are outside the CMS signature; they change the certificate.
        outcome = result.certificateDer.equals(certificate) ? 'accepted unchanged' : 'certificate changed';
      } catch (error) {
        outcome =
          error instanceof Error && /^The signature file is not valid: /.test(error.message)
            ? 'refused'
            : `unexpected: ${String(error)}`;
      }
      expect(['refused', 'certificate changed'], `byte ${i}`).toContain(outcome);
    }
  });
});
