/**
 * Ceremonies with a provider: importing its wrapping key onto the token (the security officer marks it
 * trusted; the officers compare its fingerprint read aloud as words) and exporting a key version to it
 * as a signed upload bundle. The export step's digest is the bundle's own step digest, so the approvals
 * the officers give are the ones the connected side verifies in the manifest.
 */
import { z } from 'zod';
import { KeywardError } from '../../shared/errors';
import {
  providerIds,
  providerNames,
  wrapAlgorithms,
  type ProviderId,
  type ProviderImport,
} from '../../shared/providers';
import { isShareText } from '../../shared/share-files';
import { exportBundle, planExport, type ExportPlanRequest } from '../bundles/export-bundle';
import { readSmallFile } from '../files/read-small';
import { wrappingKeyRecord } from '../providers/import-wrapping-key';
import { readProviderImport } from '../providers/registry';
import { maxWrappingKeyFileBytes } from '../providers/wrapping-key-file';
import type { CeremonyStore } from '../store/ceremonies';
import type { WrappingKeys } from '../store/wrapping-keys';
import type { Place } from './ceremony-type';
import { asSecurityOfficer, defineStep, resultText, securityOfficerLogin, stale } from './steps';

/** What a plan with a provider names: the provider, its files (relative to the plan file) and its fields. */
export const providerPlan = {
  provider: z.enum(providerIds),
  files: z.object({ wrappingKey: z.string().min(1), importToken: z.string().min(1).optional() }).strict(),
  fields: z.record(z.string().max(64), z.union([z.string(), z.number()]).transform(String)).default({}),
};
type ProviderPlan = z.output<z.ZodObject<typeof providerPlan>>;
/** The files a provider's import is read from: its wrapping key, and AWS's import token. */
export type ProviderFiles = ProviderPlan['files'];

/** The provider's import parameters, read from the files the plan names and checked with its fields. */
export function providerImportOf(plan: ProviderPlan, place: Place): ProviderImport {
  const read = (name: string, what: string, field: string) => {
    const bytes = readSmallFile(place(name), maxWrappingKeyFileBytes, what);
    // A custodian's share picked by mistake: refused before it is parsed, hashed or recorded anywhere.
    if (isShareText(bytes))
      throw new KeywardError(
        'INVALID_REQUEST',
        `${name} is a custodian's backup key share, not the ${what}. Nothing of it was recorded.`,
        `Pick the ${what} instead. Give the share back to its custodian, who keeps it apart as your custody rules say.`,
        field,
      );
    return bytes;
  };
  const files = {
    wrappingKey: read(plan.files.wrappingKey, "provider's wrapping key file", 'files.wrappingKey'),
    ...(plan.files.importToken
      ? { importToken: read(plan.files.importToken, "provider's import token file", 'files.importToken') }
      : {}),
  };
  return readProviderImport(plan.provider, files, plan.fields);
}

/**
 * An export with a wrapping key already on the token: the import parameters its import ceremony planned
 * (and the officers compared and approved), read back from that ceremony, instead of its files again.
 */
export function importedProviderImport(
  wrappingKeys: WrappingKeys,
  ceremonies: Pick<CeremonyStore, 'status'>,
  provider: ProviderId,
  fingerprint: string,
): ProviderImport {
  const record = activeWrappingKey(wrappingKeys, fingerprint);
  if (!record || record.provider !== provider)
    throw new KeywardError(
      'INVALID_REQUEST',
      `No usable ${providerNames[provider]} wrapping key with the fingerprint ${fingerprint.slice(0, 16)}… is on the token.`,
      "Choose one of the imported wrapping keys the form lists, or read the provider's wrapping key file from a drive.",
      'wrappingKey',
    );
  const planned = record.importedCeremony
    ? ceremonies.status(record.importedCeremony).plan.steps.find((s) => s.action === 'import-wrapping-key')
    : undefined;
  const parsed = importParams.safeParse(planned?.params.import);
  if (!parsed.success || parsed.data.wrappingKeyFingerprint !== fingerprint)
    throw new KeywardError(
      'INVALID_REQUEST',
      `The wrapping key "${record.label}" has no import ceremony recorded with its parameters, so they cannot be reused.`,
      "Read the provider's wrapping key file (and its import token) from a drive instead.",
      'wrappingKey',
    );
  return importFromParams(parsed.data);
}

/** A provider's import parameters as step parameters (JSON: bytes in base64). */
const importParams = z.object({
  provider: z.enum(providerIds),
  wrappingKeySpki: z.base64(),
  wrappingKeyFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  modulusBits: z.number().int().min(1),
  sourceSha256: z.string(),
  algorithm: z.enum(wrapAlgorithms),
  providerAlgorithm: z.string(),
  deadline: z.string().nullable().default(null),
  importToken: z.base64().nullable().default(null),
  target: z.record(z.string(), z.string()).default({}),
});
type ImportParams = z.output<typeof importParams>;

/** A provider's import parameters as step parameters, and back. */
export function importToParams(params: ProviderImport): ImportParams {
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

export function importFromParams(p: ImportParams): ProviderImport {
  return {
    provider: p.provider,
    wrappingKeySpki: Buffer.from(p.wrappingKeySpki, 'base64'),
    wrappingKeyFingerprint: p.wrappingKeyFingerprint,
    modulusBits: p.modulusBits,
    sourceSha256: p.sourceSha256,
    algorithm: p.algorithm,
    providerAlgorithm: p.providerAlgorithm,
    deadline: p.deadline,
    ...(p.importToken !== null ? { importToken: Buffer.from(p.importToken, 'base64') } : {}),
    target: p.target,
  };
}

export const activeWrappingKey = (wrappingKeys: WrappingKeys, fingerprint: string) =>
  wrappingKeys.list().find((k) => k.fingerprint === fingerprint && k.state === 'active');

/** The export request a step's parameters describe, as planned. */
function exportRequestOf(params: ExportParams, ceremonyId: string): ExportPlanRequest {
  return {
    keyName: params.keyName,
    version: params.version,
    wrappingKeyId: params.wrappingKeyId,
    params: importFromParams(params.import),
    ceremonyId,
    destination: { parent: params.parent, drive: params.drive },
  };
}

export const importWrappingKey = defineStep({
  action: 'import-wrapping-key',
  params: z.object({ label: z.string().min(1), import: importParams }),
  inputs: () => securityOfficerLogin,
  undoInputs: () => securityOfficerLogin,
  creates: (params) => [params.label],
  stillHolds: (context, params) => {
    const existing = activeWrappingKey(context.wrappingKeys, importFromParams(params.import).wrappingKeyFingerprint);
    if (existing) throw stale(`this wrapping key is already on the token ("${existing.label}")`);
  },
  run: (context, params) => {
    const providerImport = importFromParams(params.import);
    const { label } = params;
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
        params.label,
        context.tokenSerial,
        resultText(result, 'tokenObjectId'),
      ),
      { actors: context.actors, ceremony: context.ceremonyId },
    );
    result.wrappingKeyId = record.id;
  },
  // The key is the one the signed plan reserved: the CKA_ID comes from the plan, never from the step's stored result.
  undo: async (context, params, result) => {
    await asSecurityOfficer(context, () =>
      context.destroyObject(context.objectId(params.label), 'the ceremony that imported it was aborted'),
    );
    context.wrappingKeys.setState(resultText(result, 'wrappingKeyId'), 'destroyed', {
      actors: context.actors,
      ceremony: context.ceremonyId,
    });
  },
  stillUndoable: (context, params, result) => {
    const record = context.wrappingKeys.list().find((k) => k.id === result.wrappingKeyId);
    if (!record || record.state !== 'active' || record.importedCeremony !== context.ceremonyId) {
      throw stale(
        `the wrapping key "${params.label}" this ceremony imported is ${record ? record.state : 'missing'} now`,
      );
    }
  },
});

const exportParams = z.object({
  keyName: z.string().min(1),
  version: z.number().int().min(1),
  wrappingKeyId: z.string().min(1),
  import: importParams,
  parent: z.string().min(1),
  drive: z.string().min(1),
});
type ExportParams = z.output<typeof exportParams>;

export const exportKeyBundle = defineStep({
  action: 'export-bundle',
  params: exportParams,
  // A bundle written may already have been copied: it cannot be taken back.
  takesEffect: true,
  handsOut: (params) => [{ name: params.keyName, version: params.version }],
  writes: (params) => [params.parent],
  inputs: (params) => (importFromParams(params.import).algorithm.startsWith('RSA_AES') ? securityOfficerLogin : []),
  stillHolds: (context, params) => {
    try {
      planExport(context, exportRequestOf(params, context.ceremonyId));
    } catch (error) {
      if (error instanceof KeywardError && (error.code === 'INVALID_REQUEST' || error.code === 'NOT_IN_INVENTORY'))
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
    return {
      folder: result.folder,
      bundleId: result.manifest.bundleId,
      manifestSha256: result.manifestSha256,
      ...(result.selfTestFinding ? { selfTestFinding: result.selfTestFinding } : {}),
    };
  },
  // Recorded with the step's completion: a bundle whose step was rolled back is removed, never recorded.
  commit: (context, params, result) => {
    context.bundles.record(
      {
        keyName: params.keyName,
        keyVersion: params.version,
        provider: params.import.provider,
        wrappingKeyId: params.wrappingKeyId,
        manifestSha256: resultText(result, 'manifestSha256'),
        drive: params.drive,
        path: resultText(result, 'folder'),
      },
      { actors: context.actors, ceremony: context.ceremonyId },
    );
  },
});
