/**
 * Changing a ceremony type's quorum policy: how many approvals, from which roles, standing how long.
 * Refused when the officers could no longer govern the workstation under it (src/main/officers/founding.ts).
 */
import { z } from 'zod';
import { ceremonyTypes, type CeremonyType } from '../../../shared/ceremony-types';
import { maxApprovalLifetimeHours, officerRoles, type QuorumPolicy } from '../../../shared/officers';
import { requireStillSelfGoverning } from '../../officers/founding';
import { activeOfficers, defineCeremony, officersPresent, type Planned } from '../ceremony-type';
import { policyWords, setPolicy } from '../officer-steps';

export function planChangePolicy(
  type: CeremonyType,
  current: QuorumPolicy,
  next: Omit<QuorumPolicy, 'approvalLifetimeHours'> & { approvalLifetimeHours?: number },
): Planned {
  const policy: QuorumPolicy = {
    ...next,
    approvalLifetimeHours: next.approvalLifetimeHours ?? current.approvalLifetimeHours,
  };
  return {
    title: `Change the quorum policy of ${type} ceremonies`,
    steps: [
      setPolicy.plan(`${type}: from ${policyWords(current)} to ${policyWords(policy)}`, {
        ceremonyType: type,
        quorum: policy.quorum,
        roles: policy.roles,
        approvalLifetimeHours: policy.approvalLifetimeHours,
        from: { quorum: current.quorum, roles: current.roles, approvalLifetimeHours: current.approvalLifetimeHours },
      }),
    ],
  };
}

export const changePolicy = defineCeremony({
  type: 'change-policy',
  plan: z
    .object({
      ceremony: z.literal('change-policy'),
      officers: officersPresent,
      policy: z
        .object({
          ceremonyType: z.enum(ceremonyTypes),
          quorum: z.number().int().min(1).max(16),
          roles: z.array(z.enum(officerRoles)).min(1),
          approvalLifetimeHours: z.number().int().min(1).max(maxApprovalLifetimeHours).optional(),
        })
        .strict(),
    })
    .strict(),
  steps: [setPolicy],
  build: ({ policy: { ceremonyType, ...next } }, { workstation }) => {
    const current = workstation.policy(ceremonyType);
    const policy: QuorumPolicy = {
      ...next,
      approvalLifetimeHours: next.approvalLifetimeHours ?? current.approvalLifetimeHours,
    };
    requireStillSelfGoverning(activeOfficers(workstation), (type) => workstation.policy(type), {
      type: ceremonyType,
      policy,
    });
    return planChangePolicy(ceremonyType, current, next);
  },
});
