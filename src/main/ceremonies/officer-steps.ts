/**
 * Ceremonies about the officers and the rules: enrolling an officer (they choose their passphrase during
 * the step; it is never part of the plan), suspending, removing or unlocking one, changing a quorum
 * policy, and exporting the audit log. Each is decided by a quorum like any other ceremony.
 */
import { KeywardError } from '../../shared/errors';
import { officerRoles, roleNames, rolesInWords, type CeremonyType, type OfficerRole, type OfficerState, type QuorumPolicy } from '../../shared/officers';
import { enrolOfficer } from '../officers/enrolment';
import { assertExportTargetsFree, certificateFileOf, exportAudit, signatureFileOf } from '../store/audit-export';
import type { Officers } from '../store/officers';
import type { StepPlan } from './engine';
import { number, text, type StepExecutor } from './steps';

export function planEnrolOfficer(officers: Officers, id: string, displayName: string, role: OfficerRole): { title: string; steps: StepPlan[] } {
  if (officers.list().some((o) => o.id === id)) throw new KeywardError('INVALID_REQUEST', `An officer named "${id}" is already enrolled (officer names are never reused).`, 'Choose another officer name.');
  if (!officerRoles.includes(role)) throw new KeywardError('INVALID_REQUEST', `${role} is not a role.`, `Choose one of ${officerRoles.join(', ')}.`);
  return {
    title: `Enrol ${displayName} (${id}) as ${roleNames[role]}`,
    steps: [{ action: 'enrol-officer', description: `Enrol ${displayName} as officer "${id}" with the role ${roleNames[role]}: their approval key is made and certified by the workstation key; they choose their passphrase now`, params: { id, displayName, role }, sensitive: true }],
  };
}

export function planOfficerState(officers: Officers, id: string, change: 'suspend' | 'remove' | 'reinstate' | 'unlock'): { title: string; steps: StepPlan[] } {
  const officer = officers.get(id);
  const state: OfficerState | null = change === 'suspend' ? 'suspended' : change === 'remove' ? 'removed' : change === 'reinstate' ? 'active' : null;
  const words = { suspend: 'Suspend', remove: 'Remove', reinstate: 'Reinstate', unlock: 'Unlock' }[change];
  return {
    title: `${words} officer ${id}`,
    steps: [{ action: 'set-officer-state', description: `${words} ${officer.displayName} (${id}, ${roleNames[officer.role]}, now ${officer.state}${officer.lockedSince ? ', locked out' : ''})`, params: { id, change, state }, sensitive: true }],
  };
}

export function planChangePolicy(type: CeremonyType, current: QuorumPolicy, next: QuorumPolicy): { title: string; steps: StepPlan[] } {
  return {
    title: `Change the quorum policy of ${type} ceremonies`,
    steps: [
      {
        action: 'set-policy',
        description: `${type}: from ${current.quorum} of ${rolesInWords(current.roles)} to ${next.quorum} of ${rolesInWords(next.roles)}`,
        params: { ceremonyType: type, quorum: next.quorum, roles: next.roles },
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
    steps: [{ action: 'export-audit', description: `Write the audit log, its checkpoints, a detached signature by the workstation key and its certificate to ${out}`, params: { out }, sensitive: true }],
  };
}

export const officerSteps: Record<string, StepExecutor> = {
  'enrol-officer': {
    inputs: () => ['new-passphrase'],
    run: async (context, params) => {
      const id = text(params, 'id');
      // Run again after an interruption: an officer this ceremony already enrolled is not enrolled twice.
      const existing = context.officers.list().find((o) => o.id === id);
      if (existing?.enrolledCeremony === context.ceremonyId) return { officer: id, approvalKeyFingerprint: existing.approvalKeyFingerprint };
      const passphrase = await context.newPassphrase(id);
      const record = await enrolOfficer(
        context.officers,
        { signer: context.signer, certificateDer: context.certificateDer },
        { id, displayName: text(params, 'displayName'), role: text(params, 'role') as OfficerRole, passphrase },
        { actors: context.actors, ceremony: context.ceremonyId },
      );
      return { officer: id, approvalKeyFingerprint: record.approvalKeyFingerprint };
    },
  },
  'set-officer-state': {
    run: (context, params) => {
      const id = text(params, 'id');
      if (context.actors.includes(id)) return Promise.reject(new KeywardError('QUORUM_NOT_MET', `${id} approved a change to their own standing; that approval does not count.`, 'Other officers approve this step.'));
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
    run: () => Promise.resolve({}),
    commit: (context, params) => {
      const roles = params.roles;
      context.policies.set(text(params, 'ceremonyType') as CeremonyType, { quorum: number(params, 'quorum'), roles: (Array.isArray(roles) ? roles : []) as OfficerRole[] }, { actors: context.actors, ceremony: context.ceremonyId });
    },
  },
  'export-audit': {
    run: async (context, params) => {
      const out = text(params, 'out');
      for (const file of [out, signatureFileOf(out), certificateFileOf(out)]) context.claimOutput(file);
      await context.checkpoints.write(context.signer, context.actors);
      const written = await exportAudit(context.log, context.checkpoints, text(params, 'out'), { signer: context.signer, certificateDer: context.certificateDer });
      return { file: text(params, 'out'), sha256: written.sha256, entries: written.entries, signerFingerprint: written.signerFingerprint };
    },
  },
};
