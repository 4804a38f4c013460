/**
 * Ceremonies with a provider: importing its wrapping key onto the token (the security officer marks it
 * trusted; the officers compare its fingerprint read aloud as words) and exporting a key version to it
 * as a signed upload bundle. The export step's digest is the bundle's own step digest, so the approvals
 * the officers give are the ones the connected side verifies in the manifest.
 */
import type { StepValue } from '../../shared/ceremonies';
import { KeywardError } from '../../shared/errors';
import { hexGroups, pgpWordsOf } from '../../shared/fingerprint';
import {
  providerIds,
  providerNames,
  wrapAlgorithms,
  type ProviderId,
  type ProviderImport,
  type WrapAlgorithm,
} from '../../shared/providers';
import {
  exportBundle,
  planExport,
  type ExportPlanRequest,
  type PlanningContext as ExportPlanningContext,
} from '../bundles/export-bundle';
import { wrappingKeyRecord } from '../providers/import-wrapping-key';
import type { WrappingKeys } from '../store/wrapping-keys';
import type { StepPlan } from './engine';
import { asSecurityOfficer, number, securityOfficerLogin, stale, text, type Params, type StepExecutor } from './steps';

/** A provider's import parameters as step parameters (JSON), and back. */
export function importToParams(params: ProviderImport): Record<string, StepValue> {
  return {
    provider: params.provider,
    wrappingKeySpki: Buffer.from(params.wrappingKeySpki).toString('base64'),
    wrappingKeyFingerprint: params.wrappingKeyFingerprint,
    modulusBits: params.modulusBits,
    sourceSha256: params.sourceSha256,
    algorithm: params.algorithm,
    providerAlgorithm: params.providerAlgorithm,
    deadline: params.deadline,
    importToken: params.importToken ? Buffer.from(params.importToken).toString('base64') : null,
    target: params.target,
  };
}

export function importFromParams(value: StepValue | undefined): ProviderImport {
  const p = (value ?? {}) as Params;
  const provider = text(p, 'provider') as ProviderId;
  const algorithm = text(p, 'algorithm') as WrapAlgorithm;
  if (!providerIds.includes(provider) || !wrapAlgorithms.includes(algorithm)) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `This ceremony step's plan names a provider (${provider}) or wrapping algorithm (${algorithm}) Keyward does not know; nothing was done.`,
      'Abort this ceremony and plan it again with this version of Keyward.',
    );
  }
  const token = p.importToken;
  return {
    provider,
    wrappingKeySpki: Buffer.from(text(p, 'wrappingKeySpki'), 'base64'),
    wrappingKeyFingerprint: text(p, 'wrappingKeyFingerprint'),
    modulusBits: number(p, 'modulusBits'),
    sourceSha256: text(p, 'sourceSha256'),
    algorithm,
    providerAlgorithm: text(p, 'providerAlgorithm'),
    deadline: typeof p.deadline === 'string' ? p.deadline : null,
    ...(typeof token === 'string' ? { importToken: Buffer.from(token, 'base64') } : {}),
    target: (p.target ?? {}) as Record<string, string>,
  };
}

const timeLeft = (deadline: string | null, now: Date): string => {
  if (!deadline) return 'the provider gives no deadline';
  const minutes = Math.floor((new Date(deadline).getTime() - now.getTime()) / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min left before the provider's deadline (${deadline})`;
};

export function planImportWrappingKey(
  wrappingKeys: WrappingKeys,
  params: ProviderImport,
  label: string,
  now = new Date(),
): { title: string; steps: StepPlan[] } {
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
      {
        action: 'import-wrapping-key',
        description: `Import the provider's RSA-${params.modulusBits} wrapping key as a trusted, wrap-only token object labelled "${label}". Compare its SHA-256 fingerprint, read aloud, with the provider's console: ${hexGroups(params.wrappingKeyFingerprint)} / ${words}. ${timeLeft(params.deadline, now)}.`,
        params: { label, import: importToParams(params) },
        sensitive: true,
      },
    ],
  };
}

const activeWrappingKey = (wrappingKeys: WrappingKeys, fingerprint: string) =>
  wrappingKeys.list().find((k) => k.fingerprint === fingerprint && k.state === 'active');

export interface ExportKeyRequest {
  keyName: string;
  version: number;
  params: ProviderImport;
  destination: { parent: string; drive: string };
}

/** The export request a step's parameters describe, as planned. */
function exportRequestOf(params: Params, ceremonyId: string): ExportPlanRequest {
  return {
    keyName: text(params, 'keyName'),
    version: number(params, 'version'),
    wrappingKeyId: text(params, 'wrappingKeyId'),
    params: importFromParams(params.import),
    ceremonyId,
    destination: { parent: text(params, 'parent'), drive: text(params, 'drive') },
  };
}

/** The export step's digest is the bundle's step digest, so it needs the ceremony id before planning. */
export function planExportKey(
  context: ExportPlanningContext,
  ceremonyId: string,
  request: ExportKeyRequest,
): { title: string; steps: StepPlan[]; timeLeftMs: number | null } {
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
      {
        action: 'export-bundle',
        description: `Wrap ${key.name} v${key.version} (${key.spec}, KCV ${key.kcv.toUpperCase()}) with ${wrapping.algorithm} under the ${providerNames[request.params.provider]} wrapping key "${wrappingKey.label}" (${hexGroups(wrapping.wrappingKeyFingerprint.slice(0, 16))}…), and write the signed bundle to ${request.destination.parent} on the drive ${request.destination.drive}. ${timeLeft(wrapping.deadline, context.now?.() ?? new Date())}.`,
        params: {
          keyName: key.name,
          version: key.version,
          wrappingKeyId: wrappingKey.id,
          import: importToParams(request.params),
          parent: request.destination.parent,
          drive: request.destination.drive,
        },
        sensitive: true,
        digest: plan.stepDigest,
      },
    ],
  };
}

export const providerSteps: Record<string, StepExecutor> = {
  'import-wrapping-key': {
    inputs: () => securityOfficerLogin,
    undoInputs: () => securityOfficerLogin,
    creates: (params) => [text(params, 'label')],
    stillHolds: (context, params) => {
      const existing = activeWrappingKey(context.wrappingKeys, importFromParams(params.import).wrappingKeyFingerprint);
      if (existing) throw stale(`this wrapping key is already on the token ("${existing.label}")`);
    },
    run: (context, params) => {
      const providerImport = importFromParams(params.import);
      const label = text(params, 'label');
      // Only the security officer can mark the key trusted.
      return asSecurityOfficer(context, async () => {
        const imported = await context.client.request('importWrappingKey', {
          uri: context.uri,
          id: context.objectId(label),
          label,
          spki: providerImport.wrappingKeySpki,
          fingerprint: providerImport.wrappingKeyFingerprint,
        });
        return { tokenObjectId: imported.id, fingerprint: imported.fingerprint, modulusBits: imported.modulusBits };
      });
    },
    commit: (context, params, result) => {
      const record = context.wrappingKeys.add(
        wrappingKeyRecord(
          importFromParams(params.import),
          text(params, 'label'),
          context.tokenSerial,
          text(result, 'tokenObjectId'),
        ),
        { actors: context.actors, ceremony: context.ceremonyId },
      );
      result.wrappingKeyId = record.id;
    },
    // The key is the one the signed plan reserved: the CKA_ID comes from the plan, never from the step's stored result.
    undo: async (context, params, result) => {
      await asSecurityOfficer(context, () =>
        context.destroyObject(context.objectId(text(params, 'label')), 'the ceremony that imported it was aborted'),
      );
      context.wrappingKeys.setState(text(result, 'wrappingKeyId'), 'destroyed', {
        actors: context.actors,
        ceremony: context.ceremonyId,
      });
    },
    stillUndoable: (context, params, result) => {
      const record = context.wrappingKeys.list().find((k) => k.id === result.wrappingKeyId);
      if (!record || record.state !== 'active' || record.importedCeremony !== context.ceremonyId) {
        throw stale(
          `the wrapping key "${text(params, 'label')}" this ceremony imported is ${record ? record.state : 'missing'} now`,
        );
      }
    },
  },
  'export-bundle': {
    // A bundle written may already have been copied: it cannot be taken back.
    takesEffect: true,
    handsOut: (params) => [{ name: text(params, 'keyName'), version: number(params, 'version') }],
    inputs: (params) => (importFromParams(params.import).algorithm.startsWith('RSA_AES') ? securityOfficerLogin : []),
    stillHolds: (context, params) => {
      try {
        planExport(context, exportRequestOf(params, context.ceremonyId));
      } catch (error) {
        if (error instanceof KeywardError && error.code === 'INVALID_REQUEST')
          throw stale(error.message.replace(/\.$/, ''));
        throw error;
      }
    },
    digest: (context, params) => planExport(context, exportRequestOf(params, context.ceremonyId)).stepDigest,
    run: async (context, params) => {
      const providerImport = importFromParams(params.import);
      if (providerImport.algorithm.startsWith('RSA_AES')) {
        // The composed RSA-AES wrap's ephemeral key is marked trusted by the security officer.
        await asSecurityOfficer(context, () => context.client.request('prepareRsaAesWrap', { uri: context.uri }));
      }
      const result = await exportBundle(context, {
        ...exportRequestOf(params, context.ceremonyId),
        policy: context.policy,
        approvals: context.approvals,
        actors: context.actors,
      });
      return { folder: result.folder, bundleId: result.manifest.bundleId, manifestSha256: result.manifestSha256 };
    },
    // Recorded with the step's completion: a bundle whose step was rolled back is removed, never recorded.
    commit: (context, params, result) => {
      context.bundles.record(
        {
          keyName: text(params, 'keyName'),
          keyVersion: number(params, 'version'),
          provider: importFromParams(params.import).provider,
          wrappingKeyId: text(params, 'wrappingKeyId'),
          manifestSha256: text(result, 'manifestSha256'),
          drive: text(params, 'drive'),
          path: text(result, 'folder'),
        },
        { actors: context.actors, ceremony: context.ceremonyId },
      );
    },
  },
};
