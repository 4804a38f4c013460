/**
 * Generating a CMK: the key made in the token (approved by the quorum) and recorded as version 1,
 * pending; then activated (approved again). The engine ends it with a signed checkpoint.
 */
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { cmkSpecs, type CmkSpec } from '../../../shared/keys';
import type { Inventory } from '../../store/inventory';
import { defineCeremony, officersPresent, type Planned } from '../ceremony-type';
import { activateVersion, cmkProtectionWords, generateKey } from '../key-version-steps';

export interface NewCmk {
  keyName: string;
  purpose: string;
  provider: string | null;
  spec: CmkSpec;
  rotationDays: number;
}

export function planGenerateCmk(inventory: Inventory, request: NewCmk): Planned {
  if (!cmkSpecs.includes(request.spec))
    throw new KeywardError(
      'INVALID_REQUEST',
      `${request.spec} is not a key type Keyward generates.`,
      `Choose one of ${cmkSpecs.join(', ')}.`,
    );
  if (inventory.list().some((k) => k.name === request.keyName)) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `The inventory already has a key named "${request.keyName}".`,
      'Choose another name, or rotate the existing key in a rotation ceremony.',
    );
  }
  const label = `${request.keyName} v1`;
  return {
    title: `Generate ${request.spec} key "${request.keyName}"`,
    steps: [
      generateKey.plan(
        `Generate ${request.spec} key "${label}" inside the HSM for ${request.purpose}${request.provider ? ` (provider: ${request.provider})` : ''}, rotated every ${request.rotationDays} days, with every CMK protection (${cmkProtectionWords})`,
        { ...request, label },
      ),
      activateVersion.plan(`Make "${label}" the active version of ${request.keyName} (it has none yet)`, {
        keyName: request.keyName,
        version: 1,
        fromVersion: null,
      }),
    ],
  };
}

export const generateCmk = defineCeremony({
  type: 'generate-cmk',
  plan: z
    .object({
      ceremony: z.literal('generate-cmk'),
      officers: officersPresent,
      key: z
        .object({
          name: z.string().min(1).max(100),
          purpose: z.string().min(1).max(200),
          provider: z.string().min(1).max(50).nullable().default(null),
          spec: z.enum(cmkSpecs).default('AES_256'),
          rotationDays: z.number().int().min(1).max(3650).default(365),
        })
        .strict(),
    })
    .strict(),
  steps: [generateKey, activateVersion],
  build: ({ key }, { workstation }) =>
    planGenerateCmk(workstation.inventory(), {
      keyName: key.name,
      purpose: key.purpose,
      provider: key.provider,
      spec: key.spec,
      rotationDays: key.rotationDays,
    }),
});
