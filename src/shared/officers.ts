/** Officers' roles and the approvals they sign, as every side sees them. */
/** An officer's name on this workstation: lower case, 2 to 32 characters, never reused. */
export const officerIdPattern = /^[a-z][a-z0-9._-]{1,31}$/;

const letterSpellings: Record<string, string> = {
  æ: 'ae',
  ø: 'o',
  œ: 'oe',
  ß: 'ss',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
};

/**
 * The officer id a full name suggests ("Alice Martin" gives "alice.martin", "Zoë O'Brien" "zoe.o.brien"):
 * accents dropped, words joined with dots, cut to 32 characters; the officer may edit it.
 */
export function officerIdFrom(fullName: string): string {
  const words = fullName
    .toLowerCase()
    // Letters that do not decompose into a base letter and an accent.
    .replace(/[æøœßłđðþ]/g, (c) => letterSpellings[c] ?? c)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const start = words.findIndex((w) => /^[a-z]/.test(w));
  return start === -1 ? '' : words.slice(start).join('.').slice(0, 32).replace(/\.+$/, '');
}

export const officerRoles = ['security-officer', 'key-custodian', 'auditor'] as const;
export type OfficerRole = (typeof officerRoles)[number];

/** For a ceremony type: which roles may approve, how many distinct officers must (M of N), and for how long an approval stands. */
export interface QuorumPolicy {
  quorum: number;
  roles: OfficerRole[];
  /** An approval counts for this many hours after it was given; a step run later needs it given again. */
  approvalLifetimeHours: number;
}

/** How long an approval stands unless a policy says otherwise, and the longest a policy may set (a week). */
export const defaultApprovalLifetimeHours = 8;
export const maxApprovalLifetimeHours = 168;

/** Keyward's floor for anything that touches a CMK: two distinct officers. */
export const minimumCmkQuorum = 2;

/** One officer's signature over a ceremony step's digest, with the certificate the workstation issued them. */
export interface Approval {
  officer: string;
  role: OfficerRole;
  /** Base64 DER X.509 certificate of the officer's approval key, issued by the workstation key. */
  certificate: string;
  /** Base64 signature over approvalMessage(stepDigest, signedAt). */
  signature: string;
  scheme: 'ecdsa-p1363' | 'rsa-pss';
  hash: 'sha256' | 'sha384';
  /** When it was given: signed with the digest, so an approval's age cannot be changed afterwards. */
  signedAt: string;
}

/** The bytes an officer signs to approve a step at a time: domain-separated, so a signature means nothing else. */
export const approvalMessage = (stepDigest: string, signedAt: string): string =>
  `keyward-approval:v2:${stepDigest}:${signedAt}`;

export const officerStates = ['active', 'suspended', 'removed'] as const;
export type OfficerState = (typeof officerStates)[number];

/** An officer as every side may see them: never the passphrase verifier or the sealed key. */
export interface OfficerRecord {
  id: string;
  displayName: string;
  role: OfficerRole;
  state: OfficerState;
  stateSince: string;
  failedAttempts: number;
  lockedSince: string | null;
  enrolledAt: string;
  enrolledCeremony: string | null;
  /** SHA-256 of the approval key (SPKI), hex. */
  approvalKeyFingerprint: string;
}

/** Wrong passphrases in a row before an officer is locked out (unlocking is an officer ceremony). */
export const maxPassphraseAttempts = 5;

/** Roles as sentences name them (the screens' labels are capitalised). */
export const roleNames: Record<OfficerRole, string> = {
  'security-officer': 'security officer',
  'key-custodian': 'key custodian',
  auditor: 'auditor',
};
/** Roles as the screens label them. */
export const roleLabels: Record<OfficerRole, string> = {
  'security-officer': 'Security officer',
  'key-custodian': 'Key custodian',
  auditor: 'Auditor',
};
export const rolesInWords = (roles: readonly OfficerRole[]): string => roles.map((r) => roleNames[r]).join(', ');
/** "a security officer or a key custodian": whom to ask. */
export const anyOfRoles = (roles: readonly OfficerRole[]): string => roles.map((r) => `a ${roleNames[r]}`).join(' or ');
/** "security officers and key custodians": who may. */
export const allOfRoles = (roles: readonly OfficerRole[]): string => roles.map((r) => `${roleNames[r]}s`).join(' and ');

/** Who holds or handles key material (a backup share, an upload record): never an auditor, who checks the records. */
export const keyHolderRoles: readonly OfficerRole[] = ['security-officer', 'key-custodian'];

/** Whether an officer in this role may approve this ceremony's steps, or sign its abort, under its policy. */
export const countsTowardsQuorum = (policy: Pick<QuorumPolicy, 'roles'>, role: OfficerRole): boolean =>
  policy.roles.includes(role);
