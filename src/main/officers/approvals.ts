/**
 * Approvals checked against a quorum policy: each a valid signature over the step's digest and the time
 * it was given, no older than the policy's approval lifetime, by an approval key the workstation
 * certified for that officer and role; nobody counts twice.
 */
import { X509Certificate, constants, createHash, verify } from 'node:crypto';
import {
  approvalMessage,
  countsTowardsQuorum,
  minimumCmkQuorum,
  roleNames,
  rolesInWords,
  type Approval,
  type QuorumPolicy,
} from '../../shared/officers';
import { VerifiedOnce } from '../x509/verified-once';

/** The role the workstation certified: the certificate's OU. */
function certifiedRole(certificate: X509Certificate): string | undefined {
  return /(?:^|\n)OU=([^\n]+)/.exec(certificate.subject)?.[1];
}

function certifiedName(certificate: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
}

/** Clocks of the workstation disagree by no more than this between approving and running. */
const clockSkewMs = 5 * 60_000;

export interface QuorumCheck {
  met: boolean;
  /** Officers whose approvals count. */
  counted: string[];
  problems: string[];
}

/** `floor`: the fewest officers the step may ever need (two for anything touching a CMK, the default). */
/** Officer certificates found issued by a workstation key, and approval signatures found valid (verified-once.ts). */
const issued = new VerifiedOnce();
const signed = new VerifiedOnce();

export function checkApprovals(
  stepDigest: string,
  approvals: Approval[],
  policy: QuorumPolicy,
  workstation: X509Certificate,
  at: Date,
  floor = minimumCmkQuorum,
): QuorumCheck {
  const problems: string[] = [];
  const counted = new Map<string, string>(); // key fingerprint -> officer
  if (policy.quorum < floor)
    problems.push(
      `the recorded policy asks for ${policy.quorum} approval(s); this step needs at least ${floor} distinct officers`,
    );
  for (const [index, approval] of approvals.entries()) {
    const which = `approval ${index + 1} (${approval.officer})`;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(Buffer.from(approval.certificate, 'base64'));
    } catch {
      problems.push(`${which}: its certificate cannot be read`);
      continue;
    }
    if (
      !issued.check(
        [workstation.raw, certificate.raw],
        () => certificate.checkIssued(workstation) && certificate.verify(workstation.publicKey),
      )
    ) {
      problems.push(`${which}: its certificate was not issued by this workstation`);
      continue;
    }
    if (at < new Date(certificate.validFrom) || at > new Date(certificate.validTo)) {
      problems.push(`${which}: its certificate was not valid when the step was approved`);
      continue;
    }
    if (certifiedName(certificate) !== approval.officer || certifiedRole(certificate) !== approval.role) {
      problems.push(
        `${which}: the certificate names ${certifiedName(certificate) ?? '?'} as ${certifiedRole(certificate) ?? '?'}, not ${approval.officer} as ${approval.role}`,
      );
      continue;
    }
    const signedAt = new Date(approval.signedAt);
    if (Number.isNaN(signedAt.getTime()) || signedAt.getTime() > at.getTime() + clockSkewMs) {
      problems.push(`${which}: its time (${approval.signedAt}) is after the step ran`);
      continue;
    }
    if (at.getTime() - signedAt.getTime() > policy.approvalLifetimeHours * 3_600_000) {
      problems.push(
        `${which}: given at ${approval.signedAt}, more than the ${policy.approvalLifetimeHours} h an approval stands under the policy, so it has expired`,
      );
      continue;
    }
    const message = Buffer.from(approvalMessage(stepDigest, approval.signedAt));
    const signature = Buffer.from(approval.signature, 'base64');
    let valid: boolean;
    try {
      valid = signed.check([certificate.raw, message, signature, approval.scheme, approval.hash], () =>
        approval.scheme === 'rsa-pss'
          ? verify(
              approval.hash,
              message,
              { key: certificate.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
              signature,
            )
          : verify(approval.hash, message, { key: certificate.publicKey, dsaEncoding: 'ieee-p1363' }, signature),
      );
    } catch {
      valid = false;
    }
    if (!valid) {
      problems.push(`${which}: the signature is not over this step (another step's digest, or altered)`);
      continue;
    }
    if (!countsTowardsQuorum(policy, approval.role)) {
      problems.push(
        `${which}: the role ${roleNames[approval.role]} may not approve this step (the policy allows ${rolesInWords(policy.roles)})`,
      );
      continue;
    }
    const keyFingerprint = createHash('sha256')
      .update(certificate.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    if (counted.has(keyFingerprint) || [...counted.values()].includes(approval.officer)) {
      problems.push(`${which}: ${approval.officer} has already approved; nobody counts twice`);
      continue;
    }
    counted.set(keyFingerprint, approval.officer);
  }
  const officers = [...counted.values()];
  if (officers.length < policy.quorum)
    problems.push(`${officers.length} valid approval(s) of the ${policy.quorum} the policy requires`);
  return { met: problems.length === 0, counted: officers, problems };
}
