/**
 * Ceremonies about the officers and the rules: enrolling an officer (they choose their passphrase during
 * the step; it is never part of the plan), suspending, removing or unlocking one, changing a quorum
 * policy, and exporting the audit log. Each is decided by a quorum like any other ceremony.
 */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { KeywardError } from '../../shared/errors';
import {
  officerIdPattern,
  officerRoles,
  officerStates,
  roleNames,
  rolesInWords,
  type OfficerState,
  type QuorumPolicy,
} from '../../shared/officers';
import { verifyAuditTrail, writeAnchoredCheckpoint } from '../audit/anchor';
import { prepareEnrolment } from '../officers/enrolment';
import { describeChange, governanceLost, type GoverningChange } from '../officers/founding';
import { certificateFileOf, exportAudit, signatureFileOf } from '../store/audit-export';
import { publicKeyFingerprint } from '../store/identity';
import type { NewOfficer, Officers } from '../store/officers';
import type { Planned } from './ceremony-type';
import { defineStep, stale, type PlanningContext, type Result } from './steps';

export const policyWords = (p: QuorumPolicy): string =>
  `${p.quorum} of ${rolesInWords(p.roles)}, approvals standing ${p.approvalLifetimeHours} h`;

const policyParams = z.object({
  quorum: z.number().int().min(1).max(16),
  roles: z.array(z.enum(officerRoles)).min(1),
  approvalLifetimeHours: z.number().int().min(1),
});

const samePolicy = (a: QuorumPolicy, b: QuorumPolicy): boolean =>
  a.quorum === b.quorum &&
  a.approvalLifetimeHours === b.approvalLifetimeHours &&
  [...a.roles].sort().join() === [...b.roles].sort().join();

/** An enrolment prepared by its step's run, recorded by its commit (the same result object): never recorded if the step does not complete. */
/** Checked again when the step runs: other ceremonies may have removed officers or changed policies since it was planned. */
function requireGovernanceKept(context: PlanningContext, change: GoverningChange): void {
  const active = context.officers.list().filter((o) => o.state === 'active');
  const lost = governanceLost(active, (type) => context.policies.rule(type), change);
  if (lost.length)
    throw stale(
      `${describeChange(change)} would now leave the workstation's officers unable to govern it with one of them locked out: ${lost.join(' ').replace(/\.$/, '')}`,
    );
}

const preparedEnrolments = new WeakMap<Result, NewOfficer>();

const officerId = z.string().regex(officerIdPattern);
export const officerChanges = ['suspend', 'remove', 'reinstate', 'unlock'] as const;

export const enrolOfficer = defineStep({
  action: 'enrol-officer',
  params: z.object({ id: officerId, displayName: z.string().min(1), role: z.enum(officerRoles) }),
  // Not an effect that stands on its own: an enrolment counts once its ceremony completes, so any abort
  // before then (one officer's included) removes the officer it enrolled. An aborted enrolment leaves no officer.
  inputs: () => ['new-passphrase'],
  stillHolds: (context, params) => {
    if (context.officers.list().some((o) => o.id === params.id))
      throw stale(`an officer named "${params.id}" is enrolled now`);
  },
  run: async (context, params) => {
    const { id, displayName, role } = params;
    const passphrase = await context.newPassphrase(id);
    const prepared = await prepareEnrolment(
      { signer: context.signer, certificateDer: context.certificateDer },
      { id, displayName, role, passphrase },
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
    if (context.officers.get(params.id).state !== 'removed')
      context.officers.setState(params.id, 'removed', { actors: context.actors, ceremony: context.ceremonyId });
    return Promise.resolve();
  },
});

export const setOfficerState = defineStep({
  action: 'set-officer-state',
  params: z.object({
    id: officerId,
    change: z.enum(officerChanges),
    /** The state the change sets (none for an unlock, which keeps it). */
    state: z.enum(officerStates).nullable(),
    from: z.enum(officerStates),
    // Plans made before the lock-out was shown in them carry no `locked`: read as not locked, as then.
    locked: z.boolean().default(false),
  }),
  takesEffect: true,
  stillHolds: (context, params) => {
    const { id } = params;
    const officer = context.officers.list().find((o) => o.id === id);
    if (!officer || officer.state !== params.from || (officer.lockedSince !== null) !== params.locked) {
      throw stale(
        `${id} is now ${officer ? `${officer.state}${officer.lockedSince ? ', locked out' : ''}` : 'not enrolled'}, not as the plan showed`,
      );
    }
    if (params.state === 'removed') requireGovernanceKept(context, { removing: id });
  },
  run: (context, params) => {
    const { id } = params;
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
    const { id } = params;
    const change = { actors: context.actors, ceremony: context.ceremonyId };
    if (params.change === 'unlock' || params.state === null) context.officers.unlock(id, change);
    else context.officers.setState(id, params.state, change);
  },
});

const policyOf = ({ quorum, roles, approvalLifetimeHours }: QuorumPolicy): QuorumPolicy => ({
  quorum,
  roles,
  approvalLifetimeHours,
});

export const setPolicy = defineStep({
  action: 'set-policy',
  params: policyParams.extend({ ceremonyType: z.string().min(1).max(64), from: policyParams }),
  takesEffect: true,
  stillHolds: (context, params) => {
    const type = params.ceremonyType;
    if (!samePolicy(context.policies.get(type), params.from))
      throw stale(`the ${type} policy is now ${policyWords(context.policies.get(type))}, not what the plan showed`);
    requireGovernanceKept(context, { type, policy: policyOf(params) });
  },
  run: () => Promise.resolve({}),
  commit: (context, params) => {
    context.policies.set(params.ceremonyType, policyOf(params), {
      actors: context.actors,
      ceremony: context.ceremonyId,
    });
  },
  undo: (context, params) => {
    context.policies.set(params.ceremonyType, policyOf(params.from), {
      actors: context.actors,
      ceremony: context.ceremonyId,
    });
    return Promise.resolve();
  },
  // Putting the old policy back over a newer one would undo another ceremony's change.
  stillUndoable: (context, params) => {
    const type = params.ceremonyType;
    if (!samePolicy(context.policies.get(type), policyOf(params)))
      throw stale(
        `the ${type} policy is now ${policyWords(context.policies.get(type))}, no longer the one this ceremony set`,
      );
  },
});

export const exportAuditLog = defineStep({
  action: 'export-audit',
  params: z.object({ out: z.string().min(1) }),
  takesEffect: true,
  writes: ({ out }) => [out, signatureFileOf(out), certificateFileOf(out)],
  run: async (context, params) => {
    const { out } = params;
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
      file: out,
      sha256: written.sha256,
      entries: written.entries,
      signerFingerprint: written.signerFingerprint,
    };
  },
});

/** Suspending, reinstating, unlocking (suspend-officer) or removing (remove-officer) an officer. */
export function planOfficerState(officers: Officers, id: string, change: (typeof officerChanges)[number]): Planned {
  const officer = officers.get(id);
  const state: OfficerState | null =
    change === 'suspend' ? 'suspended' : change === 'remove' ? 'removed' : change === 'reinstate' ? 'active' : null;
  const words = { suspend: 'Suspend', remove: 'Remove', reinstate: 'Reinstate', unlock: 'Unlock' }[change];
  return {
    title: `${words} officer ${id}`,
    steps: [
      setOfficerState.plan(
        `${words} ${officer.displayName} (${id}, ${roleNames[officer.role]}, now ${officer.state}${officer.lockedSince ? ', locked out' : ''})`,
        { id, change, state, from: officer.state, locked: officer.lockedSince !== null },
      ),
    ],
  };
}
