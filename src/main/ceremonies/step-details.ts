/**
 * Every value a step's digest covers, in an officer's words: the plan shows these under each step, so
 * nothing the officers sign is hidden behind a sentence. Each parameter becomes one line (a nested one,
 * as an import's, one line per value); a value with no words of its own is still shown, never left out.
 */
import { createHash } from 'node:crypto';
import type { PlannedStep, StepDetail, StepValue } from '../../shared/ceremonies';
import { hexGroups } from '../../shared/fingerprint';
import { cmkSpecWords, type CmkSpec } from '../../shared/keys';
import { roleNames, rolesInWords, type OfficerRole } from '../../shared/officers';
import { providerNames, wrapWords, type ProviderId, type WrapAlgorithm } from '../../shared/providers';
import { valueText, type Words } from '../../shared/step-result-words';
import { utcText } from '../../shared/time-text';

const known = <K extends string>(names: Record<K, string>): Words => {
  const lookup: Record<string, string> = names;
  return (value) => (typeof value === 'string' && lookup[value] ? `${lookup[value]} (${value})` : valueText(value));
};

const hex: Words = (value) => (typeof value === 'string' ? hexGroups(value) : valueText(value));

/** Bytes given as base64 (a public key, an import token): their size and SHA-256, which is what can be compared. */
const base64Bytes: Words = (value) => {
  if (typeof value !== 'string') return valueText(value);
  const bytes = Buffer.from(value, 'base64');
  return `${bytes.length} bytes, SHA-256 ${hexGroups(createHash('sha256').update(bytes).digest('hex'))}`;
};

const versionWords: Words = (value) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return valueText(value);
  const { name, version, label } = value;
  if (typeof name !== 'string' || typeof version !== 'number') return valueText(value);
  return `${name} version ${version}${typeof label === 'string' ? ` (token label "${label}")` : ''}`;
};

/** A backup share's custodian and the drive folder it is written to. */
const shareWords: Words = (value) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return valueText(value);
  const { custodian, name, folder } = value;
  return `to ${valueText(name ?? null)} (${valueText(custodian ?? null)}), written to ${valueText(folder ?? null)}`;
};

const policyText: Words = (value) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return valueText(value);
  const { quorum, roles, approvalLifetimeHours } = value;
  const known = Array.isArray(roles)
    ? roles.filter((r): r is OfficerRole => typeof r === 'string' && r in roleNames)
    : [];
  const roleWords =
    Array.isArray(roles) && known.length === roles.length ? rolesInWords(known) : valueText(roles ?? null);
  return `${valueText(quorum ?? null)} approvals from ${roleWords}, each valid ${valueText(approvalLifetimeHours ?? null)} h`;
};

const wrapAlgorithmWords = (value: StepValue): string =>
  typeof value === 'string' ? `${wrapWords(value as WrapAlgorithm)} (${value})` : valueText(value);

/** A parameter's label and words; `mono` for values read character by character (hashes, paths, ids). */
interface Field {
  label: string;
  words?: Words;
  mono?: boolean;
}

/** Words for every parameter a step declares; a parameter missing here is shown under its own name (a unit test keeps this complete). */
export const stepFieldWords: Record<string, Field> = {
  keyName: { label: 'Key' },
  purpose: { label: 'Purpose' },
  provider: { label: 'Provider', words: known<ProviderId>(providerNames) },
  spec: { label: 'Key type', words: known<CmkSpec>(cmkSpecWords) },
  rotationDays: { label: 'Rotation period', words: (v) => `every ${valueText(v)} days` },
  label: { label: 'Label on the token' },
  reason: { label: 'Reason' },
  version: { label: 'Version' },
  fromVersion: { label: 'Active version before', words: (v) => (v === null ? 'none yet' : `version ${valueText(v)}`) },
  state: { label: 'New state', words: (v) => (v === null ? 'unchanged' : valueText(v)) },
  from: { label: 'Before this step' },
  tokenObjectId: { label: 'Token object (CKA_ID)', mono: true },
  folder: { label: 'Folder on the drive', mono: true },
  kekLabelId: { label: 'Backup key (token label id)', mono: true },
  versions: { label: 'Key versions', words: (v) => (Array.isArray(v) ? v.map(versionWords).join('; ') : valueText(v)) },
  threshold: { label: 'Shares needed to restore' },
  packageFolder: { label: 'Backup package folder', mono: true },
  shareFolders: { label: 'Share folders (custodians not named)', mono: true },
  shares: { label: 'Shares', words: (v) => (Array.isArray(v) ? v.map(shareWords).join('; ') : valueText(v)) },
  backupId: { label: 'Backup', mono: true },
  modulePath: { label: 'PKCS#11 module', mono: true },
  moduleArgs: { label: 'Module arguments', mono: true },
  moduleEnv: { label: 'Module environment', mono: true },
  tokenUri: { label: 'Token (PKCS#11 URI)', mono: true },
  rehearsalOnly: { label: 'Rehearsal token' },
  moduleSha256: { label: 'Module SHA-256', words: hex, mono: true },
  tokenSerial: { label: 'Token serial number', mono: true },
  id: { label: 'Officer id', mono: true },
  displayName: { label: 'Name' },
  role: { label: 'Role', words: known(roleNames) },
  change: { label: 'Change' },
  locked: { label: 'Locked out now' },
  quorum: { label: 'Approvals needed' },
  roles: {
    label: 'Roles that approve',
    words: (v) => (Array.isArray(v) ? v.map((r) => known(roleNames)(r)).join(', ') : valueText(v)),
  },
  approvalLifetimeHours: { label: 'An approval is valid for', words: (v) => `${valueText(v)} hours` },
  ceremonyType: { label: 'Ceremony type', mono: true },
  out: { label: 'Audit export file', mono: true },
  wrappingKeyId: { label: 'Wrapping key (record id)', mono: true },
  parent: { label: 'Folder for the bundle', mono: true },
  drive: { label: 'Drive' },
  wrappingKeySpki: { label: "Provider's public key (DER)", words: base64Bytes, mono: true },
  wrappingKeyFingerprint: { label: 'Wrapping key fingerprint (SHA-256)', words: hex, mono: true },
  modulusBits: { label: 'Modulus', words: (v) => `${valueText(v)} bits` },
  sourceSha256: { label: 'SHA-256 of the file read from the drive', words: hex, mono: true },
  algorithm: { label: 'Wrapping algorithm', words: wrapAlgorithmWords },
  providerAlgorithm: { label: "Provider's name for the algorithm", mono: true },
  deadline: { label: "Provider's deadline", words: (v) => (typeof v === 'string' ? utcText(v) : 'none given') },
  importToken: {
    label: 'Import token',
    words: (v) => (v === null ? 'none' : base64Bytes(v)),
    mono: true,
  },
};

/** Nested parameters: the label their values are shown under. */
const groupLabels: Record<string, string> = { import: 'Provider import', target: 'At the provider' };

/** A policy's "from" is a whole policy; elsewhere "from" is a state. */
function detail(key: string, value: StepValue, prefix: string): StepDetail[] {
  if (key === 'from' && value !== null && typeof value === 'object' && !Array.isArray(value))
    return [{ label: `${prefix}Policy before`, value: policyText(value) }];
  // One line per share, so each custodian finds their own.
  if (key === 'shares' && Array.isArray(value))
    return value.map((share, i) => ({ label: `${prefix}Share ${i + 1} of ${value.length}`, value: shareWords(share) }));
  const group = groupLabels[key];
  if (group !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (key === 'target')
      return entries.length
        ? entries.map(([name, v]) => ({ label: `${prefix}${group}: ${name}`, value: valueText(v), mono: true }))
        : [{ label: `${prefix}${group}`, value: 'nothing more to name' }];
    return entries.flatMap(([k, v]) => detail(k, v, `${group}: `));
  }
  const field = stepFieldWords[key];
  return [
    {
      label: `${prefix}${field?.label ?? key}`,
      value: (field?.words ?? valueText)(value),
      ...(field?.mono ? { mono: true } : {}),
    },
  ];
}

/** Every parameter of the step and every token object it reserves, as the plan shows them. */
export function stepDetails(step: Pick<PlannedStep, 'params' | 'objects'>): StepDetail[] {
  return [
    ...Object.entries(step.params).flatMap(([key, value]) => detail(key, value, '')),
    ...step.objects.map((o) => ({ label: 'Creates the token object', value: `"${o.label}", CKA_ID ${o.id}` })),
  ];
}
