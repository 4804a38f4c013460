/**
 * Every ceremony type, as both sides of the app see it: its title and description in the officers' words,
 * its default quorum policy, and whether it is under dual control (never fewer than two distinct officers).
 * A ceremony type's plan schema, plan builder and steps live in its own file in src/main/ceremonies/types;
 * what the renderer shows lives here, because the renderer cannot import the main process's code.
 */
import {
  defaultApprovalLifetimeHours,
  minimumCmkQuorum,
  officerRoles,
  type OfficerRole,
  type QuorumPolicy,
} from './officers';

export interface CeremonyAbout {
  title: string;
  description: string;
  /** The policy a new workstation starts with (a change-policy ceremony changes it). */
  policy: QuorumPolicy;
  /** It touches a CMK or the officers: never fewer than two distinct officers, whatever its policy says. */
  dualControl: boolean;
}

const cmkRoles: OfficerRole[] = ['security-officer', 'key-custodian'];
const soQuorum: QuorumPolicy = {
  quorum: 2,
  roles: ['security-officer'],
  approvalLifetimeHours: defaultApprovalLifetimeHours,
};
const cmkQuorum: QuorumPolicy = { quorum: 2, roles: cmkRoles, approvalLifetimeHours: defaultApprovalLifetimeHours };
const custodyQuorum: QuorumPolicy = {
  quorum: 2,
  roles: ['key-custodian', 'security-officer'],
  approvalLifetimeHours: defaultApprovalLifetimeHours,
};

/** In the order the app offers them. */
export const ceremonyAbout = {
  'initialise-workstation': {
    title: 'Initialise the workstation',
    description:
      "The workstation's signing key generated in the HSM and the founding officers enrolled; every later ceremony is approved by them.",
    // Nobody is enrolled yet: the founding officers are all present, and the founding rule (shared/founding.ts) applies.
    policy: { quorum: 2, roles: [...officerRoles], approvalLifetimeHours: defaultApprovalLifetimeHours },
    dualControl: false,
  },
  'generate-cmk': {
    title: 'Generate a key (CMK)',
    description:
      'A new customer master key generated inside the HSM; its key check value is recorded for every later comparison.',
    policy: cmkQuorum,
    dualControl: true,
  },
  'import-wrapping-key': {
    title: "Import a provider's wrapping key",
    description:
      "The provider's public wrapping key, read from a drive; the officers compare its fingerprint with the provider's console, read aloud.",
    policy: cmkQuorum,
    dualControl: true,
  },
  'export-key': {
    title: 'Export a key to a provider',
    description:
      'Wrap a key version for the provider and write the signed upload bundle to a drive; it is read back and verified.',
    policy: cmkQuorum,
    dualControl: true,
  },
  'rotate-cmk': {
    title: 'Rotate a key',
    description: 'A new version becomes active; the previous one decrypts only.',
    policy: cmkQuorum,
    dualControl: true,
  },
  'disable-key': {
    title: 'Disable a key version',
    description: 'The version stays in the HSM but may not be used until enabled again.',
    policy: cmkQuorum,
    dualControl: true,
  },
  'enable-key': {
    title: 'Enable a key version',
    description: 'A disabled version becomes active or decrypt-only again.',
    policy: cmkQuorum,
    dualControl: true,
  },
  'destroy-key': {
    title: 'Destroy a key version',
    description:
      'The version is destroyed in the HSM (crypto-shredding) and a signed destruction certificate is written to a drive.',
    policy: cmkQuorum,
    dualControl: true,
  },
  backup: {
    title: 'Back up key versions',
    description: 'Key versions wrapped under a backup key whose shares go to custodians, one drive each.',
    policy: custodyQuorum,
    dualControl: true,
  },
  restore: {
    title: 'Restore key versions',
    description: "Key versions unwrapped from a backup package, with the custodians' shares; every KCV checked.",
    policy: custodyQuorum,
    dualControl: true,
  },
  'enrol-officer': {
    title: 'Enrol an officer',
    description: 'A new officer chooses a passphrase; their approval key is certified by the workstation.',
    policy: soQuorum,
    dualControl: true,
  },
  'suspend-officer': {
    title: 'Suspend, reinstate or unlock an officer',
    description: "Nobody's approval counts for their own standing.",
    policy: soQuorum,
    dualControl: true,
  },
  'remove-officer': {
    title: 'Remove an officer',
    description: 'The officer can no longer check in or approve. Names are never reused.',
    policy: soQuorum,
    dualControl: true,
  },
  'change-policy': {
    title: 'Change a quorum policy',
    description: 'How many approvals, from which roles, a ceremony type needs.',
    policy: soQuorum,
    dualControl: true,
  },
  'export-audit': {
    title: 'Export the audit log',
    description: 'The whole log with its checkpoints, signed by the workstation key, to a drive.',
    policy: { quorum: 1, roles: ['auditor', 'security-officer'], approvalLifetimeHours: defaultApprovalLifetimeHours },
    dualControl: false,
  },
  'change-hsm': {
    title: 'Change the HSM module',
    description:
      "Which PKCS#11 module and token address the workstation uses; the module's SHA-256 is read aloud and the security officers approve it.",
    // Every PIN typed afterwards goes through the module: the security officers decide.
    policy: soQuorum,
    dualControl: true,
  },
} satisfies Record<string, CeremonyAbout>;

export type CeremonyType = keyof typeof ceremonyAbout;
export const ceremonyTypes = Object.keys(ceremonyAbout) as [CeremonyType, ...CeremonyType[]];

export const defaultPolicies = Object.fromEntries(
  ceremonyTypes.map((type) => [type, ceremonyAbout[type].policy]),
) as Record<CeremonyType, QuorumPolicy>;

/** Ceremonies that touch a CMK or the officers: never fewer than two distinct officers. */
export const dualControlCeremonies: readonly CeremonyType[] = ceremonyTypes.filter(
  (type) => ceremonyAbout[type].dualControl,
);

/** The fewest approvals a sensitive step of this ceremony may have, whatever its policy says. */
export const approvalFloor = (type: CeremonyType): number => (ceremonyAbout[type].dualControl ? minimumCmkQuorum : 1);

/** How many distinct officers' approvals a sensitive step of this ceremony needs: its policy's quorum, never below the floor. */
export const quorumNeeded = (type: CeremonyType, policy: Pick<QuorumPolicy, 'quorum'>): number =>
  Math.max(policy.quorum, approvalFloor(type));
