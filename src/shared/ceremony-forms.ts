/**
 * The kinds of field the app's form is made of, and the plan built from them. Each ceremony type declares
 * its form as data (its `form`, src/main/ceremonies/types): each field names the place in the plan it
 * fills (a dotted path into the same plan a plan file states), so the renderer builds the plan the main
 * process validates with the type's schema, and a refusal naming a path points at its field.
 */
import type { ChoiceOption } from './choice-option';
import { variablesFromLines } from './module-load';
import { officerIdFrom, type OfficerRole } from './officers';
import type { ProviderForm } from './providers';

export type { ChoiceOption } from './choice-option';

/** The form's typed values, by the plan path they fill; its lists (key versions, drives, roles) likewise. */
export type FormValues = Record<string, string>;
export type FormLists = Record<string, string[]>;

export type FormField =
  /** Typed text (a number when `number` is set: the plan gets the number, or `fallback` when it is not one; left out when `optional` and empty). */
  | {
      kind: 'text';
      path: string;
      id: string;
      label: string;
      hint?: string;
      initial?: string;
      number?: { fallback: number };
      optional?: true;
      /** An officer id: derived from the text at this path (a full name) until the officer edits it. */
      idFrom?: string;
    }
  /** Variables, typed one per line as NAME=VALUE; left out when none. */
  | { kind: 'variables'; path: string; id: string; label: string; hint: string }
  /**
   * One of fixed options; `empty` is sent as null (e.g. no provider yet). Options the token or provider
   * cannot serve are offered disabled, with why; `specFrom` names the field whose value is the key type
   * they are judged for.
   */
  | {
      kind: 'choice';
      path: string;
      id: string;
      label: string;
      options: ChoiceOption[];
      initial: string;
      empty?: 'null';
      specFrom?: string;
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
  /**
   * A backup's shares: each officer present with one of `roles` may be given a drive for their share (the
   * form's value `<path>.<officer id>` is the drive); the plan gets `[{ custodian, drive }]` in the order present.
   */
  | { kind: 'share-holders'; path: string; legend: string; roles: OfficerRole[] }
  /** Before a destroy: what the chosen version's loss means (active? backed up? exported?), and the key name typed again when no backup holds it. */
  | { kind: 'destroy-confirmation'; path: string }
  /** The provider, its wrapping key file (and AWS's import token file) from a drive, and its import fields, as each provider declares them. */
  | { kind: 'provider'; providers: ProviderForm[]; imported?: true };

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

/** The form value holding the drive for one custodian's share. */
export const shareDriveKey = (path: string, custodian: string): string => `${path}.${custodian}`;

/** The export form's choice of reading the provider's files again rather than using an imported wrapping key. */
export const newWrappingKeyFile = 'file';

/** A field's text as the form shows it and the plan gets it: what was typed, else derived, else its initial value. */
export function fieldText(field: FormField, f: FormValues): string {
  const given = 'path' in field ? f[field.path] : undefined;
  if (given !== undefined) return given;
  if (field.kind === 'text' && field.idFrom) return officerIdFrom(f[field.idFrom] ?? '');
  return 'initial' in field ? (field.initial ?? '') : '';
}

/** The plan object the main process validates exactly as it validates a plan file, built from the type's form fields (its `form`). */
export function planFromForm(
  type: string,
  form: readonly FormField[],
  f: FormValues,
  present: string[],
  lists: FormLists,
): Record<string, unknown> {
  const plan: Record<string, unknown> = { ceremony: type, officers: present };
  for (const field of form) {
    const text = fieldText(field, f).trim();
    switch (field.kind) {
      case 'text':
        if (field.optional && text === '') break;
        setAtPath(plan, field.path, field.number ? numberOr(text, field.number.fallback) : text);
        break;
      case 'variables': {
        const env = variablesFromLines(text);
        if (Object.keys(env).length) setAtPath(plan, field.path, env);
        break;
      }
      case 'choice':
        setAtPath(plan, field.path, field.empty === 'null' && text === '' ? null : text);
        break;
      case 'destroy-confirmation':
        if (text) setAtPath(plan, field.path, text);
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
      case 'share-holders':
        setAtPath(
          plan,
          field.path,
          present
            .map((custodian) => ({ custodian, drive: f[shareDriveKey(field.path, custodian)] ?? '' }))
            .filter((share) => share.drive),
        );
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
        const provider = field.providers.find((p) => p.id === f.provider) ?? field.providers[0];
        if (!provider) break;
        plan.provider = provider.id;
        // An export may use a wrapping key already on the token: its import's parameters, not the files again.
        if (field.imported && f.wrappingKey && f.wrappingKey !== newWrappingKeyFile) {
          plan.wrappingKey = f.wrappingKey;
          break;
        }
        plan.files = {
          wrappingKey: f.wrappingKeyFile ?? '',
          ...(provider.importTokenFile && f.importTokenFile ? { importToken: f.importTokenFile } : {}),
        };
        // A choice left as it is takes its first option, as the form shows it.
        plan.fields = Object.fromEntries(
          provider.fields
            .map((p) => [p.name, (f[`field.${p.name}`] ?? p.options?.[0]?.value ?? '').trim()])
            .filter(([, value]) => value),
        );
        break;
      }
    }
  }
  return plan;
}
