/** The founding officers of a workstation must be able to govern it on their own (src/shared/founding.ts). */
import { KeywardError } from '../../shared/errors';
import {
  governanceShortfall,
  selfGovernanceProblems,
  selfGoverningCeremonies,
  type GoverningOfficer,
  type RuleOf,
} from '../../shared/founding';
import type { QuorumPolicy } from '../../shared/officers';

/** Refuses a founding set that one locked-out officer would leave unable to unlock, enrol, remove or change a policy. */
export function requireSelfGoverning(founding: readonly GoverningOfficer[], ruleOf: RuleOf): void {
  const problems = selfGovernanceProblems(founding, ruleOf);
  if (problems.length === 0) return;
  throw new KeywardError(
    'INVALID_REQUEST',
    `These founding officers could not govern the workstation on their own: an officer who types a wrong passphrase five times is locked out, and only the others can unlock them. ${problems.join(' ')} Nothing was done.`,
    'Name more founding officers (for example a third security officer), then initialise again.',
  );
}

export type GoverningChange = { removing: string } | { type: string; policy: QuorumPolicy };

/**
 * What a change would newly leave the workstation's officers unable to do with one of them locked out
 * (src/shared/founding.ts): none when it leaves them as able to govern it as before. A workstation that
 * could not govern itself before may not be made worse either.
 */
export function governanceLost(active: readonly GoverningOfficer[], ruleOf: RuleOf, change: GoverningChange): string[] {
  const [officersAfter, policyAfter] =
    'removing' in change
      ? [active.filter((o) => o.id !== change.removing), ruleOf]
      : [
          active,
          ((type) => (type === change.type ? { ...ruleOf(type), policy: change.policy } : ruleOf(type))) as RuleOf,
        ];
  const before = governanceShortfall(active, ruleOf);
  const after = governanceShortfall(officersAfter, policyAfter);
  const worse = selfGoverningCeremonies.some((type) => after[type] > before[type]);
  return worse ? selfGovernanceProblems(officersAfter, policyAfter) : [];
}

export const describeChange = (change: GoverningChange): string =>
  'removing' in change ? `Removing ${change.removing}` : `This policy for ${change.type}`;

/**
 * Refuses, when planned, removing an officer or changing a policy that would leave the workstation less
 * able to unlock one of its officers. (Suspending is never refused: a compromised officer must be stopped
 * at once.) The step checks it again when it runs (officer-steps.ts), as other ceremonies may have changed
 * the officers or policies since.
 */
export function requireStillSelfGoverning(
  active: readonly GoverningOfficer[],
  ruleOf: RuleOf,
  change: GoverningChange,
): void {
  const lost = governanceLost(active, ruleOf, change);
  if (lost.length === 0) return;
  throw new KeywardError(
    'INVALID_REQUEST',
    `${describeChange(change)} would leave the workstation's officers unable to govern it with one of them locked out: ${lost.join(' ')} Nothing was planned.`,
    'removing' in change
      ? 'Enrol another officer in that role first, then remove this one.'
      : 'Enrol more officers in those roles first, or choose a policy the active officers can meet with one of them locked out.',
  );
}
