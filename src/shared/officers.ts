/** Officers' roles and the approvals they sign, as every side sees them. */
export const officerRoles = ['security-officer', 'key-custodian', 'auditor'] as const;
export type OfficerRole = (typeof officerRoles)[number];

/** For a ceremony type: which roles may approve, and how many distinct officers must (M of N). */
export interface QuorumPolicy {
  quorum: number;
  roles: OfficerRole[];
}

/** Keyward's floor for anything that touches a CMK: two distinct officers. */
export const minimumCmkQuorum = 2;

/** One officer's signature over a ceremony step's digest, with the certificate the workstation issued them. */
export interface Approval {
  officer: string;
  role: OfficerRole;
  /** Base64 DER X.509 certificate of the officer's approval key, issued by the workstation key. */
  certificate: string;
  /** Base64 signature over approvalMessage(stepDigest). */
  signature: string;
  scheme: 'ecdsa-p1363' | 'rsa-pss';
  hash: 'sha256' | 'sha384';
  signedAt: string;
}

/** The bytes an officer signs to approve a step: domain-separated, so a signature means nothing else. */
export const approvalMessage = (stepDigest: string): string => `keyward-approval:v1:${stepDigest}`;
