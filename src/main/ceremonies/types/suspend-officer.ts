/** Suspending an officer, reinstating a suspended one, or unlocking one locked out by wrong passphrases. */
import { z } from 'zod';
import { defineCeremony, officerName, officersPresent } from '../ceremony-type';
import { planOfficerState, setOfficerState } from '../officer-steps';

export const suspendOfficer = defineCeremony({
  type: 'suspend-officer',
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
