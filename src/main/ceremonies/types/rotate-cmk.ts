/** Rotating a key: a new version generated and made active; the previous one keeps decrypting old data. */
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { cmkSpecWords } from '../../../shared/keys';
import { generates } from '../../../shared/token-needs';
import type { Inventory } from '../../store/inventory';
import { cmkQuorum, defineCeremony, officersPresent, type Planned } from '../ceremony-type';
import { activateVersion, cmkProtectionWords } from '../key-version-steps';
import { generateVersion, rotationReasons, type RotationReason } from '../lifecycle-steps';

export function planRotateCmk(inventory: Inventory, keyName: string, reason: RotationReason): Planned {
  const key = inventory.get(keyName);
  const active = key.versions.find((v) => v.state === 'active');
  if (!active)
    throw new KeywardError(
      'INVALID_REQUEST',
      `${keyName} has no active version to rotate.`,
      'Activate a version first, or generate the key.',
    );
  const next = (key.versions.at(-1)?.version ?? 0) + 1;
  const label = `${keyName} v${next}`;
  return {
    title: `Rotate ${keyName} (${reason}): version ${next} replaces version ${active.version}`,
    steps: [
      generateVersion.plan(
        `Generate "${label}", ${cmkSpecWords[key.spec]}, inside the HSM, with every CMK protection (${cmkProtectionWords}), as version ${next} of ${keyName} while version ${active.version} is active`,
        { keyName, spec: key.spec, label, reason, version: next, fromVersion: active.version },
      ),
      activateVersion.plan(
        `Make "${label}" the active version; version ${active.version} (KCV ${active.kcv.toUpperCase()}) becomes decrypt-only`,
        { keyName, version: next, fromVersion: active.version },
      ),
    ],
  };
}

export const rotateCmk = defineCeremony({
  type: 'rotate-cmk',
  title: 'Rotate a key',
  description: 'A new version becomes active; the previous one decrypts only.',
  policy: cmkQuorum,
  dualControl: true,
  cmk: true,
  form: [
    { kind: 'key', path: 'key.name', id: 'rotate-key', label: 'Key' },
    {
      kind: 'choice',
      path: 'reason',
      id: 'reason',
      label: 'Reason',
      options: [
        { value: 'due', label: 'Rotation is due' },
        { value: 'manual', label: 'Manual rotation' },
        { value: 'forced', label: 'Forced (suspected compromise)' },
      ],
      initial: 'due',
    },
  ],
  plan: z
    .object({
      ceremony: z.literal('rotate-cmk'),
      officers: officersPresent,
      key: z.object({ name: z.string().min(1).max(100) }).strict(),
      reason: z.enum(rotationReasons),
    })
    .strict(),
  steps: [generateVersion, activateVersion],
  build: async (plan, { workstation }) => {
    await workstation.hsm.requireCapable('rotate-cmk', [generates(workstation.inventory().get(plan.key.name).spec)]);
    return planRotateCmk(workstation.inventory(), plan.key.name, plan.reason);
  },
});
