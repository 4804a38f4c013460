/**
 * Enrolling an officer: an ECDSA P-256 approval key pair made on the workstation, its private key
 * sealed under the officer's passphrase, its public key certified by the workstation key in the HSM
 * (name and role in the certificate). Approving: the passphrase unseals the key for one signature.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import {
  approvalMessage,
  officerIdPattern,
  type Approval,
  type OfficerRecord,
  type OfficerRole,
} from '../../shared/officers';
import type { Change } from '../store/inventory';
import type { NewOfficer, Officers } from '../store/officers';
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

/** Enrols an officer at once (the founding officers, at initialisation). */
export async function enrolOfficer(
  officers: Officers,
  workstation: Workstation,
  enrolment: Enrolment,
  change: Change,
  now = new Date(),
): Promise<OfficerRecord> {
  return officers.add(await prepareEnrolment(workstation, enrolment, now), change);
}

/**
 * Everything an enrolment makes (the approval key sealed under the passphrase, its certificate signed in
 * the HSM), before anything is recorded: an enrolment step records it only when the step completes, so
 * a step that fails, is interrupted or aborted leaves no officer behind.
 */
export async function prepareEnrolment(
  workstation: Workstation,
  enrolment: Enrolment,
  now = new Date(),
): Promise<NewOfficer> {
  if (!officerIdPattern.test(enrolment.id)) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `"${enrolment.id}" cannot be an officer name: 2 to 32 lower-case letters, digits, dots, dashes or underscores, starting with a letter.`,
      'Choose a short name such as "alice" or "j.smith".',
    );
  }
  if (enrolment.displayName.trim().length === 0 || enrolment.displayName.length > 100)
    throw new KeywardError(
      'INVALID_REQUEST',
      "The officer's full name must be 1 to 100 characters.",
      'Give the name as on their ID.',
    );
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
      subject: {
        commonName: enrolment.id,
        organizationalUnit: enrolment.role,
        ...(organization ? { organization } : {}),
      },
      subjectSpki: publicKey.export({ type: 'spki', format: 'der' }),
      issuer: { certificateDer: workstation.certificateDer },
      serial: randomBytes(16),
      notBefore: now,
      notAfter,
    },
    workstation.signer,
  );
  return {
    id: enrolment.id,
    displayName: enrolment.displayName.trim(),
    role: enrolment.role,
    kdf: kdfName,
    sealed,
    certificateDer,
  };
}

/**
 * The officer's approval of one step: their passphrase unseals their key for this one signature over
 * the step's digest. Every check is counted before it runs, so concurrent ones cannot outrun the
 * lock-out; the fifth wrong passphrase in a row locks the officer out.
 */
export async function approveStep(
  officers: Officers,
  officerId: string,
  passphrase: string,
  stepDigest: string,
  now = new Date(),
): Promise<Approval> {
  const record = officers.get(officerId);
  const check = await officers.checkPassphrase(officerId, (sealed) => unseal(passphrase, sealed));
  if (!check.right) {
    const { attemptsLeft: left, stillRunning, locked } = check;
    const others = stillRunning === 1 ? 'another passphrase check' : `${stillRunning} other passphrase checks`;
    const running =
      stillRunning === 0
        ? ''
        : ` (${others} for ${officerId} still running count${stillRunning === 1 ? 's' : ''} as wrong until ${stillRunning === 1 ? 'it ends' : 'they end'})`;
    if (locked)
      throw new KeywardError(
        'OFFICER_LOCKED_OUT',
        `Wrong passphrase for ${officerId}: ${officerId} is now locked out.`,
        'Another quorum of officers must unlock this officer in an officer ceremony.',
      );
    if (left > 0)
      throw new KeywardError(
        'PASSPHRASE_WRONG',
        `Wrong passphrase for ${officerId}. ${left} attempt${left === 1 ? '' : 's'} left before ${officerId} is locked out${running}.`,
        `${officerId} types the passphrase again, slowly.`,
      );
    throw new KeywardError(
      'PASSPHRASE_WRONG',
      `Wrong passphrase for ${officerId}: no attempt left for now${running}. If ${stillRunning === 1 ? 'it is' : 'they are all'} wrong too, ${officerId} is locked out.`,
      `Wait for the running check${stillRunning === 1 ? '' : 's'} to end before ${officerId} tries again.`,
    );
  }
  const pkcs8 = check.secret;
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  pkcs8.fill(0);
  return {
    officer: officerId,
    role: record.role,
    certificate: officers.certificate(officerId).raw.toString('base64'),
    signature: sign('sha256', Buffer.from(approvalMessage(stepDigest, now.toISOString())), {
      key,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64'),
    scheme: 'ecdsa-p1363',
    hash: 'sha256',
    signedAt: now.toISOString(),
  };
}
