/**
 * Removing an officer: they can no longer check in or approve (names are never reused). Refused when the
 * officers left could not govern the workstation (src/main/officers/founding.ts).
 */
import { z } from 'zod';
import { requireStillSelfGoverning } from '../../officers/founding';
import { activeOfficers, defineCeremony, officerName, officersPresent, securityOfficerQuorum } from '../ceremony-type';
import { planOfficerState, setOfficerState } from '../officer-steps';

export const removeOfficer = defineCeremony({
  type: 'remove-officer',
  title: 'Remove an officer',
  description: 'The officer can no longer check in or approve. Names are never reused.',
  policy: securityOfficerQuorum,
  dualControl: true,
  form: [{ kind: 'officer', path: 'officer', id: 'officer-remove', label: 'Officer' }],
  plan: z.object({ ceremony: z.literal('remove-officer'), officers: officersPresent, officer: officerName }).strict(),
  steps: [setOfficerState],
  build: ({ officer }, { workstation }) => {
    requireStillSelfGoverning(activeOfficers(workstation), (type) => workstation.policies().rule(type), {
      removing: officer,
    });
    return planOfficerState(workstation.officers(), officer, 'remove');
  },
});
