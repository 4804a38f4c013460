/**
 * Ceremonies about the officers and the rules: enrolling an officer (they choose their passphrase during
 * the step; it is never part of the plan), suspending, removing or unlocking one, changing a quorum
 * policy, and exporting the audit log. Each is decided by a quorum like any other ceremony.
 */
import { X509Certificate } from 'node:crypto';
import type { StepValue } from '../../shared/ceremonies';
import { KeywardError } from '../../shared/errors';
import {
  officerRoles,
  roleNames,
  rolesInWords,
  type CeremonyType,
  type OfficerRole,
  type OfficerState,
  type QuorumPolicy,
} from '../../shared/officers';
import { verifyAuditTrail, writeAnchoredCheckpoint } from '../audit/anchor';
import { prepareEnrolment } from '../officers/enrolment';
import { describeChange, governanceLost, type GoverningChange } from '../officers/founding';
import { assertExportTargetsFree, certificateFileOf, exportAudit, signatureFileOf } from '../store/audit-export';
import { publicKeyFingerprint } from '../store/identity';
import type { NewOfficer, Officers } from '../store/officers';
import type { StepPlan } from './engine';
import { number, stale, text, type Params, type PlanningContext, type Result, type StepExecutor } from './steps';

export function planEnrolOfficer(
  officers: Officers,
  id: string,
  displayName: string,
  role: OfficerRole,
): { title: string; steps: StepPlan[] } {
  if (officers.list().some((o) => o.id === id))
    throw new KeywardError(
      'INVALID_REQUEST',
      `An officer named "${id}" is already enrolled (officer names are never reused).`,
      'Choose another officer name.',
    );
  if (!officerRoles.includes(role))
    throw new KeywardError('INVALID_REQUEST', `${role} is not a role.`, `Choose one of ${officerRoles.join(', ')}.`);
  return {
    title: `Enrol ${displayName} (${id}) as ${roleNames[role]}`,
    steps: [
      {
        action: 'enrol-officer',
        description: `Enrol ${displayName} as officer "${id}" with the role ${roleNames[role]}: their approval key is made and certified by the workstation key; they choose their passphrase now`,
        params: { id, displayName, role },
        sensitive: true,
      },
    ],
  };
}

export function planOfficerState(
  officers: Officers,
  id: string,
  change: 'suspend' | 'remove' | 'reinstate' | 'unlock',
): { title: string; steps: StepPlan[] } {
  const officer = officers.get(id);
  const state: OfficerState | null =
    change === 'suspend' ? 'suspended' : change === 'remove' ? 'removed' : change === 'reinstate' ? 'active' : null;
  const words = { suspend: 'Suspend', remove: 'Remove', reinstate: 'Reinstate', unlock: 'Unlock' }[change];
  return {
    title: `${words} officer ${id}`,
    steps: [
      {
        action: 'set-officer-state',
        description: `${words} ${officer.displayName} (${id}, ${roleNames[officer.role]}, now ${officer.state}${officer.lockedSince ? ', locked out' : ''})`,
        params: { id, change, state, from: officer.state, locked: officer.lockedSince !== null },
        sensitive: true,
      },
    ],
  };
}

const policyWords = (p: QuorumPolicy): string =>
  `${p.quorum} of ${rolesInWords(p.roles)}, approvals standing ${p.approvalLifetimeHours} h`;

export function planChangePolicy(
  type: CeremonyType,
  current: QuorumPolicy,
  next: Omit<QuorumPolicy, 'approvalLifetimeHours'> & { approvalLifetimeHours?: number },
): { title: string; steps: StepPlan[] } {
  const policy: QuorumPolicy = {
    ...next,
    approvalLifetimeHours: next.approvalLifetimeHours ?? current.approvalLifetimeHours,
  };
  return {
    title: `Change the quorum policy of ${type} ceremonies`,
    steps: [
      {
        action: 'set-policy',
        description: `${type}: from ${policyWords(current)} to ${policyWords(policy)}`,
        params: {
          ceremonyType: type,
          quorum: policy.quorum,
          roles: policy.roles,
          approvalLifetimeHours: policy.approvalLifetimeHours,
          from: { quorum: current.quorum, roles: current.roles, approvalLifetimeHours: current.approvalLifetimeHours },
        },
        sensitive: true,
      },
    ],
  };
}

export function planExportAudit(out: string): { title: string; steps: StepPlan[] } {
  // Refused when planned, before any officer checks in, rather than when the step runs.
  assertExportTargetsFree(out);
  return {
    title: 'Export the audit log',
    steps: [
      {
        action: 'export-audit',
        description: `Write the audit log, its checkpoints, a detached signature by the workstation key and its certificate to ${out}`,
        params: { out },
        sensitive: true,
      },
    ],
  };
}

const policyOf = (value: StepValue | undefined): QuorumPolicy => {
  const p = (value ?? {}) as Params;
  return {
    quorum: number(p, 'quorum'),
    roles: (Array.isArray(p.roles) ? p.roles : []) as OfficerRole[],
    approvalLifetimeHours: number(p, 'approvalLifetimeHours'),
  };
};

const samePolicy = (a: QuorumPolicy, b: QuorumPolicy): boolean =>
  a.quorum === b.quorum &&
  a.approvalLifetimeHours === b.approvalLifetimeHours &&
  [...a.roles].sort().join() === [...b.roles].sort().join();

/** An enrolment prepared by its step's run, recorded by its commit (the same result object): never recorded if the step does not complete. */
/** Checked again when the step runs: other ceremonies may have removed officers or changed policies since it was planned. */
function requireGovernanceKept(context: PlanningContext, change: GoverningChange): void {
  const active = context.officers.list().filter((o) => o.state === 'active');
  const lost = governanceLost(active, (type) => context.policies.get(type), change);
  if (lost.length)
    throw stale(
      `${describeChange(change)} would now leave the workstation's officers unable to govern it with one of them locked out: ${lost.join(' ').replace(/\.$/, '')}`,
    );
}

const preparedEnrolments = new WeakMap<Result, NewOfficer>();

export const officerSteps: Record<string, StepExecutor> = {
  'enrol-officer': {
    // Not an effect that stands on its own: an enrolment counts once its ceremony completes, so any abort
    // before then (one officer's included) removes the officer it enrolled. An aborted enrolment leaves no officer.
    inputs: () => ['new-passphrase'],
    stillHolds: (context, params) => {
      if (context.officers.list().some((o) => o.id === text(params, 'id')))
        throw stale(`an officer named "${text(params, 'id')}" is enrolled now`);
    },
    run: async (context, params) => {
      const id = text(params, 'id');
      const passphrase = await context.newPassphrase(id);
      const prepared = await prepareEnrolment(
        { signer: context.signer, certificateDer: context.certificateDer },
        { id, displayName: text(params, 'displayName'), role: text(params, 'role') as OfficerRole, passphrase },
      );
      const result: Result = {
        officer: id,
        approvalKeyFingerprint: publicKeyFingerprint(
          new X509Certificate(Buffer.from(prepared.certificateDer)).publicKey.export({ type: 'spki', format: 'der' }),
        ),
      };
      preparedEnrolments.set(result, prepared);
      return result;
    },
    commit: (context, _params, result) => {
      const prepared = preparedEnrolments.get(result);
      if (!prepared)
        throw new KeywardError(
          'INTERNAL',
          'The enrolment prepared in this step is gone; nobody was enrolled.',
          'Run the step again.',
        );
      context.officers.add(prepared, { actors: context.actors, ceremony: context.ceremonyId });
    },
    // The officer enrolled is removed (officers are never deleted, so the audit log's names keep their meaning).
    undo: (context, params) => {
      const id = text(params, 'id');
      if (context.officers.get(id).state !== 'removed')
        context.officers.setState(id, 'removed', { actors: context.actors, ceremony: context.ceremonyId });
      return Promise.resolve();
    },
  },
  'set-officer-state': {
    takesEffect: true,
    stillHolds: (context, params) => {
      const id = text(params, 'id');
      const officer = context.officers.list().find((o) => o.id === id);
      if (
        !officer ||
        officer.state !== text(params, 'from') ||
        (officer.lockedSince !== null) !== (params.locked === true)
      ) {
        throw stale(
          `${id} is now ${officer ? `${officer.state}${officer.lockedSince ? ', locked out' : ''}` : 'not enrolled'}, not as the plan showed`,
        );
      }
      if (params.state === 'removed') requireGovernanceKept(context, { removing: id });
    },
    run: (context, params) => {
      const id = text(params, 'id');
      if (context.actors.includes(id))
        return Promise.reject(
          new KeywardError(
            'QUORUM_NOT_MET',
            `${id} approved a change to their own standing; that approval does not count.`,
            'Other officers approve this step.',
          ),
        );
      return Promise.resolve({});
    },
    commit: (context, params) => {
      const id = text(params, 'id');
      const change = { actors: context.actors, ceremony: context.ceremonyId };
      if (text(params, 'change') === 'unlock') context.officers.unlock(id, change);
      else context.officers.setState(id, text(params, 'state') as OfficerState, change);
    },
  },
  'set-policy': {
    takesEffect: true,
    stillHolds: (context, params) => {
      const type = text(params, 'ceremonyType') as CeremonyType;
      if (!samePolicy(context.policies.get(type), policyOf(params.from)))
        throw stale(`the ${type} policy is now ${policyWords(context.policies.get(type))}, not what the plan showed`);
      requireGovernanceKept(context, { type, policy: policyOf(params) });
    },
    run: () => Promise.resolve({}),
    commit: (context, params) => {
      context.policies.set(text(params, 'ceremonyType') as CeremonyType, policyOf(params), {
        actors: context.actors,
        ceremony: context.ceremonyId,
      });
    },
    undo: (context, params) => {
      context.policies.set(text(params, 'ceremonyType') as CeremonyType, policyOf(params.from), {
        actors: context.actors,
        ceremony: context.ceremonyId,
      });
      return Promise.resolve();
    },
    // Putting the old policy back over a newer one would undo another ceremony's change.
    stillUndoable: (context, params) => {
      const type = text(params, 'ceremonyType') as CeremonyType;
      if (!samePolicy(context.policies.get(type), policyOf(params)))
        throw stale(
          `the ${type} policy is now ${policyWords(context.policies.get(type))}, no longer the one this ceremony set`,
        );
    },
  },
  'export-audit': {
    takesEffect: true,
    run: async (context, params) => {
      const out = text(params, 'out');
      for (const file of [out, signatureFileOf(out), certificateFileOf(out)]) context.claimOutput(file);
      await writeAnchoredCheckpoint(context, context.signer, context.anchor, context.actors);
      // The workstation key signs only a log that verifies in full, against its anchor in the HSM.
      const verified = await verifyAuditTrail(context.log, context.checkpoints, context.anchor, context.signer.spki);
      const anchor = await context.anchor.read();
      if (!verified.chain.ok || !verified.checkpoints.ok || !anchor) {
        throw new KeywardError(
          'AUDIT_REFUSED',
          `The audit log does not verify, so it is not exported under the workstation's signature: ${verified.chain.problem?.message ?? verified.checkpoints.problem?.message ?? 'its anchor is missing'}`,
          'Stop using this workstation for ceremonies, keep the database file as evidence, and inform the auditors.',
        );
      }
      const written = await exportAudit(
        context.log,
        context.checkpoints,
        out,
        { signer: context.signer, certificateDer: context.certificateDer },
        {
          checkpoint: anchor.checkpoint,
          checkpointHash: anchor.checkpointHash,
          headSeq: anchor.headSeq,
          headHash: anchor.headHash,
        },
      );
      return {
        file: text(params, 'out'),
        sha256: written.sha256,
        entries: written.entries,
        signerFingerprint: written.signerFingerprint,
      };
    },
  },
};
