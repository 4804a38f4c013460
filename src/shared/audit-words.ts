/**
 * The audit log in an auditor's words: what each action means, a label for every detail an entry
 * keeps, and why a refused or failed entry was refused (its error code in words). The raw names stay
 * beside the words, in small type, for searching. An integration test runs a key's whole life and fails
 * when an entry's action or one of its details has no words here.
 */
import type { AuditEntry, AuditValue } from './audit';
import type { ErrorCode } from './errors';
import { hexGroups } from './fingerprint';
import { roleNames, type OfficerRole } from './officers';
import { valueText } from './step-result-words';
import { utcText } from './time-text';

/** What each audited action means. */
export const auditActionWords: Record<string, string> = {
  'air-gap.acknowledge': 'Network findings acknowledged by a security officer',
  'audit.anchor.create': 'Audit log anchored in the HSM',
  'audit.checkpoint': 'Signed checkpoint of the audit log',
  'bundle.export': 'Upload bundle export',
  'bundle.export.begin': 'Upload bundle export started',
  'bundle.written': 'Upload bundle written to a drive',
  'bundle.uploaded': 'Upload bundle recorded as uploaded to the provider',
  'ceremony.abort': 'Ceremony aborted',
  'ceremony.abort.signed': 'Abort signed by an officer',
  'ceremony.approve': 'Step approved',
  'ceremony.check-in': 'Officer checked in',
  'ceremony.complete': 'Ceremony completed',
  'ceremony.plan': 'Ceremony planned',
  'ceremony.script': 'Ceremony script written',
  'ceremony.step': 'Step run',
  'ceremony.step.begin': 'Step started',
  'ceremony.step.rolled-back': 'Interrupted step rolled back',
  'ceremony.step.undone': 'Step undone by an abort',
  'ceremony.transcript': 'Signed transcript written',
  'ceremony.verify': 'Upload bundle read back and verified',
  'hsm.approve': 'HSM selection approved by the officers',
  'hsm.login': 'Token login',
  'hsm.logout': 'Token logout (session ended)',
  'hsm.object.destroy': 'Token objects destroyed',
  'hsm.pin-warning': 'Token PIN warning',
  'hsm.probe': 'Token capabilities checked',
  'hsm.select': 'HSM selected',
  'inventory.key.add': 'Key added to the inventory',
  'inventory.version.add': 'Key version added',
  'inventory.version.restore': 'Key version restored from a backup',
  'inventory.version.revert': 'Key version change reverted',
  'inventory.version.state': 'Key version state changed',
  'inventory.wrapping-key.add': "Provider's wrapping key imported",
  'inventory.wrapping-key.state': 'Wrapping key state changed',
  'officer.enrol': 'Officer enrolled',
  'officer.locked': 'Officer locked out after wrong passphrases',
  'officer.passphrase': 'Officer passphrase checked',
  'officer.state': 'Officer suspended, reinstated or removed',
  'officer.unlock': 'Officer unlocked',
  'policy.change': 'Quorum policy changed',
  'workstation.identity.adopt': 'Workstation key adopted',
};

/** The steps a ceremony runs, as a step entry names them. */
export const stepActionWords: Record<string, string> = {
  'activate-version': 'activate a key version',
  'backup-versions': 'back up key versions',
  'destroy-version': 'destroy a key version',
  'destruction-certificate': 'write the destruction certificate',
  'enrol-officer': 'enrol an officer',
  'export-audit': 'export the audit log',
  'export-bundle': 'write an upload bundle',
  'generate-key': 'generate a key',
  'generate-version': 'generate a new key version',
  'import-wrapping-key': "import a provider's wrapping key",
  'restore-versions': 'restore key versions',
  'select-hsm': 'select the HSM',
  'set-officer-state': "change an officer's state",
  'set-policy': 'change a quorum policy',
  'set-version-state': "change a key version's state",
  'write-checkpoint': 'sign a checkpoint of the audit log',
};

/** Why an entry was refused or failed, from the error code it keeps. */
export const errorCodeWords: Record<ErrorCode, string> = {
  INVALID_REQUEST: 'a value given was not acceptable',
  UNKNOWN_CALL: 'the app asked for something Keyward does not do',
  FORBIDDEN_SENDER: 'the request came from outside the app window',
  HSM_MODULE_LOAD_FAILED: 'the PKCS#11 module could not be loaded',
  HSM_MODULE_REFUSED: 'the PKCS#11 module file is not one Keyward loads',
  HSM_SELECTION_UNAPPROVED: 'the HSM selection carries no approval of the security officers',
  HSM_MODULE_CHANGED: 'the PKCS#11 module file changed since it was approved',
  HSM_PROCESS_FAILED: 'the HSM process stopped',
  HSM_PROCESS_STALLED: 'the HSM stopped answering and its process was ended',
  HSM_PROCESS_LINGERING: 'an earlier HSM process was still running',
  HSM_TOKEN_NOT_FOUND: 'the token was not found (removed?)',
  HSM_TOKEN_AMBIGUOUS: 'more than one token matched',
  HSM_DEVICE_ERROR: 'the token reported a device error',
  HSM_PIN_INCORRECT: 'a wrong PIN was given',
  HSM_PIN_LOCKED: 'the PIN is locked on the token',
  HSM_NOT_LOGGED_IN: 'nobody was logged in to the token',
  HSM_MECHANISM_UNSUPPORTED: 'the token cannot do the operation asked',
  HSM_NOT_ENFORCING: 'the token does not enforce what Keyward relies on',
  HSM_NO_SO_LOGIN: 'the token has no security officer login',
  HSM_KEY_EXISTS: 'a key with that id is already on the token',
  HSM_LABEL_TAKEN: 'a token object already carries that label',
  HSM_KEY_NOT_FOUND: 'the key was not found on the token',
  HSM_KEY_REJECTED: 'the token rejected the key',
  HSM_SIGNATURE_INVALID: 'a signature made in the token did not verify',
  REHEARSAL_SETUP_FAILED: 'the rehearsal token could not be set up',
  SETTINGS_INVALID: 'the settings file is not valid',
  INVALID_PKCS11_URI: 'the token URI is not valid',
  STORE_UNAVAILABLE: 'the workstation database could not be opened',
  STORE_CORRUPT: 'the workstation database is damaged',
  STORE_TOO_NEW: 'the workstation database is from a newer Keyward',
  STORE_DISK_FULL: 'the disk is full',
  AUDIT_REFUSED: 'the audit log refused the entry',
  SIGNATURE_INVALID: 'a signature or certificate did not verify',
  WORKSTATION_NOT_INITIALISED: 'the workstation is not initialised',
  FILE_NOT_WRITTEN: 'a file could not be written',
  SELF_TEST_FAILED: 'a self-test failed',
  QUORUM_NOT_MET: 'the approvals needed were not all given',
  CEREMONY_STALE: 'what the officers approved no longer holds',
  CEREMONY_TAMPERED: 'the stored plan is not the one the workstation signed',
  AIR_GAP_UNCONFIRMED: 'the workstation may be on a network and no security officer had acknowledged it',
  BUSY: 'another privileged operation was running',
  CEREMONY_ENDED: 'the ceremony had already ended',
  KEY_NAME_TAKEN: 'a key of that name already exists',
  NOT_IN_INVENTORY: 'no such key, version or wrapping key in the inventory',
  PASSPHRASE_WRONG: 'a wrong passphrase was given',
  OFFICER_LOCKED_OUT: 'the officer is locked out',
  PLAN_INVALID: 'the plan did not follow its ceremony type',
  CEREMONY_NOT_FOUND: 'no such ceremony',
  CEREMONY_INTERRUPTED: 'a step was left running when Keyward stopped',
  OFFICER_NOT_ACTIVE: 'the officer is suspended or removed',
  PASSPHRASE_TOO_WEAK: 'the passphrase chosen breaks the passphrase rules',
  NOT_ON_A_DRIVE: 'a path is on no removable drive',
  STEP_INPUTS_MISSING: 'what the officers type for the step was not given',
  INTERNAL: 'an internal error',
};

type DetailWords = (value: AuditValue) => string;

const text = (value: AuditValue): string => valueText(value);
const hex: DetailWords = (v) => (typeof v === 'string' ? hexGroups(v) : text(v));
const role: DetailWords = (v) => (typeof v === 'string' && v in roleNames ? roleNames[v as OfficerRole] : text(v));
const time: DetailWords = (v) => (typeof v === 'string' ? utcText(v) : 'none');
const errorWords: DetailWords = (v) =>
  typeof v === 'string' && v in errorCodeWords ? `${errorCodeWords[v as ErrorCode]} (${v})` : text(v);

/** A state as it is, or a quorum policy (a policy change's before and after) in words. */
function policyOrText(value: AuditValue): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('quorum' in value)) return text(value);
  const roles = Array.isArray(value.roles) ? value.roles.map(role).join(', ') : text(value.roles ?? null);
  return `${text(value.quorum ?? null)} approvals from ${roles}, each valid ${text(value.approvalLifetimeHours ?? null)} h`;
}

/** A label for every detail an entry keeps, with words for those that are codes, hashes or times. */
export const auditDetailWords: Record<string, { label: string; words?: DetailWords; mono?: true }> = {
  // Why it was refused, first.
  error: { label: 'Why', words: errorWords },
  problem: { label: 'Why' },
  problems: { label: 'Why' },
  what: { label: 'What was refused' },
  failedAttempts: { label: 'Wrong passphrases in a row' },
  interrupted: { label: 'Interrupted' },
  began: { label: 'The step began in the token' },
  reactivated: { label: 'Reactivated' },
  handedOut: { label: 'Handed out' },
  // The ceremony.
  ceremony: { label: 'Ceremony', mono: true },
  type: { label: 'Ceremony type', mono: true },
  step: { label: 'Step', words: (v) => (typeof v === 'number' ? `step ${v + 1}` : text(v)) },
  action: { label: 'What the step does', words: (v) => (typeof v === 'string' ? (stepActionWords[v] ?? v) : text(v)) },
  steps: { label: 'Steps' },
  objects: { label: 'Token objects' },
  planDigest: { label: 'Plan digest (SHA-256)', words: hex, mono: true },
  stepDigest: { label: 'Step digest (SHA-256)', words: hex, mono: true },
  role: { label: 'Role', words: role },
  reason: { label: 'Reason' },
  approvedByQuorum: { label: 'Signed by a quorum' },
  undoneSteps: { label: 'Steps undone' },
  keptSteps: { label: 'Steps kept (they took effect)' },
  signature: { label: 'Signature', mono: true },
  signedDigest: { label: 'Digest signed (SHA-256)', words: hex, mono: true },
  note: { label: 'What the officer saw at the provider' },
  scheme: { label: 'Signature scheme' },
  signedAt: { label: 'Signed at', words: time },
  destroyedObjects: { label: 'Token objects destroyed' },
  keptObjects: { label: 'Token objects kept' },
  outputsRemoved: { label: 'Files removed from drives', mono: true },
  outputsUnreachable: { label: 'Files that could not be reached', mono: true },
  why: { label: 'Reason for it' },
  id: { label: 'Object or record id', mono: true },
  parent: { label: 'Folder on the drive', mono: true },
  changedSince: { label: 'Changed since the step ran' },
  rollBackAtLogin: { label: 'Rolled back at the next login' },
  folder: { label: 'Folder', mono: true },
  labels: { label: 'Labels' },
  // The token.
  parts: { label: 'PIN parts typed' },
  warnings: { label: 'Warnings' },
  warning: { label: 'Warning' },
  wasLoggedIn: { label: 'Was logged in' },
  mode: { label: 'Mode' },
  modulePath: { label: 'PKCS#11 module', mono: true },
  moduleArgs: { label: 'Module arguments', mono: true },
  moduleEnv: { label: 'Module environment', mono: true },
  moduleSha256: { label: 'Module SHA-256', words: hex, mono: true },
  rehearsalOnly: { label: 'Rehearsal token' },
  tokenSerial: { label: 'Token serial number', mono: true },
  tokenUri: { label: 'Token (PKCS#11 URI)', mono: true },
  tokenLabel: { label: 'Label on the token' },
  approvalSignature: { label: 'Approval signature', mono: true },
  versions: { label: 'Versions' },
  sheetSha256: { label: 'Capability sheet SHA-256', words: hex, mono: true },
  notEnforced: { label: 'Not enforced by this token' },
  rfc5649: { label: 'RFC 5649 key wrap' },
  // Keys and bundles.
  spec: { label: 'Key type' },
  provider: { label: 'Provider' },
  rotationDays: { label: 'Rotation period (days)' },
  kcv: { label: 'Key check value', words: (v) => (typeof v === 'string' ? v.toUpperCase() : text(v)), mono: true },
  from: { label: 'Before', words: (v) => policyOrText(v) },
  to: { label: 'After', words: (v) => policyOrText(v) },
  algorithm: { label: 'Wrapping algorithm' },
  wrappingKeyFingerprint: { label: 'Wrapping key fingerprint', words: hex, mono: true },
  fingerprint: { label: 'Fingerprint (SHA-256)', words: hex, mono: true },
  modulusBits: { label: 'Modulus (bits)' },
  sourceFileSha256: { label: 'SHA-256 of the file read', words: hex, mono: true },
  providerDeadline: { label: "Provider's deadline", words: time },
  bundle: { label: 'Bundle', mono: true },
  manifestSha256: { label: 'Manifest SHA-256', words: hex, mono: true },
  drive: { label: 'Drive' },
  path: { label: 'Written to', mono: true },
  // Officers, policies, the workstation.
  displayName: { label: 'Name' },
  findings: { label: 'Findings acknowledged' },
  quorum: { label: 'Approvals needed' },
  roles: { label: 'Roles that approve' },
  approvalLifetimeHours: { label: 'An approval is valid for (hours)' },
  publicKeyFingerprint: { label: 'Workstation key fingerprint', words: hex, mono: true },
  publicKeySha256: { label: 'Public-key fingerprint (SHA-256)', words: hex, mono: true },
  replaces: { label: 'Replaces', mono: true },
  headHash: { label: 'Audit log head (SHA-256)', words: hex, mono: true },
  checkpointHash: { label: 'Checkpoint hash', words: hex, mono: true },
  checkpoint: { label: 'Checkpoint' },
};

/** One detail of an entry as the audit screen shows it: its words, and the raw name for searching. */
export interface AuditDetailLine {
  key: string;
  label: string;
  value: string;
  mono: boolean;
}

/** The entry's details in words, the reason for a refusal or failure first. */
/** The details that say why an entry was refused or failed. */
export const refusalDetailKeys: readonly string[] = ['error', 'problem', 'problems', 'what'];

export function auditDetailLines(entry: Pick<AuditEntry, 'details'>): AuditDetailLine[] {
  const order = (key: string) => (refusalDetailKeys.includes(key) ? 0 : 1);
  return Object.entries(entry.details)
    .sort(([a], [b]) => order(a) - order(b))
    .map(([key, value]) => {
      const known = auditDetailWords[key];
      return {
        key,
        label: known?.label ?? key,
        value: (known?.words ?? text)(value),
        mono: known?.mono === true,
      };
    });
}

/**
 * The action in words (a step entry with the step's own words: "Step run: generate a key"), or its raw
 * name when Keyward has none (never expected: the test fails first).
 */
export function auditActionText(entry: Pick<AuditEntry, 'action' | 'details'>): string {
  const words = auditActionWords[entry.action] ?? entry.action;
  const step = entry.details.action;
  return entry.action.startsWith('ceremony.step') && typeof step === 'string'
    ? `${words}: ${stepActionWords[step] ?? step}`
    : words;
}
