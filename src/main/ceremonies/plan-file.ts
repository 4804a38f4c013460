/**
 * Ceremony plan files for scripted ceremonies (`keyward ceremony run PLAN.yaml`), and the answers file
 * that may supply PIN parts and passphrases on the rehearsal token only. Both are validated before
 * anything runs, with the line of each problem.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { KeywardError } from '../../shared/errors';
import { cmkSpecs, signingKeySpecs, type SigningKeySpec } from '../../shared/keys';
import {
  ceremonyTypes,
  maxApprovalLifetimeHours,
  officerIdPattern,
  officerRoles,
  type CeremonyType,
  type OfficerRole,
  type QuorumPolicy,
} from '../../shared/officers';
import { parseTokenUri } from '../../shared/pkcs11-uri';
import { providerIds, type ProviderId } from '../../shared/providers';
import type { NewCmk } from './generate-cmk';
import { checkPlanChecksum, type PlanChecksum } from './plan-checksum';

const officerName = z.string().regex(officerIdPattern, 'an officer name');

const generateCmkPlan = z
  .object({
    ceremony: z.literal('generate-cmk'),
    officers: z.array(officerName).min(2, 'name at least two officers who will be present'),
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
  .strict();

const providerFiles = z.object({ wrappingKey: z.string().min(1), importToken: z.string().min(1).optional() }).strict();
const providerFields = z.record(z.string().max(64), z.union([z.string(), z.number()]).transform(String));

const importWrappingKeyPlan = z
  .object({
    ceremony: z.literal('import-wrapping-key'),
    officers: z.array(officerName).min(2, 'name at least two officers who will be present'),
    provider: z.enum(providerIds),
    label: z.string().min(1).max(64),
    files: providerFiles,
    fields: providerFields.default({}),
  })
  .strict();

const exportKeyPlan = z
  .object({
    ceremony: z.literal('export-key'),
    officers: z.array(officerName).min(2, 'name at least two officers who will be present'),
    key: z.object({ name: z.string().min(1).max(100), version: z.number().int().min(1) }).strict(),
    provider: z.enum(providerIds),
    files: providerFiles,
    fields: providerFields.default({}),
    destination: z.object({ folder: z.string().min(1), drive: z.string().min(1).max(100) }).strict(),
  })
  .strict();

const officersPresent = z.array(officerName).min(2, 'name at least two officers who will be present');
const keyVersion = z.object({ name: z.string().min(1).max(100), version: z.number().int().min(1) }).strict();
const rotatePlan = z
  .object({
    ceremony: z.literal('rotate-cmk'),
    officers: officersPresent,
    key: z.object({ name: z.string().min(1).max(100) }).strict(),
    reason: z.enum(['due', 'manual', 'forced']),
  })
  .strict();
const disablePlan = z
  .object({ ceremony: z.literal('disable-key'), officers: officersPresent, key: keyVersion })
  .strict();
const enablePlan = z
  .object({
    ceremony: z.literal('enable-key'),
    officers: officersPresent,
    key: keyVersion,
    state: z.enum(['active', 'decrypt-only']),
  })
  .strict();
const destroyPlan = z
  .object({
    ceremony: z.literal('destroy-key'),
    officers: officersPresent,
    key: keyVersion,
    destination: z.object({ folder: z.string().min(1) }).strict(),
  })
  .strict();

const enrolPlan = z
  .object({
    ceremony: z.literal('enrol-officer'),
    officers: officersPresent,
    officer: z.object({ id: officerName, name: z.string().min(1).max(100), role: z.enum(officerRoles) }).strict(),
  })
  .strict();
const officerStatePlan = z
  .object({
    ceremony: z.enum(['suspend-officer', 'remove-officer']),
    officers: officersPresent,
    officer: officerName,
    change: z.enum(['suspend', 'reinstate', 'unlock']).optional(),
  })
  .strict();
const policyPlan = z
  .object({
    ceremony: z.literal('change-policy'),
    officers: officersPresent,
    policy: z
      .object({
        ceremonyType: z.enum(ceremonyTypes),
        quorum: z.number().int().min(1).max(16),
        roles: z.array(z.enum(officerRoles)).min(1),
        approvalLifetimeHours: z.number().int().min(1).max(maxApprovalLifetimeHours).optional(),
      })
      .strict(),
  })
  .strict();
const exportAuditPlan = z
  .object({ ceremony: z.literal('export-audit'), officers: z.array(officerName).min(1), file: z.string().min(1) })
  .strict();
const changeHsmPlan = z
  .object({
    ceremony: z.literal('change-hsm'),
    officers: officersPresent,
    hsm: z
      .object({
        module: z
          .string()
          .min(1)
          .max(4096)
          .refine((p) => p.startsWith('/'), 'the module is a full path (starting with /)'),
        token: z.string().min(1).max(2048),
      })
      .strict(),
  })
  .strict();

const versionList = z.array(keyVersion).min(1);
const backupPlan = z
  .object({
    ceremony: z.literal('backup'),
    officers: officersPresent,
    keys: versionList,
    threshold: z.number().int().min(2).max(16),
    package: z.string().min(1),
    shares: z.array(z.string().min(1)).min(2).max(16),
  })
  .strict();
const restorePlan = z
  .object({ ceremony: z.literal('restore'), officers: officersPresent, package: z.string().min(1), keys: versionList })
  .strict();

const initialisePlan = z
  .object({
    ceremony: z.literal('initialise-workstation'),
    workstation: z
      .object({
        organization: z.string().min(1).max(64),
        name: z.string().min(1).max(64),
        signingKey: z.enum(signingKeySpecs).default('ECDSA_P384'),
      })
      .strict(),
    founding: z
      .array(z.object({ id: officerName, name: z.string().min(1).max(100), role: z.enum(officerRoles) }).strict())
      .min(2, 'name at least two founding officers'),
  })
  .strict();

/** Files named relative to the plan file. */
export interface ProviderFiles {
  wrappingKey: string;
  importToken?: string;
}

export type PlanFile =
  | { type: 'generate-cmk'; officers: string[]; request: NewCmk }
  | {
      type: 'import-wrapping-key';
      officers: string[];
      provider: ProviderId;
      label: string;
      files: ProviderFiles;
      fields: Record<string, string>;
    }
  | {
      type: 'export-key';
      officers: string[];
      key: { name: string; version: number };
      provider: ProviderId;
      files: ProviderFiles;
      fields: Record<string, string>;
      destination: { folder: string; drive: string };
    }
  | { type: 'rotate-cmk'; officers: string[]; keyName: string; reason: 'due' | 'manual' | 'forced' }
  | {
      type: 'disable-key' | 'enable-key';
      officers: string[];
      keyName: string;
      version: number;
      state: 'disabled' | 'active' | 'decrypt-only';
    }
  | { type: 'destroy-key'; officers: string[]; keyName: string; version: number; folder: string }
  | { type: 'enrol-officer'; officers: string[]; officer: { id: string; name: string; role: OfficerRole } }
  | {
      type: 'suspend-officer' | 'remove-officer';
      officers: string[];
      officer: string;
      change: 'suspend' | 'remove' | 'reinstate' | 'unlock';
    }
  | {
      type: 'change-policy';
      officers: string[];
      ceremonyType: CeremonyType;
      policy: Omit<QuorumPolicy, 'approvalLifetimeHours'> & { approvalLifetimeHours?: number };
    }
  | { type: 'export-audit'; officers: string[]; file: string }
  | { type: 'change-hsm'; officers: string[]; modulePath: string; tokenUri: string }
  | {
      type: 'backup';
      officers: string[];
      keys: { name: string; version: number }[];
      threshold: number;
      packageFolder: string;
      shareFolders: string[];
    }
  | { type: 'restore'; officers: string[]; packageFolder: string; keys: { name: string; version: number }[] }
  | {
      type: 'initialise-workstation';
      officers: string[];
      organization: string;
      name: string;
      signingKey: SigningKeySpec;
      founding: { id: string; name: string; role: OfficerRole }[];
    };

export const answersSchema = z
  .object({
    pinParts: z.array(z.string().min(1)).min(1).max(8),
    soPinParts: z.array(z.string().min(1)).min(1).max(8).optional(),
    /** Share files of a backup, relative to the answers file. */
    shareFiles: z.array(z.string().min(1)).max(16).optional(),
    passphrases: z.record(officerName, z.string().min(1)),
  })
  .strict();
export type Answers = z.infer<typeof answersSchema>;

/** No plan, answers or share file is larger than this. */
export const maxPlanFileBytes = 64 * 1024;

/** Where a plan came from: a plan file (named) or the app's ceremony form. */
export type PlanSource = { file: string } | { form: true };

function refuse(source: PlanSource | string, why: string): KeywardError {
  if (typeof source === 'object' && 'form' in source)
    return new KeywardError(
      'INVALID_REQUEST',
      `The ceremony form was refused: ${why}.`,
      'Correct the highlighted value and plan the ceremony again.',
    );
  const file = typeof source === 'string' ? source : source.file;
  return new KeywardError(
    'INVALID_REQUEST',
    `The plan file ${file} was refused: ${why}.`,
    'Correct the file (see the examples in docs/ceremonies) and run it again.',
  );
}

function load(file: string, text: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [error] = document.errors;
  if (error) throw refuse(file, `it is not valid YAML (${error.message.split('\n')[0] ?? ''})`);
  try {
    // maxAliasCount bounds alias expansion (a "billion laughs" file is refused, not expanded).
    return document.toJS({ maxAliasCount: 50 }) as unknown;
  } catch (error) {
    throw refuse(
      file,
      `it is not valid YAML (${error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'unreadable'})`,
    );
  }
}

/** The ceremony types a plan file can run. */
export const scripted = [
  'initialise-workstation',
  'generate-cmk',
  'import-wrapping-key',
  'export-key',
  'rotate-cmk',
  'disable-key',
  'enable-key',
  'destroy-key',
  'enrol-officer',
  'suspend-officer',
  'remove-officer',
  'change-policy',
  'export-audit',
  'backup',
  'restore',
  'change-hsm',
] as const;

/** A plan file's text, its checksum line verified when it has one (plan-checksum.ts). */
export function readPlanFile(file: string, text: string): PlanFile {
  return readCheckedPlanFile(file, text).plan;
}

/** The same, with what its checksum line showed (for the officers to be told). */
export function readCheckedPlanFile(file: string, text: string): { plan: PlanFile; checksum: PlanChecksum } {
  const checksum = checkPlanChecksum(file, text);
  return { plan: planOf({ file }, load(file, text)), checksum };
}

/** A plan given as a value (a parsed plan file, or the app's ceremony form), validated by the plan file's rules. */
export function planOf(file: PlanSource, value: unknown): PlanFile {
  const type = (value as { ceremony?: unknown } | null)?.ceremony;
  if (typeof type !== 'string' || !ceremonyTypes.some((t) => t === type))
    throw refuse(file, `"ceremony" must name a ceremony type (${ceremonyTypes.join(', ')})`);
  const check = <T extends { officers: string[] }>(schema: z.ZodType<T>): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw refuse(file, `${issue?.path.join('.') || 'the plan'}: ${issue?.message ?? 'invalid'}`);
    }
    if (new Set(parsed.data.officers).size !== parsed.data.officers.length)
      throw refuse(file, 'an officer is named twice; nobody counts twice');
    return parsed.data;
  };
  switch (type) {
    case 'generate-cmk': {
      const { officers, key } = check(generateCmkPlan);
      return {
        type,
        officers,
        request: {
          keyName: key.name,
          purpose: key.purpose,
          provider: key.provider,
          spec: key.spec,
          rotationDays: key.rotationDays,
        },
      };
    }
    case 'import-wrapping-key': {
      const { officers, provider, label, files, fields } = check(importWrappingKeyPlan);
      return { type, officers, provider, label, files: withoutUndefined(files), fields };
    }
    case 'export-key': {
      const { officers, key, provider, files, fields, destination } = check(exportKeyPlan);
      return { type, officers, key, provider, files: withoutUndefined(files), fields, destination };
    }
    case 'rotate-cmk': {
      const { officers, key, reason } = check(rotatePlan);
      return { type, officers, keyName: key.name, reason };
    }
    case 'disable-key': {
      const { officers, key } = check(disablePlan);
      return { type, officers, keyName: key.name, version: key.version, state: 'disabled' };
    }
    case 'enable-key': {
      const { officers, key, state } = check(enablePlan);
      return { type, officers, keyName: key.name, version: key.version, state };
    }
    case 'destroy-key': {
      const { officers, key, destination } = check(destroyPlan);
      return { type, officers, keyName: key.name, version: key.version, folder: destination.folder };
    }
    case 'enrol-officer': {
      const { officers, officer } = check(enrolPlan);
      return { type, officers, officer };
    }
    case 'suspend-officer':
    case 'remove-officer': {
      const { officers, officer, change } = check(officerStatePlan);
      if (type === 'remove-officer' && change) throw refuse(file, 'a remove-officer plan takes no "change"');
      return { type, officers, officer, change: type === 'remove-officer' ? 'remove' : (change ?? 'suspend') };
    }
    case 'change-policy': {
      const { officers, policy } = check(policyPlan);
      return {
        type,
        officers,
        ceremonyType: policy.ceremonyType,
        policy: {
          quorum: policy.quorum,
          roles: policy.roles,
          ...(policy.approvalLifetimeHours ? { approvalLifetimeHours: policy.approvalLifetimeHours } : {}),
        },
      };
    }
    case 'export-audit': {
      const { officers, file: out } = check(exportAuditPlan);
      return { type, officers, file: out };
    }
    case 'change-hsm': {
      const { officers, hsm } = check(changeHsmPlan);
      try {
        parseTokenUri(hsm.token);
      } catch (error) {
        throw refuse(file, `hsm.token: ${error instanceof Error ? error.message : String(error)}`);
      }
      return { type, officers, modulePath: hsm.module, tokenUri: hsm.token };
    }
    case 'initialise-workstation': {
      // Nobody is enrolled yet: the founding officers are the ones present.
      const { workstation, founding } = check(
        initialisePlan.transform((plan) => ({ ...plan, officers: plan.founding.map((f) => f.id) })),
      );
      return {
        type,
        officers: founding.map((f) => f.id),
        organization: workstation.organization,
        name: workstation.name,
        signingKey: workstation.signingKey,
        founding,
      };
    }
    case 'backup': {
      const { officers, keys, threshold, package: packageFolder, shares } = check(backupPlan);
      return { type, officers, keys, threshold, packageFolder, shareFolders: shares };
    }
    case 'restore': {
      const { officers, package: packageFolder, keys } = check(restorePlan);
      return { type, officers, packageFolder, keys };
    }
    default:
      throw refuse(file, `scripted ${type} ceremonies are not available yet; ${scripted.join(', ')} are`);
  }
}

const withoutUndefined = (files: { wrappingKey: string; importToken?: string | undefined }): ProviderFiles => ({
  wrappingKey: files.wrappingKey,
  ...(files.importToken ? { importToken: files.importToken } : {}),
});

export function readAnswersFile(file: string, text: string): Answers {
  const parsed = answersSchema.safeParse(load(file, text));
  if (!parsed.success)
    throw refuse(
      file,
      `${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  return parsed.data;
}
