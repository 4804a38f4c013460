/**
 * Exporting a key version to a provider: wrapped in the token under the provider's trusted wrapping key
 * and written as a signed upload bundle to a drive. The step's digest is the bundle's own step digest, so
 * the approvals the officers give are the ones the connected side verifies in the manifest.
 */
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { hexGroups } from '../../../shared/fingerprint';
import { cmkSpecWords } from '../../../shared/keys';
import { providerNames, wrapMethods, type ProviderId, type ProviderImport } from '../../../shared/providers';
import { deadlineText } from '../../../shared/time-text';
import { wraps, wrapsExactly, wrapsWithRfc5649 } from '../../../shared/token-needs';
import { planExport, type PlanningContext as ExportPlanningContext } from '../../bundles/export-bundle';
import { providerForms } from '../../providers/registry';
import {
  cmkQuorum,
  defineCeremony,
  officersPresent,
  type Place,
  type Planned,
  type PlanningInput,
} from '../ceremony-type';
import {
  exportKeyBundle,
  importedProviderImport,
  importToParams,
  providerImportOf,
  providerPlan,
  type ProviderFiles,
} from '../provider-steps';

export interface ExportKeyRequest {
  keyName: string;
  version: number;
  params: ProviderImport;
  destination: { parent: string; drive: string };
}

/** What the bundle names at the provider, in the plan's words: "keyId 1234…, importAs new-key-material". */
const targetWords = (target: Record<string, string>): string =>
  Object.entries(target)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ') || 'nothing more to name';

/** The export step's digest is the bundle's step digest, so it needs the ceremony id before planning. */
export function planExportKey(
  context: ExportPlanningContext,
  ceremonyId: string,
  request: ExportKeyRequest,
): Planned & { timeLeftMs: number | null } {
  const wrappingKey = context.wrappingKeys
    .list()
    .find(
      (k) =>
        k.fingerprint === request.params.wrappingKeyFingerprint &&
        k.provider === request.params.provider &&
        k.state === 'active',
    );
  if (!wrappingKey) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `The ${providerNames[request.params.provider]} wrapping key ${hexGroups(request.params.wrappingKeyFingerprint.slice(0, 16))}… is not on the token.`,
      'Import it first, in an import-wrapping-key ceremony.',
    );
  }
  const plan = planExport(context, {
    keyName: request.keyName,
    version: request.version,
    wrappingKeyId: wrappingKey.id,
    params: request.params,
    ceremonyId,
    destination: request.destination,
  });
  const { key, wrapping } = plan.step;
  return {
    title: `Export ${key.name} version ${key.version} to ${providerNames[request.params.provider]}`,
    timeLeftMs: plan.timeLeftMs,
    steps: [
      exportKeyBundle.plan(
        `Wrap ${key.name} v${key.version} (${cmkSpecWords[key.spec]}, KCV ${key.kcv.toUpperCase()}) with ${wrapping.algorithm} under the ${providerNames[request.params.provider]} wrapping key "${wrappingKey.label}" (${hexGroups(wrapping.wrappingKeyFingerprint.slice(0, 16))}…), and write the signed bundle to ${request.destination.parent} on the drive ${request.destination.drive}. At ${providerNames[request.params.provider]}: ${targetWords(plan.step.target)}. ${deadlineText(wrapping.deadline, context.now?.() ?? new Date())}.`,
        {
          keyName: key.name,
          version: key.version,
          wrappingKeyId: wrappingKey.id,
          import: importToParams(plan.params),
          parent: request.destination.parent,
          drive: request.destination.drive,
        },
        plan.stepDigest,
      ),
    ],
  };
}

/** The import parameters an export uses: those of the imported wrapping key it names, or read from the files it names. */
function exportImportOf(
  plan: { provider: ProviderId; files?: ProviderFiles; wrappingKey?: string; fields: Record<string, string> },
  workstation: PlanningInput['workstation'],
  place: Place,
): ProviderImport {
  if (plan.wrappingKey && plan.files)
    throw new KeywardError(
      'INVALID_REQUEST',
      "The plan names both an imported wrapping key and the provider's files: an export uses one of them.",
      'Keep the imported wrapping key (wrappingKey), or the files, not both.',
      'wrappingKey',
    );
  if (plan.wrappingKey && Object.keys(plan.fields).length)
    throw new KeywardError(
      'INVALID_REQUEST',
      `The plan gives provider fields (${Object.keys(plan.fields).join(', ')}) with an imported wrapping key, whose import already set them: they would not be used.`,
      'Leave the fields out to use the values the wrapping key was imported with, or give the files instead of the imported key.',
      'fields',
    );
  if (plan.wrappingKey)
    return importedProviderImport(
      workstation.wrappingKeys(),
      workstation.ceremonies(),
      plan.provider,
      plan.wrappingKey,
    );
  if (!plan.files)
    throw new KeywardError(
      'INVALID_REQUEST',
      "The provider's wrapping key file: nothing was given, and no imported wrapping key was chosen.",
      "Choose a wrapping key already on the token, or the provider's wrapping key file on a drive.",
      'files.wrappingKey',
    );
  return providerImportOf({ ...plan, files: plan.files }, place);
}

export const exportKey = defineCeremony({
  type: 'export-key',
  title: 'Export a key to a provider',
  description:
    'Wrap a key version for the provider and write the signed upload bundle to a drive; it is read back and verified.',
  policy: cmkQuorum,
  dualControl: true,
  cmk: true,
  form: [
    { kind: 'key-version', path: 'key' },
    { kind: 'provider', providers: providerForms, imported: true },
    { kind: 'drive', path: 'destination.folder', label: 'Drive for the upload bundle', drivePath: 'destination.drive' },
  ],
  plan: z
    .object({
      ceremony: z.literal('export-key'),
      officers: officersPresent,
      key: z.object({ name: z.string().min(1).max(100), version: z.number().int().min(1) }).strict(),
      ...providerPlan,
      // Either the provider's files again, or the fingerprint of a wrapping key already imported for it.
      files: providerPlan.files.optional(),
      wrappingKey: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'a wrapping key fingerprint is 64 lower-case hexadecimal digits')
        .optional(),
      destination: z.object({ folder: z.string().min(1), drive: z.string().min(1).max(100) }).strict(),
    })
    .strict(),
  steps: [exportKeyBundle],
  build: async (plan, { workstation, place, id }) => {
    const params = exportImportOf(plan, workstation, place);
    // What the token cannot do is said first, whether or not the inventory holds the key (planning says that next).
    const spec = workstation
      .inventory()
      .list()
      .find((k) => k.name === plan.key.name)?.spec;
    await workstation.hsm.requireCapable('export-key', [
      wraps(params.algorithm, spec),
      ...(wrapMethods[params.algorithm].kind === 'rsa-aes'
        ? [wrapsWithRfc5649, ...(spec ? [wrapsExactly(spec)] : [])]
        : []),
    ]);
    return planExportKey({ inventory: workstation.inventory(), wrappingKeys: workstation.wrappingKeys() }, id, {
      keyName: plan.key.name,
      version: plan.key.version,
      params,
      destination: { parent: place(plan.destination.folder), drive: plan.destination.drive },
    });
  },
});
