/**
 * Changing a ceremony type's quorum policy: how many approvals, from which roles, standing how long.
 * Refused when the officers could no longer govern the workstation under it (src/main/officers/founding.ts).
 */
import { z } from 'zod';
import { maxApprovalLifetimeHours, officerRoles, type QuorumPolicy } from '../../../shared/officers';
import { requireStillSelfGoverning } from '../../officers/founding';
import { activeOfficers, defineCeremony, officersPresent, type Planned, securityOfficerQuorum } from '../ceremony-type';
import { policyWords, setPolicy } from '../officer-steps';

export function planChangePolicy(
  type: string,
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
  title: 'Change a quorum policy',
  description: 'How many approvals, from which roles, a ceremony type needs.',
  policy: securityOfficerQuorum,
  dualControl: true,
  form: [
    {
      kind: 'ceremony-type',
      path: 'policy.ceremonyType',
      id: 'policy-type',
      label: 'Ceremony type',
      initial: 'generate-cmk',
    },
    {
      kind: 'text',
      path: 'policy.quorum',
      id: 'policy-quorum',
      label: 'Approvals needed',
      hint: 'Never fewer than two for a ceremony touching a key or the officers.',
      initial: '2',
      number: { fallback: 2 },
    },
    { kind: 'roles', path: 'policy.roles', legend: 'Roles whose approvals count' },
  ],
  plan: z
    .object({
      ceremony: z.literal('change-policy'),
      officers: officersPresent,
      policy: z
        .object({
          // Checked against the policies store's types when planned (the registry cannot be imported here).
          ceremonyType: z.string().min(1).max(64),
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
    requireStillSelfGoverning(activeOfficers(workstation), (type) => workstation.policies().rule(type), {
      type: ceremonyType,
      policy,
    });
    return planChangePolicy(ceremonyType, current, next);
  },
});
