/**
 * Enrolling an officer: an ECDSA P-256 approval key pair made on the workstation, its private key
 * sealed under the officer's passphrase, its public key certified by the workstation key in the HSM
 * (name and role in the certificate). Approving: the passphrase unseals the key for one signature.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import { approvalMessage, officerIdPattern, type Approval, type OfficerRecord, type OfficerRole } from '../../shared/officers';
import type { Change } from '../store/inventory';
import type { Officers } from '../store/officers';
import { issueCertificate } from '../x509/certificate';
import type { Signer } from '../x509/signer';
import { checkPassphraseRules, kdfName, seal, unseal } from './passphrase';

export interface Workstation {
  signer: Signer;
  certificateDer: Uint8Array;
}

export interface Enrolment {
  id: string;
  displayName: string;
  role: OfficerRole;
  passphrase: string;
}

/** Approval certificates last as long as the workstation's, or until the officer is removed. */
const approvalYears = 5;

export async function enrolOfficer(officers: Officers, workstation: Workstation, enrolment: Enrolment, change: Change, now = new Date()): Promise<OfficerRecord> {
  if (!officerIdPattern.test(enrolment.id)) {
    throw new KeywardError('INVALID_REQUEST', `"${enrolment.id}" cannot be an officer name: 2 to 32 lower-case letters, digits, dots, dashes or underscores, starting with a letter.`, 'Choose a short name such as "alice" or "j.smith".');
  }
  if (enrolment.displayName.trim().length === 0 || enrolment.displayName.length > 100) throw new KeywardError('INVALID_REQUEST', 'The officer\'s full name must be 1 to 100 characters.', 'Give the name as on their ID.');
  checkPassphraseRules(enrolment.passphrase, enrolment.id);
  const issuer = new X509Certificate(Buffer.from(workstation.certificateDer));
  const organization = /(?:^|\n)O=([^\n]+)/.exec(issuer.subject)?.[1];
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const sealed = await seal(enrolment.passphrase, pkcs8);
  pkcs8.fill(0);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + approvalYears);
  const certificateDer = await issueCertificate(
    {
      profile: 'approval',
      subject: { commonName: enrolment.id, organizationalUnit: enrolment.role, ...(organization ? { organization } : {}) },
      subjectSpki: publicKey.export({ type: 'spki', format: 'der' }),
      issuer: { certificateDer: workstation.certificateDer },
      serial: randomBytes(16),
      notBefore: now,
      notAfter,
    },
    workstation.signer,
  );
  return officers.add({ id: enrolment.id, displayName: enrolment.displayName.trim(), role: enrolment.role, kdf: kdfName, sealed, certificateDer }, change);
}

/**
 * The officer's approval of one step: their passphrase unseals their key for this one signature over
 * the step's digest. A wrong passphrase is counted; the fifth in a row locks the officer out.
 */
export async function approveStep(officers: Officers, officerId: string, passphrase: string, stepDigest: string, now = new Date()): Promise<Approval> {
  const record = officers.get(officerId);
  const pkcs8 = await unseal(passphrase, officers.sealedKey(officerId));
  if (!pkcs8) {
    const left = officers.recordFailure(officerId);
    throw new KeywardError(
      'INVALID_REQUEST',
      left > 0 ? `Wrong passphrase for ${officerId}. ${left} attempt${left === 1 ? '' : 's'} left before ${officerId} is locked out.` : `Wrong passphrase for ${officerId}: ${officerId} is now locked out.`,
      left > 0 ? `${officerId} types the passphrase again, slowly.` : 'Another quorum of officers must unlock this officer in an officer ceremony.',
    );
  }
  officers.recordSuccess(officerId);
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  pkcs8.fill(0);
  return {
    officer: officerId,
    role: record.role,
    certificate: officers.certificate(officerId).raw.toString('base64'),
    signature: sign('sha256', Buffer.from(approvalMessage(stepDigest)), { key, dsaEncoding: 'ieee-p1363' }).toString('base64'),
    scheme: 'ecdsa-p1363',
    hash: 'sha256',
    signedAt: now.toISOString(),
  };
}
