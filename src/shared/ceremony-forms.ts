/**
 * What the app's form asks for each ceremony type, as data: each field names the place in the plan it
 * fills (a dotted path into the same plan a plan file states), so the renderer builds the plan the main
 * process validates with the type's schema, and a refusal naming a path points at its field.
 */
import type { CeremonyType } from './ceremony-types';
import { cmkSpecs } from './keys';
import { officerRoles, roleLabels } from './officers';
import { providerIds, providerNames, type ProviderId } from './providers';

export interface ChoiceOption {
  value: string;
  label: string;
}

/** The ceremonies the app's form starts: every type but the initialisation (its own form, before there are officers). */
export type FormType = Exclude<CeremonyType, 'initialise-workstation'>;

/** The form's typed values, by the plan path they fill; its lists (key versions, drives, roles) likewise. */
export type FormValues = Record<string, string>;
export type FormLists = Record<string, string[]>;

/** The default wrapping algorithm offered for a provider that asks for one. */
export const defaultAlgorithm = 'RSAES_OAEP_SHA_256';

export type FormField =
  /** Typed text (a number when `number` is set: the plan gets the number, or `fallback` when it is not one). */
  | {
      kind: 'text';
      path: string;
      id: string;
      label: string;
      hint?: string;
      initial?: string;
      number?: { fallback: number };
    }
  /** One of fixed options; `empty` is sent as null (e.g. no provider yet). */
  | {
      kind: 'choice';
      path: string;
      id: string;
      label: string;
      options: ChoiceOption[];
      initial: string;
      empty?: 'null';
    }
  /** A key of the inventory, by name. */
  | { kind: 'key'; path: string; id: string; label: string }
  /** One key version ({ name, version }), not destroyed. */
  | { kind: 'key-version'; path: string }
  /** Several key versions: those not destroyed (a backup), or every one (a restore shows their states). */
  | { kind: 'key-versions'; path: string; legend: string; include: 'not-destroyed' | 'all' }
  /** An enrolled officer, not removed. */
  | { kind: 'officer'; path: string; id: string; label: string; showState?: true }
  /** Roles, as checkboxes. */
  | { kind: 'roles'; path: string; legend: string }
  /** A ceremony type. */
  | { kind: 'ceremony-type'; path: string; id: string; label: string; initial: string }
  /** A drive to write into; `drivePath` also gets the drive's label. */
  | { kind: 'drive'; path: string; label: string; drivePath?: string }
  /** A folder on a drive to read from. */
  | { kind: 'folder'; path: string; label: string }
  /** A file to write: a drive, and its name typed (the plan gets the full path). */
  | { kind: 'file-on-drive'; path: string; label: string; id: string; nameLabel: string; hint: string }
  /** Several drives, one each (a backup's shares). */
  | { kind: 'drives'; path: string; legend: string }
  /** The provider, its wrapping key file (and AWS's import token file) from a drive, and its import fields. */
  | { kind: 'provider' };

const providerChoices = providerIds.map((p) => ({ value: p, label: providerNames[p] }));

export const ceremonyForms: Record<FormType, FormField[]> = {
  'generate-cmk': [
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
      options: cmkSpecs.map((s) => ({ value: s, label: s })),
      initial: 'AES_256',
    },
    {
      kind: 'choice',
      path: 'key.provider',
      id: 'cmk-provider',
      label: 'Provider',
      options: [{ value: '', label: 'None yet' }, ...providerChoices],
      initial: 'aws-kms',
      empty: 'null',
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
  'import-wrapping-key': [
    {
      kind: 'text',
      path: 'label',
      id: 'wrapping-label',
      label: 'Label on the token',
      hint: 'For example: AWS import 2026-11',
    },
    { kind: 'provider' },
  ],
  'export-key': [
    { kind: 'key-version', path: 'key' },
    { kind: 'provider' },
    { kind: 'drive', path: 'destination.folder', label: 'Drive for the upload bundle', drivePath: 'destination.drive' },
  ],
  'rotate-cmk': [
    { kind: 'key', path: 'key.name', id: 'rotate-key', label: 'Key' },
    {
      kind: 'choice',
      path: 'reason',
      id: 'reason',
      label: 'Reason',
      options: [
        { value: 'due', label: 'Rotation is due' },
        { value: 'manual', label: 'Manual rotation' },
        { value: 'forced', label: 'Forced (suspected compromise)' },
      ],
      initial: 'due',
    },
  ],
  'disable-key': [{ kind: 'key-version', path: 'key' }],
  'enable-key': [
    { kind: 'key-version', path: 'key' },
    {
      kind: 'choice',
      path: 'state',
      id: 'enable-state',
      label: 'New state',
      options: [
        { value: 'active', label: 'Active' },
        { value: 'decrypt-only', label: 'Decrypt only' },
      ],
      initial: 'active',
    },
  ],
  'destroy-key': [
    { kind: 'key-version', path: 'key' },
    { kind: 'drive', path: 'destination.folder', label: 'Drive for the signed destruction certificate' },
  ],
  backup: [
    { kind: 'key-versions', path: 'keys', legend: 'Key versions to back up', include: 'not-destroyed' },
    {
      kind: 'text',
      path: 'threshold',
      id: 'backup-threshold',
      label: 'Shares needed to restore',
      initial: '2',
      number: { fallback: 2 },
    },
    { kind: 'drive', path: 'package', label: 'Drive for the backup package' },
    { kind: 'drives', path: 'shares', legend: "One drive per custodian's share" },
  ],
  restore: [
    { kind: 'folder', path: 'package', label: 'The backup package folder' },
    { kind: 'key-versions', path: 'keys', legend: 'Key versions to restore', include: 'all' },
  ],
  'enrol-officer': [
    { kind: 'text', path: 'officer.id', id: 'officer-id', label: 'Officer name (lower case, used to sign in)' },
    { kind: 'text', path: 'officer.name', id: 'officer-display', label: 'Full name' },
    {
      kind: 'choice',
      path: 'officer.role',
      id: 'officer-role',
      label: 'Role',
      options: officerRoles.map((r) => ({ value: r, label: roleLabels[r] })),
      initial: 'key-custodian',
    },
  ],
  'suspend-officer': [
    { kind: 'officer', path: 'officer', id: 'officer-subject', label: 'Officer', showState: true },
    {
      kind: 'choice',
      path: 'change',
      id: 'officer-change',
      label: 'Change',
      options: [
        { value: 'suspend', label: 'Suspend' },
        { value: 'reinstate', label: 'Reinstate' },
        { value: 'unlock', label: 'Unlock after wrong passphrases' },
      ],
      initial: 'suspend',
    },
  ],
  'remove-officer': [{ kind: 'officer', path: 'officer', id: 'officer-remove', label: 'Officer' }],
  'change-policy': [
    {
      kind: 'ceremony-type',
      path: 'policy.ceremonyType',
      id: 'policy-type',
      label: 'Ceremony type',
      initial: 'generate-cmk',
    },
    {
      kind: 'text',
      path: 'policy.quorum',
      id: 'policy-quorum',
      label: 'Approvals needed',
      hint: 'Never fewer than two for a ceremony touching a key or the officers.',
      initial: '2',
      number: { fallback: 2 },
    },
    { kind: 'roles', path: 'policy.roles', legend: 'Roles whose approvals count' },
  ],
  'export-audit': [
    {
      kind: 'file-on-drive',
      path: 'file',
      label: 'Drive for the signed audit export',
      id: 'export-file',
      nameLabel: 'File name',
      hint: 'For example: audit-2026-11.jsonl (the signature and certificate are written beside it).',
    },
  ],
  'change-hsm': [
    {
      kind: 'text',
      path: 'hsm.module',
      id: 'hsm-module',
      label: 'PKCS#11 module file',
      hint: "Installed by the HSM vendor's package in a system folder (for example /usr/lib/vendor/libvendorpkcs11.so); its SHA-256 is shown in the plan.",
    },
    {
      kind: 'text',
      path: 'hsm.token',
      id: 'hsm-token',
      label: 'Token address (PKCS#11 URI)',
      hint: "The token that holds this workstation's signing key, e.g. pkcs11:token=CMK%20HSM;serial=1234.",
    },
  ],
};

/** The plan value at a dotted path set, creating the objects on the way (the form's values into the plan). */
export function setAtPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const names = path.split('.');
  let at = target;
  for (const name of names.slice(0, -1)) {
    const next = at[name];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[name] = {};
    at = at[name] as Record<string, unknown>;
  }
  at[names.at(-1) ?? path] = value;
}

/** Each provider's import fields, as the form asks for them (the plan's `fields`). */
export const providerFields: Record<ProviderId, { name: string; label: string; hint?: string }[]> = {
  'aws-kms': [
    { name: 'algorithm', label: 'Wrapping algorithm chosen in AWS' },
    {
      name: 'keyId',
      label: 'AWS KMS key id or ARN',
      hint: 'Read from the parameters file when it is the GetParametersForImport JSON.',
    },
    {
      name: 'parametersValidTo',
      label: 'Parameters valid until (ISO time)',
      hint: 'Read from the parameters file when it is the JSON.',
    },
  ],
  'azure-key-vault': [
    { name: 'kid', label: 'Key exchange key id (kid)', hint: 'https://contoso.vault.azure.net/keys/KEK/0123…' },
    { name: 'keyName', label: 'Name of the key to import as' },
    { name: 'deadline', label: 'Import deadline (ISO time, optional)' },
  ],
  'google-cloud-kms': [
    { name: 'importMethod', label: 'Import method', hint: 'RSA_OAEP_3072_SHA256_AES_256, …' },
    { name: 'importJob', label: 'Import job', hint: 'projects/…/locations/…/keyRings/…/importJobs/…' },
    { name: 'cryptoKey', label: 'Crypto key', hint: 'projects/…/locations/…/keyRings/…/cryptoKeys/…' },
    { name: 'expireTime', label: 'Import job expiry (ISO time)' },
  ],
  'hashicorp-vault': [
    { name: 'keyName', label: 'Transit key name' },
    { name: 'mount', label: 'Transit mount', hint: 'transit unless your Vault uses another' },
    { name: 'hashFunction', label: 'Hash function', hint: 'SHA256 unless the import uses another' },
    { name: 'deadline', label: 'Import deadline (ISO time, optional)' },
  ],
  'salesforce-shield': [{ name: 'deadline', label: 'Upload deadline (ISO time, optional)' }],
  generic: [
    { name: 'algorithm', label: 'Wrapping algorithm' },
    { name: 'deadline', label: 'Import deadline (ISO time, optional)' },
  ],
};

const numberOr = (text: string, fallback: number): number => (/^\d+$/.test(text.trim()) ? Number(text) : fallback);

/** A key version as an option value, and back. */
export const versionValue = (name: string, version: number): string => JSON.stringify([name, version]);
function versionOf(value: string | undefined): { name: string; version: number } {
  try {
    const [name, version] = JSON.parse(value ?? '') as unknown[];
    return { name: typeof name === 'string' ? name : '', version: typeof version === 'number' ? version : 0 };
  } catch {
    return { name: '', version: 0 };
  }
}

/** The plan object the main process validates exactly as it validates a plan file, built from the type's form fields. */
export function planFromForm(
  type: FormType,
  f: FormValues,
  present: string[],
  lists: FormLists,
): Record<string, unknown> {
  const plan: Record<string, unknown> = { ceremony: type, officers: present };
  for (const field of ceremonyForms[type]) {
    const given = 'path' in field ? f[field.path] : undefined;
    const text = (given ?? ('initial' in field ? (field.initial ?? '') : '')).trim();
    switch (field.kind) {
      case 'text':
        setAtPath(plan, field.path, field.number ? numberOr(text, field.number.fallback) : text);
        break;
      case 'choice':
        setAtPath(plan, field.path, field.empty === 'null' && text === '' ? null : text);
        break;
      case 'key':
      case 'officer':
      case 'ceremony-type':
      case 'drive':
      case 'folder':
        setAtPath(plan, field.path, text);
        if (field.kind === 'drive' && field.drivePath) setAtPath(plan, field.drivePath, f[field.drivePath] ?? '');
        break;
      case 'key-version':
        setAtPath(plan, field.path, versionOf(f[field.path]));
        break;
      case 'key-versions':
        setAtPath(plan, field.path, (lists[field.path] ?? []).map(versionOf));
        break;
      case 'drives':
        setAtPath(plan, field.path, lists[field.path] ?? []);
        break;
      case 'roles':
        setAtPath(plan, field.path, lists[field.path] ?? []);
        break;
      case 'file-on-drive': {
        const folder = f[`${field.path}.drive`] ?? '';
        const name = (f[`${field.path}.name`] ?? '').trim();
        setAtPath(plan, field.path, folder && name ? `${folder}/${name}` : '');
        break;
      }
      case 'provider': {
        const provider = (f.provider ?? 'aws-kms') as ProviderId;
        plan.provider = provider;
        plan.files = {
          wrappingKey: f.wrappingKeyFile ?? '',
          ...(f.importTokenFile ? { importToken: f.importTokenFile } : {}),
        };
        plan.fields = Object.fromEntries(
          providerFields[provider]
            .map((p) => [p.name, (f[`field.${p.name}`] ?? (p.name === 'algorithm' ? defaultAlgorithm : '')).trim()])
            .filter(([, value]) => value),
        );
        break;
      }
    }
  }
  return plan;
}
