/**
 * The quorum policy for each ceremony type: the type's default (its declaration, given as `rules`) until a
 * change-policy ceremony records another. A ceremony that touches a CMK or the officers never needs fewer
 * than two distinct officers.
 */
import { quorumNeeded, type CeremonyRule } from '../../shared/ceremony-types';
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
    /** Each ceremony type's default policy and dual control (src/main/ceremonies/catalogue.ts). */
    private readonly rules: Readonly<Record<string, CeremonyRule>>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The ceremony types there are, in the order the app offers them. */
  types(): string[] {
    return Object.keys(this.rules);
  }

  /** The type's rule: its policy now and whether it is under dual control. */
  rule(type: string): CeremonyRule {
    return { policy: this.get(type), dualControl: this.defaults(type).dualControl };
  }

  /** The approvals a step of the type needs now. */
  quorumNeeded(type: string): number {
    return quorumNeeded(this.rule(type));
  }

  get(type: string): QuorumPolicy {
    const defaults = this.defaults(type);
    const row = this.db
      .prepare('SELECT quorum, roles, approval_lifetime_hours FROM policies WHERE ceremony_type = ?')
      .get(type) as { quorum: number; roles: string; approval_lifetime_hours: number } | undefined;
    return row
      ? {
          quorum: row.quorum,
          roles: JSON.parse(row.roles) as OfficerRole[],
          approvalLifetimeHours: row.approval_lifetime_hours,
        }
      : defaults.policy;
  }

  /** Records a policy decided in a change-policy ceremony (the engine checks that ceremony's own quorum). */
  set(type: string, policy: QuorumPolicy, change: Change): QuorumPolicy {
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
        if (this.defaults(type).dualControl && policy.quorum < minimumCmkQuorum) {
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

  private defaults(type: string): CeremonyRule {
    const rule = Object.hasOwn(this.rules, type) ? this.rules[type] : undefined;
    if (!rule)
      throw new KeywardError(
        'PLAN_INVALID',
        `"${type}" is not a ceremony type Keyward knows.`,
        `Name one of ${this.types().join(', ')}.`,
      );
    return rule;
  }
}
