/**
 * Whether a set of officers can govern itself: run its own officer ceremonies under the policies it will
 * have, even with any one of its officers locked out (that officer cannot approve their own unlocking).
 * A founding set that cannot is refused: one lock-out would block the workstation for good.
 */
import {
  countsTowardsQuorum,
  defaultPolicies,
  quorumNeeded,
  rolesInWords,
  type CeremonyType,
  type OfficerRole,
  type QuorumPolicy,
} from './officers';

/** The officer ceremonies a workstation cannot do without: unlocking (and suspending), enrolling, removing, changing a policy. */
export const selfGoverningCeremonies = [
  'suspend-officer',
  'enrol-officer',
  'remove-officer',
  'change-policy',
] as const satisfies readonly CeremonyType[];

const ceremonyWords: Record<(typeof selfGoverningCeremonies)[number], string> = {
  'suspend-officer': 'unlocking an officer',
  'enrol-officer': 'enrolling an officer',
  'remove-officer': 'removing an officer',
  'change-policy': 'changing a policy',
};

export interface GoverningOfficer {
  id: string;
  role: OfficerRole;
}

/**
 * Why these officers could not run their officer ceremonies with any one of them locked out; empty when
 * they can. One sentence per distinct requirement, naming the officers who count and how many are needed.
 */
export function selfGovernanceProblems(
  officers: readonly GoverningOfficer[],
  policyOf: (type: CeremonyType) => QuorumPolicy = (type) => defaultPolicies[type],
): string[] {
  const byRequirement = new Map<string, { roles: OfficerRole[]; needed: number; words: string[] }>();
  for (const type of selfGoverningCeremonies) {
    const policy = policyOf(type);
    const needed = quorumNeeded(type, policy);
    const roles = [...policy.roles].sort();
    const key = `${roles.join(',')}:${needed}`;
    const entry = byRequirement.get(key) ?? { roles, needed, words: [] };
    entry.words.push(ceremonyWords[type]);
    byRequirement.set(key, entry);
  }
  const problems: string[] = [];
  for (const { roles, needed, words } of byRequirement.values()) {
    const able = officers.filter((o) => countsTowardsQuorum({ roles }, o.role));
    // Locking out one of the officers who count leaves one fewer: one more than the quorum is needed.
    if (able.length >= needed + 1) continue;
    const what = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1) ?? ''}` : (words[0] ?? '');
    problems.push(
      `${what[0]?.toUpperCase() ?? ''}${what.slice(1)} ${words.length > 1 ? 'each need' : 'needs'} ${needed} approvals from ${rolesInWords(roles)}, so ${needed + 1} are needed for the workstation to unlock any one of them who is locked out; ` +
        `the officers name ${able.length}${able.length ? ` (${able.map((o) => o.id).join(', ')})` : ''}. Add ${needed + 1 - able.length} more in ${roles.length > 1 ? 'those roles' : 'that role'}.`,
    );
  }
  return problems;
}

/**
 * For each officer ceremony, how many more officers who count it would need for the workstation to run it
 * with any one of them locked out (0 when it can): comparable before and after a change.
 */
export function governanceShortfall(
  officers: readonly GoverningOfficer[],
  policyOf: (type: CeremonyType) => QuorumPolicy = (type) => defaultPolicies[type],
): Record<(typeof selfGoverningCeremonies)[number], number> {
  const shortfall = {} as Record<(typeof selfGoverningCeremonies)[number], number>;
  for (const type of selfGoverningCeremonies) {
    const policy = policyOf(type);
    const able = officers.filter((o) => countsTowardsQuorum(policy, o.role)).length;
    shortfall[type] = Math.max(0, quorumNeeded(type, policy) + 1 - able);
  }
  return shortfall;
}
