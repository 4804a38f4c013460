/**
 * Whether a set of officers can govern itself: run its own officer ceremonies under the policies it will
 * have, even with any one of its officers locked out (that officer cannot approve their own unlocking).
 * A founding set that cannot is refused: one lock-out would block the workstation for good.
 */
import { quorumNeeded, type CeremonyRule } from './ceremony-types';
import { countsTowardsQuorum, maxPassphraseAttempts, rolesInWords, type OfficerRole } from './officers';

/** The officer ceremonies a workstation cannot do without: unlocking (and suspending), enrolling, removing, changing a policy. */
export const selfGoverningCeremonies = ['suspend-officer', 'enrol-officer', 'remove-officer', 'change-policy'] as const;
export type SelfGoverningCeremony = (typeof selfGoverningCeremonies)[number];

/** Each officer ceremony's rule: its policy (the default, before initialisation) and its dual control. */
export type RuleOf = (type: SelfGoverningCeremony) => CeremonyRule;

/** The rules of a list of ceremony types (the catalogue, or the officers view's policies). */
export function ruleFrom(rules: readonly (CeremonyRule & { type: string })[]): RuleOf {
  return (type) => {
    const rule = rules.find((r) => r.type === type);
    if (!rule) throw new Error(`The ${type} ceremony's rule is missing: Keyward was built without it.`);
    return rule;
  };
}

const ceremonyWords: Record<SelfGoverningCeremony, string> = {
  'suspend-officer': 'unlocking an officer',
  'enrol-officer': 'enrolling an officer',
  'remove-officer': 'removing an officer',
  'change-policy': 'changing a policy',
};

export interface GoverningOfficer {
  id: string;
  role: OfficerRole;
}

/** The officer ceremonies grouped by what they need: the roles that count and how many approvals. */
function requirements(ruleOf: RuleOf): { roles: OfficerRole[]; needed: number; what: string; each: boolean }[] {
  const byRequirement = new Map<string, { roles: OfficerRole[]; needed: number; words: string[] }>();
  for (const type of selfGoverningCeremonies) {
    const rule = ruleOf(type);
    const needed = quorumNeeded(rule);
    const roles = [...rule.policy.roles].sort();
    const key = `${roles.join(',')}:${needed}`;
    const entry = byRequirement.get(key) ?? { roles, needed, words: [] };
    entry.words.push(ceremonyWords[type]);
    byRequirement.set(key, entry);
  }
  return [...byRequirement.values()].map(({ roles, needed, words }) => ({
    roles,
    needed,
    what: words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1) ?? ''}` : (words[0] ?? ''),
    each: words.length > 1,
  }));
}

const capitalised = (text: string): string => `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;

/**
 * Why these officers could not run their officer ceremonies with any one of them locked out; empty when
 * they can. One sentence per distinct requirement, naming the officers who count and how many are needed.
 */
export function selfGovernanceProblems(officers: readonly GoverningOfficer[], ruleOf: RuleOf): string[] {
  const problems: string[] = [];
  for (const { roles, needed, what, each } of requirements(ruleOf)) {
    const able = officers.filter((o) => countsTowardsQuorum({ roles }, o.role));
    // Locking out one of the officers who count leaves one fewer: one more than the quorum is needed.
    if (able.length >= needed + 1) continue;
    problems.push(
      `${capitalised(what)} ${each ? 'each need' : 'needs'} ${needed} approvals from ${rolesInWords(roles)}, so ${needed + 1} are needed for the workstation to unlock any one of them who is locked out; ` +
        `the officers name ${able.length}${able.length ? ` (${able.map((o) => o.id).join(', ')})` : ''}. Add ${needed + 1 - able.length} more in ${roles.length > 1 ? 'those roles' : 'that role'}.`,
    );
  }
  return problems;
}

/** The rule a founding set meets, in the words of the form that asks for it. */
export function foundingRuleInWords(ruleOf: RuleOf): string {
  const needs = requirements(ruleOf).map(({ roles, needed, what, each }) =>
    roles.length > 1
      ? `${what} ${each ? 'each need' : 'needs'} ${needed} approvals from officers in the roles ${rolesInWords(roles)}, so name at least ${needed + 1} in those roles`
      : `${what} ${each ? 'each need' : 'needs'} ${needed} approvals from ${rolesInWords(roles)}s, so name at least ${needed + 1} ${rolesInWords(roles)}s`,
  );
  return `An officer who types a wrong passphrase ${maxPassphraseAttempts} times is locked out, and only the others can unlock them: ${needs.join('; ')}.`;
}

/**
 * For each officer ceremony, how many more officers who count it would need for the workstation to run it
 * with any one of them locked out (0 when it can): comparable before and after a change.
 */
export function governanceShortfall(
  officers: readonly GoverningOfficer[],
  ruleOf: RuleOf,
): Record<SelfGoverningCeremony, number> {
  const shortfall = {} as Record<SelfGoverningCeremony, number>;
  for (const type of selfGoverningCeremonies) {
    const rule = ruleOf(type);
    const able = officers.filter((o) => countsTowardsQuorum(rule.policy, o.role)).length;
    shortfall[type] = Math.max(0, quorumNeeded(rule) + 1 - able);
  }
  return shortfall;
}
