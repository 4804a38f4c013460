/**
 * Enrolling an officer: their approval key made and certified by the workstation key; they choose their
 * passphrase during the step (it is never part of the plan).
 */
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { officerRoles, roleLabels, roleNames, type OfficerRole } from '../../../shared/officers';
import type { Officers } from '../../store/officers';
import { defineCeremony, officerName, officersPresent, securityOfficerQuorum, type Planned } from '../ceremony-type';
import { enrolOfficer as enrolStep } from '../officer-steps';

export function planEnrolOfficer(officers: Officers, id: string, displayName: string, role: OfficerRole): Planned {
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
      enrolStep.plan(
        `Enrol ${displayName} as officer "${id}" with the role ${roleNames[role]}: their approval key is made and certified by the workstation key; they choose their passphrase now`,
        { id, displayName, role },
      ),
    ],
  };
}

export const enrolOfficer = defineCeremony({
  type: 'enrol-officer',
  title: 'Enrol an officer',
  description: 'A new officer chooses a passphrase; their approval key is certified by the workstation.',
  policy: securityOfficerQuorum,
  dualControl: true,
  form: [
    { kind: 'text', path: 'officer.name', id: 'officer-display', label: 'Full name', hint: 'Kept as typed.' },
    {
      kind: 'text',
      path: 'officer.id',
      id: 'officer-id',
      label: 'Officer id',
      hint: 'Used to sign in and in the audit log: made from the full name; edit it if you wish (lower case letters, digits, dot, dash, underscore).',
      idFrom: 'officer.name',
    },
    {
      kind: 'choice',
      path: 'officer.role',
      id: 'officer-role',
      label: 'Role',
      options: officerRoles.map((r) => ({ value: r, label: roleLabels[r] })),
      initial: 'key-custodian',
    },
  ],
  plan: z
    .object({
      ceremony: z.literal('enrol-officer'),
      officers: officersPresent,
      officer: z.object({ id: officerName, name: z.string().min(1).max(100), role: z.enum(officerRoles) }).strict(),
    })
    .strict(),
  steps: [enrolStep],
  build: ({ officer }, { workstation }) =>
    planEnrolOfficer(workstation.officers(), officer.id, officer.name, officer.role),
});
