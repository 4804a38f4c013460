/** Suspending an officer, reinstating a suspended one, or unlocking one locked out by wrong passphrases. */
import { z } from 'zod';
import { defineCeremony, officerName, officersPresent, securityOfficerQuorum } from '../ceremony-type';
import { planOfficerState, setOfficerState } from '../officer-steps';

export const suspendOfficer = defineCeremony({
  type: 'suspend-officer',
  title: 'Suspend, reinstate or unlock an officer',
  description: "Nobody's approval counts for their own standing.",
  policy: securityOfficerQuorum,
  dualControl: true,
  form: [
    { kind: 'officer', path: 'officer', id: 'officer-subject', label: 'Officer', showState: true },
    {
      kind: 'choice',
      path: 'change',
      id: 'officer-change',
      label: 'Change',
      options: [
        { value: 'suspend', label: 'Suspend' },
        { value: 'reinstate', label: 'Reinstate' },
        { value: 'unlock', label: 'Unlock after wrong passphrases' },
      ],
      initial: 'suspend',
    },
  ],
  plan: z
    .object({
      ceremony: z.literal('suspend-officer'),
      officers: officersPresent,
      officer: officerName,
      change: z.enum(['suspend', 'reinstate', 'unlock']).default('suspend'),
    })
    .strict(),
  steps: [setOfficerState],
  build: ({ officer, change }, { workstation }) => planOfficerState(workstation.officers(), officer, change),
});
