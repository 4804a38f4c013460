/** Disabling a key version: it stays in the HSM but may not be used until enabled again. */
import { z } from 'zod';
import { cmkQuorum, defineCeremony, keyVersion, officersPresent } from '../ceremony-type';
import { planSetVersionState, setVersionState } from '../lifecycle-steps';

export const disableKey = defineCeremony({
  type: 'disable-key',
  title: 'Disable a key version',
  description: 'The version stays in the HSM but may not be used until enabled again.',
  policy: cmkQuorum,
  dualControl: true,
  form: [{ kind: 'key-version', path: 'key' }],
  plan: z.object({ ceremony: z.literal('disable-key'), officers: officersPresent, key: keyVersion }).strict(),
  steps: [setVersionState],
  build: ({ key }, { workstation }) => planSetVersionState(workstation.inventory(), key.name, key.version, 'disabled'),
});
