/**
 * What a ceremony step left, in an officer's and an auditor's words: a label for every key any step's
 * result holds (the step's screen, the summary and the transcript PDF all use these), and words for the
 * values that are codes, times or records. A unit test scans every step's results, so a key added to a
 * step without words here fails the tests rather than reaching a PDF as a raw field name.
 */
import type { StepValue } from './ceremonies';
import { hexGroups } from './fingerprint';
import { utcText } from './time-text';

export type Words = (value: StepValue) => string;

/** How one result key is shown. */
export interface ResultWord {
  label: string;
  /** Compared aloud: shown as a digest (hex rows and PGP words), `group` hex digits a group. */
  compared?: { group: number };
  /** A hash in hex: shown in groups (in full, in rows, on paper). */
  hex?: true;
  /** Read character by character (paths, ids). */
  mono?: true;
  /** Words for the value; the value as text otherwise. */
  words?: Words;
  /** Kept in the transcript but not on the step's screen: an internal record id or a signature. */
  recordOnly?: true;
}

/** A value as text: lists joined, records as "key value" pairs, null as "none". */
export const valueText: Words = (value) =>
  value === null
    ? 'none'
    : typeof value === 'boolean'
      ? value
        ? 'yes'
        : 'no'
      : Array.isArray(value)
        ? value.map(valueText).join('; ') || 'none'
        : typeof value === 'object'
          ? Object.entries(value)
              .map(([k, v]) => `${k} ${valueText(v)}`)
              .join(', ') || 'none'
          : String(value);

/** Where a key check value came from, as a token's key object reports it (KeyObject.kcvSource). */
export const kcvSourceWords: Record<string, string> = {
  CKA_CHECK_VALUE: 'reported by the token (CKA_CHECK_VALUE)',
  'SHA-256 of public key': 'the first 3 bytes of the SHA-256 of the public key (DER SubjectPublicKeyInfo)',
  'computed in the token': 'computed in the token, under a check key only the security officer can prepare',
};

const record = (value: StepValue): Record<string, StepValue> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;

const str = (value: StepValue | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

/** A version restored from a backup: its name, number, KCV, token label and CKA_ID. */
const restoredVersion: Words = (value) => {
  const v = record(value);
  if (!v) return valueText(value);
  const kcv = str(v.kcv);
  const label = str(v.label);
  const id = str(v.tokenObjectId);
  return [
    `${valueText(v.name ?? null)} version ${valueText(v.version ?? null)}`,
    ...(kcv ? [`KCV ${hexGroups(kcv, 2)}`] : []),
    ...(label ? [`token label "${label}"`] : []),
    ...(id ? [`CKA_ID ${id}`] : []),
  ].join(', ');
};

/** The workstation key's signature over an approved HSM selection (SelectionApproval). */
const selectionApproval: Words = (value) => {
  const a = record(value);
  if (!a) return valueText(value);
  const signer = str(a.signerFingerprint);
  const at = str(a.approvedAt);
  const scheme = str(a.scheme);
  const hash = str(a.hash);
  return [
    'signed by the workstation key',
    ...(signer ? [`(key SHA-256 ${hexGroups(signer)})`] : []),
    ...(at ? [`at ${utcText(at)}`] : []),
    ...(scheme && hash ? [`with ${scheme.toUpperCase()} over ${hash.toUpperCase()}`] : []),
  ].join(' ');
};

/** Every key a step's result may hold (a unit test keeps this complete). */
export const stepResultWords: Record<string, ResultWord> = {
  // Compared aloud.
  kcv: { label: 'Key check value', compared: { group: 2 } },
  kekKcv: { label: 'Backup key check value', compared: { group: 2 } },
  fingerprint: { label: 'Wrapping key fingerprint (SHA-256)', compared: { group: 4 } },
  approvalKeyFingerprint: { label: "The officer's approval key fingerprint (SHA-256)", compared: { group: 4 } },
  publicKeyFingerprint: { label: 'Public-key fingerprint (SHA-256)', compared: { group: 4 } },
  publicKeySha256: { label: "The key pair's public-key fingerprint (SHA-256)", compared: { group: 4 } },
  // Keys and versions.
  kcvSource: {
    label: 'Key check value source',
    words: (v) => (typeof v === 'string' ? (kcvSourceWords[v] ?? v) : valueText(v)),
  },
  tokenObjectId: { label: 'Token object (CKA_ID)', mono: true },
  label: { label: 'Label on the token' },
  version: { label: 'Version' },
  replaced: {
    label: 'Active version it replaced',
    words: (v) => (typeof v === 'number' ? `version ${v}` : 'none replaced'),
  },
  previousRotationDue: {
    label: 'Rotation due before this step',
    words: (v) => (typeof v === 'string' ? utcText(v) : 'none set'),
  },
  versions: { label: 'Versions' },
  restored: {
    label: 'Versions restored',
    words: (v) => (Array.isArray(v) ? v.map(restoredVersion).join('; ') || 'none' : valueText(v)),
  },
  destroyedObjects: { label: 'Token objects destroyed' },
  modulusBits: { label: 'Modulus', words: (v) => `${valueText(v)} bits` },
  wrappingKeyId: { label: 'Wrapping key (record id)', mono: true, recordOnly: true },
  // What was written to drives.
  folder: { label: 'Written to', mono: true },
  file: { label: 'Written to', mono: true },
  shareFolders: { label: 'Shares written to', mono: true },
  shareHolders: { label: 'Shares handed to' },
  backupId: { label: 'Backup id', mono: true },
  bundleId: { label: 'Bundle id', mono: true },
  manifestSha256: { label: 'Manifest SHA-256', hex: true },
  sha256: { label: 'SHA-256 of the file', hex: true },
  entries: { label: 'Audit entries' },
  signerFingerprint: { label: 'Signed by the workstation key (SHA-256)', hex: true },
  certificateId: { label: 'Certificate id', mono: true },
  selfTestFinding: { label: 'Self-test finding' },
  // Officers.
  officer: { label: 'Officer' },
  // The HSM.
  moduleSha256: { label: 'PKCS#11 module SHA-256', hex: true },
  tokenSerial: { label: 'Token serial number', mono: true },
  approval: { label: 'HSM selection approval', words: selectionApproval, recordOnly: true },
  // The closing checkpoint.
  seq: { label: 'Checkpoint at audit entry' },
  headHash: { label: 'Audit log head (SHA-256)', hex: true },
};

/** A label for a key with no words (never expected: the unit test fails first): its name split into words. */
const fallbackLabel = (key: string): string => {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return `${spaced[0]?.toUpperCase() ?? ''}${spaced.slice(1)}`;
};

/** One result value as shown: `hex` set for values shown as a digest or hash in hex. */
export interface ResultLine {
  key: string;
  label: string;
  /** The value in words (a hash in groups of hex digits). */
  value: string;
  mono: boolean;
  /** A hash in hex (lower case as stored): laid out in rows on paper, compared aloud when `compared`. */
  hex?: string;
  group?: number;
  compared: boolean;
  recordOnly: boolean;
}

/** Every value of a step's result, in words, in the result's order: what the transcript prints. */
export function resultLines(result: Record<string, StepValue>): ResultLine[] {
  return Object.entries(result).map(([key, value]) => {
    const word = stepResultWords[key];
    const hashed = (word?.compared || word?.hex) && typeof value === 'string' && /^[0-9a-fA-F]+$/.test(value);
    const group = word?.compared?.group ?? 4;
    return {
      key,
      label: word?.label ?? fallbackLabel(key),
      value: hashed ? hexGroups(value, group) : (word?.words ?? valueText)(value),
      mono: Boolean(word?.mono || hashed),
      ...(hashed ? { hex: value, group } : {}),
      compared: Boolean(word?.compared && hashed),
      recordOnly: Boolean(word?.recordOnly),
    };
  });
}
