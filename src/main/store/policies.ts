/**
 * The quorum policy for each ceremony type: Keyward's defaults until a change-policy ceremony records
 * another. A ceremony that touches a CMK or the officers never needs fewer than two distinct officers.
 */
import { defaultPolicies, dualControlCeremonies, type CeremonyType } from '../../shared/ceremony-types';
import { KeywardError } from '../../shared/errors';
import {
  maxApprovalLifetimeHours,
  minimumCmkQuorum,
  officerRoles,
  type OfficerRole,
  type QuorumPolicy,
} from '../../shared/officers';
import type { AuditLog } from './audit-log';
import type { Db } from './database';
import type { Change } from './inventory';

export class Policies {
  constructor(
    private readonly db: Db,
    private readonly log: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get(type: CeremonyType): QuorumPolicy {
    const row = this.db
      .prepare('SELECT quorum, roles, approval_lifetime_hours FROM policies WHERE ceremony_type = ?')
      .get(type) as { quorum: number; roles: string; approval_lifetime_hours: number } | undefined;
    return row
      ? {
          quorum: row.quorum,
          roles: JSON.parse(row.roles) as OfficerRole[],
          approvalLifetimeHours: row.approval_lifetime_hours,
        }
      : defaultPolicies[type];
  }

  /** Records a policy decided in a change-policy ceremony (the engine checks that ceremony's own quorum). */
  set(type: CeremonyType, policy: QuorumPolicy, change: Change): QuorumPolicy {
    const roles = [...new Set(policy.roles)];
    const previous = this.get(type);
    // Validated inside the audited change, so a refused policy is on record as a failure.
    this.log.record(
      {
        actors: change.actors,
        action: 'policy.change',
        subject: type,
        details: {
          from: {
            quorum: previous.quorum,
            roles: previous.roles,
            approvalLifetimeHours: previous.approvalLifetimeHours,
          },
          to: { quorum: policy.quorum, roles, approvalLifetimeHours: policy.approvalLifetimeHours },
          ceremony: change.ceremony,
        },
      },
      () => {
        if (!Number.isInteger(policy.quorum) || policy.quorum < 1 || policy.quorum > 16)
          throw new KeywardError(
            'INVALID_REQUEST',
            'A quorum is a whole number of officers from 1 to 16.',
            'Check the policy.',
          );
        if (dualControlCeremonies.includes(type) && policy.quorum < minimumCmkQuorum) {
          throw new KeywardError(
            'INVALID_REQUEST',
            `A ${type} ceremony needs at least ${minimumCmkQuorum} distinct officers; Keyward does not allow a lower quorum.`,
            `Set a quorum of ${minimumCmkQuorum} or more.`,
          );
        }
        if (roles.length === 0 || roles.some((r) => !officerRoles.includes(r)))
          throw new KeywardError(
            'INVALID_REQUEST',
            'A policy names at least one role, from security-officer, key-custodian and auditor.',
            'Check the roles.',
          );
        if (
          !Number.isInteger(policy.approvalLifetimeHours) ||
          policy.approvalLifetimeHours < 1 ||
          policy.approvalLifetimeHours > maxApprovalLifetimeHours
        ) {
          throw new KeywardError(
            'INVALID_REQUEST',
            `An approval lifetime is a whole number of hours from 1 to ${maxApprovalLifetimeHours}.`,
            'Check the policy.',
          );
        }
        this.db
          .prepare(
            'INSERT INTO policies (ceremony_type, quorum, roles, approval_lifetime_hours, changed_at, changed_ceremony) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ceremony_type) DO UPDATE SET quorum = excluded.quorum, roles = excluded.roles, approval_lifetime_hours = excluded.approval_lifetime_hours, changed_at = excluded.changed_at, changed_ceremony = excluded.changed_ceremony',
          )
          .run(
            type,
            policy.quorum,
            JSON.stringify(roles),
            policy.approvalLifetimeHours,
            this.now().toISOString(),
            change.ceremony,
          );
      },
    );
    return this.get(type);
  }
}
