/** Enabling a disabled key version again: active, or decrypt-only. */
import { z } from 'zod';
import { cmkQuorum, defineCeremony, keyVersion, officersPresent } from '../ceremony-type';
import { planSetVersionState, setVersionState } from '../lifecycle-steps';

export const enableKey = defineCeremony({
  type: 'enable-key',
  title: 'Enable a key version',
  description: 'A disabled version becomes active or decrypt-only again.',
  policy: cmkQuorum,
  dualControl: true,
  form: [
    { kind: 'key-version', path: 'key' },
    {
      kind: 'choice',
      path: 'state',
      id: 'enable-state',
      label: 'New state',
      options: [
        { value: 'active', label: 'Active' },
        { value: 'decrypt-only', label: 'Decrypt only' },
      ],
      initial: 'active',
    },
  ],
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
