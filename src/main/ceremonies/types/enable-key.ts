/** Enabling a disabled key version again: active, or decrypt-only. */
import { z } from 'zod';
import { defineCeremony, keyVersion, officersPresent } from '../ceremony-type';
import { planSetVersionState, setVersionState } from '../lifecycle-steps';

export const enableKey = defineCeremony({
  type: 'enable-key',
  plan: z
    .object({
      ceremony: z.literal('enable-key'),
      officers: officersPresent,
      key: keyVersion,
      state: z.enum(['active', 'decrypt-only']),
    })
    .strict(),
  steps: [setVersionState],
  build: ({ key, state }, { workstation }) =>
    planSetVersionState(workstation.inventory(), key.name, key.version, state),
});
