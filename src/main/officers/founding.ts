/** The founding officers of a workstation must be able to govern it on their own (src/shared/founding.ts). */
import { KeywardError } from '../../shared/errors';
import { selfGovernanceProblems, type GoverningOfficer } from '../../shared/founding';
import type { CeremonyType, QuorumPolicy } from '../../shared/officers';

/** Refuses a founding set that one locked-out officer would leave unable to unlock, enrol, remove or change a policy. */
export function requireSelfGoverning(founding: readonly GoverningOfficer[]): void {
  const problems = selfGovernanceProblems(founding);
  if (problems.length === 0) return;
  throw new KeywardError(
    'INVALID_REQUEST',
    `These founding officers could not govern the workstation on their own: an officer who types a wrong passphrase five times is locked out, and only the others can unlock them. ${problems.join(' ')} Nothing was done.`,
    'Name more founding officers (for example a third security officer), then initialise again.',
  );
}

/**
 * Refuses, when planned, removing an officer or changing a policy that would leave a self-governing
 * workstation unable to unlock one of its officers. (Suspending is never refused: a compromised officer
 * must be stopped at once.) A workstation that could not govern itself before is not held to it here.
 */
export function requireStillSelfGoverning(
  active: readonly GoverningOfficer[],
  policyOf: (type: CeremonyType) => QuorumPolicy,
  change: { removing: string } | { type: CeremonyType; policy: QuorumPolicy },
): void {
  if (selfGovernanceProblems(active, policyOf).length > 0) return;
  const after =
    'removing' in change
      ? selfGovernanceProblems(
          active.filter((o) => o.id !== change.removing),
          policyOf,
        )
      : selfGovernanceProblems(active, (type) => (type === change.type ? change.policy : policyOf(type)));
  if (after.length === 0) return;
  const what = 'removing' in change ? `Removing ${change.removing}` : `This policy for ${change.type}`;
  throw new KeywardError(
    'INVALID_REQUEST',
    `${what} would leave the workstation's officers unable to govern it with one of them locked out: ${after.join(' ')} Nothing was planned.`,
    'removing' in change
      ? 'Enrol another officer in that role first, then remove this one.'
      : 'Enrol more officers in those roles first, or choose a policy the active officers can meet with one of them locked out.',
  );
}
