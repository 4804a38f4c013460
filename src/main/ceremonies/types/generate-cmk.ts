/**
 * Generating a CMK: the key made in the token (approved by the quorum) and recorded as version 1,
 * pending; then activated (approved again). The engine ends it with a signed checkpoint.
 */
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { cmkSpecs, cmkSpecWords, type CmkSpec } from '../../../shared/keys';
import { providerIds, providerNames } from '../../../shared/providers';
import { generates } from '../../../shared/token-needs';
import { keyTypeRefused, providerOptions } from '../../providers/registry';
import type { Inventory } from '../../store/inventory';
import { cmkQuorum, defineCeremony, officersPresent, type Planned } from '../ceremony-type';
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
  // A key made for a provider that never imports its type could never be handed over: refused now.
  const provider = providerIds.find((p) => p === request.provider);
  const refused = provider ? keyTypeRefused(provider, request.spec) : undefined;
  if (refused)
    throw new KeywardError(
      'INVALID_REQUEST',
      `${cmkSpecWords[request.spec]} cannot be made for this provider: ${refused}.`,
      'Choose a key type the provider imports, or another provider.',
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
    title: `Generate key "${request.keyName}" (${cmkSpecWords[request.spec]})`,
    steps: [
      generateKey.plan(
        `Generate "${label}", ${cmkSpecWords[request.spec]}, inside the HSM for ${request.purpose}${provider ? ` (provider: ${providerNames[provider]})` : ''}, rotated every ${request.rotationDays} days, with every CMK protection (${cmkProtectionWords})`,
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
  title: 'Generate a key (CMK)',
  description:
    'A new customer master key generated inside the HSM; its key check value is recorded for every later comparison.',
  policy: cmkQuorum,
  dualControl: true,
  cmk: true,
  form: [
    { kind: 'text', path: 'key.name', id: 'key-name', label: 'Key name' },
    {
      kind: 'text',
      path: 'key.purpose',
      id: 'purpose',
      label: 'Purpose',
      hint: 'What the key protects, for the record.',
    },
    {
      kind: 'choice',
      path: 'key.spec',
      id: 'cmk-spec',
      label: 'Key type',
      options: cmkSpecs.map((s) => ({ value: s, label: cmkSpecWords[s], generates: s })),
      initial: 'AES_256',
    },
    {
      kind: 'choice',
      path: 'key.provider',
      id: 'cmk-provider',
      label: 'Provider',
      options: [{ value: '', label: 'None yet' }, ...providerOptions],
      initial: 'aws-kms',
      empty: 'null',
      specFrom: 'key.spec',
    },
    {
      kind: 'text',
      path: 'key.rotationDays',
      id: 'rotation-days',
      label: 'Rotate every (days)',
      initial: '365',
      number: { fallback: 365 },
    },
  ],
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
  build: async ({ key }, { workstation }) => {
    await workstation.hsm.requireCapable('generate-cmk', [generates(key.spec)]);
    return planGenerateCmk(workstation.inventory(), {
      keyName: key.name,
      purpose: key.purpose,
      provider: key.provider,
      spec: key.spec,
      rotationDays: key.rotationDays,
    });
  },
});
