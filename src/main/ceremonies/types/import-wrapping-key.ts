/**
 * Importing a provider's wrapping key onto the token: the security officer marks it trusted and wrap-only;
 * the officers compare its fingerprint, read aloud as words, with the provider's console.
 */
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { hexGroups, pgpWordsOf } from '../../../shared/fingerprint';
import { providerNames, wrapMethods, type ProviderImport } from '../../../shared/providers';
import { deadlineText } from '../../../shared/time-text';
import { wraps, wrapsWithRfc5649 } from '../../../shared/token-needs';
import { providerForms } from '../../providers/registry';
import type { WrappingKeys } from '../../store/wrapping-keys';
import { cmkQuorum, defineCeremony, officersPresent, type Planned } from '../ceremony-type';
import {
  activeWrappingKey,
  importWrappingKey as importStep,
  importToParams,
  providerImportOf,
  providerPlan,
} from '../provider-steps';

export function planImportWrappingKey(
  wrappingKeys: WrappingKeys,
  params: ProviderImport,
  label: string,
  now = new Date(),
): Planned {
  const existing = activeWrappingKey(wrappingKeys, params.wrappingKeyFingerprint);
  if (existing)
    throw new KeywardError(
      'INVALID_REQUEST',
      `This ${providerNames[params.provider]} wrapping key is already on the token ("${existing.label}").`,
      'Export with it directly in an export ceremony.',
    );
  const words = pgpWordsOf(params.wrappingKeyFingerprint).join(' ');
  return {
    title: `Import the ${providerNames[params.provider]} wrapping key "${label}"`,
    steps: [
      importStep.plan(
        `Import the provider's RSA-${params.modulusBits} wrapping key as a trusted, wrap-only token object labelled "${label}". Compare its SHA-256 fingerprint, read aloud, with the provider's console: ${hexGroups(params.wrappingKeyFingerprint)} / ${words}. ${deadlineText(params.deadline, now)}.`,
        { label, import: importToParams(params) },
      ),
    ],
  };
}

export const importWrappingKey = defineCeremony({
  type: 'import-wrapping-key',
  title: "Import a provider's wrapping key",
  description:
    "The provider's public wrapping key, read from a drive; the officers compare its fingerprint with the provider's console, read aloud.",
  policy: cmkQuorum,
  dualControl: true,
  cmk: true,
  form: [
    {
      kind: 'text',
      path: 'label',
      id: 'wrapping-label',
      label: 'Label on the token',
      hint: 'For example: AWS import 2026-11',
    },
    { kind: 'provider', providers: providerForms },
  ],
  plan: z
    .object({
      ceremony: z.literal('import-wrapping-key'),
      officers: officersPresent,
      label: z.string().min(1).max(64),
      ...providerPlan,
    })
    .strict(),
  steps: [importStep],
  build: async (plan, { workstation, place }) => {
    const params = providerImportOf(plan, place);
    // A key the token could never wrap with is not imported (tpm2-pkcs11's OAEP neither wraps nor unwraps).
    await workstation.hsm.requireCapable('import-wrapping-key', [
      wraps(params.algorithm),
      ...(wrapMethods[params.algorithm].kind === 'rsa-aes' ? [wrapsWithRfc5649] : []),
    ]);
    return planImportWrappingKey(workstation.wrappingKeys(), params, plan.label);
  },
});
