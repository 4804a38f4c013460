/**
 * The initialisation: the workstation's signing key made in the HSM and the founding officers enrolled.
 * It has no steps to approve (nobody could approve them yet); the CLI and the app run it through
 * Workstation.initialise, under the founding rule (src/shared/founding.ts).
 */
import { z } from 'zod';
import { signingKeySpecs } from '../../../shared/keys';
import { officerRoles } from '../../../shared/officers';
import { defineCeremony, everyRoleQuorum, officerName } from '../ceremony-type';

export const initialiseWorkstation = defineCeremony({
  type: 'initialise-workstation',
  title: 'Initialise the workstation',
  description:
    "The workstation's signing key generated in the HSM and the founding officers enrolled; every later ceremony is approved by them.",
  // Nobody is enrolled yet: the founding officers are all present, and the founding rule (shared/founding.ts) applies.
  policy: everyRoleQuorum,
  dualControl: false,
  plan: z
    .object({
      ceremony: z.literal('initialise-workstation'),
      workstation: z
        .object({
          organization: z.string().min(1).max(64),
          name: z.string().min(1).max(64),
          signingKey: z.enum(signingKeySpecs).default('ECDSA_P384'),
        })
        .strict(),
      founding: z
        .array(z.object({ id: officerName, name: z.string().min(1).max(100), role: z.enum(officerRoles) }).strict())
        .min(2, 'name at least two founding officers'),
    })
    .strict(),
  // Nobody is enrolled yet: the founding officers are the ones present.
  present: (plan) => plan.founding.map((officer) => officer.id),
  steps: [],
});
