/**
 * The workstation's HSM choice, kept as settings.json in the data directory and validated on every read.
 * On an initialised workstation it carries the security officers' approval, signed by the workstation key
 * (src/main/hsm/client/approved-selection.ts), beside the selection: one file, replaced atomically, so the
 * selection and its approval never disagree because of a crash.
 *
 * A change-hsm ceremony's step stages the new selection in settings.staged.json while the step's
 * completion is being committed to the database; it takes the place of settings.json only once that commit
 * is known to have happened (settleStagedSettings), so a commit that fails leaves the old selection in force.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { hsmSettingsSchema } from '../shared/contract';
import { KeywardError } from '../shared/errors';
import type { HsmSettings } from '../shared/settings';
import { selectionApprovalSchema, type SavedSelection } from './hsm/client/approved-selection';

export const settingsFileName = 'settings.json';
const stagedFileName = 'settings.staged.json';

export const settingsPath = (dataDir: string): string => join(dataDir, settingsFileName);

function parseJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw settingsError(path, error instanceof Error ? error.message : String(error));
  }
}

function parseSelection(path: string, parsed: unknown): SavedSelection {
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  const { approval, ...selection } = isObject ? (parsed as Record<string, unknown>) : {};
  const settings = hsmSettingsSchema.safeParse(isObject ? selection : parsed);
  if (!settings.success) throw settingsError(path, settings.error.issues.map((i) => i.message).join('; '));
  if (approval === undefined) return { settings: settings.data };
  const checked = selectionApprovalSchema.safeParse(approval);
  if (!checked.success)
    throw settingsError(
      path,
      `its approval is damaged (${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
    );
  return { settings: settings.data, approval: checked.data };
}

/** The saved selection with its approval, if it carries one (a file from before approvals were signed does not). */
export function readSavedSelection(dataDir: string): SavedSelection {
  const path = settingsPath(dataDir);
  if (!existsSync(path)) return { settings: { mode: 'rehearsal' } };
  return parseSelection(path, parseJson(path));
}

export function readSettings(dataDir: string): HsmSettings {
  return readSavedSelection(dataDir).settings;
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncFolder(dirname(path));
}

function syncFolder(folder: string): void {
  const dirFd = openSync(folder, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

const fileText = (saved: SavedSelection): string =>
  `${JSON.stringify({ ...saved.settings, ...(saved.approval ? { approval: saved.approval } : {}) }, null, 2)}\n`;

/** Written to a temporary file, flushed, then renamed, so a crash leaves either the old or the new settings. */
export function writeSettings(dataDir: string, settings: HsmSettings, approval?: SavedSelection['approval']): void {
  writeAtomically(settingsPath(dataDir), fileText({ settings, ...(approval ? { approval } : {}) }));
}

const stagedSchema = z.object({ ceremony: z.string().min(1).max(200), selection: z.unknown() }).strict();

/** The selection a change-hsm step approved, kept aside until its completion is committed (see settleStagedSettings). */
export function stageSettings(dataDir: string, ceremonyId: string, saved: SavedSelection): void {
  writeAtomically(
    join(dataDir, stagedFileName),
    `${JSON.stringify({ ceremony: ceremonyId, selection: JSON.parse(fileText(saved)) as unknown }, null, 2)}\n`,
  );
}

/**
 * A staged selection takes the place of settings.json if its ceremony's step was committed as done;
 * otherwise (the commit failed, or Keyward stopped before it) it is dropped and the old selection stays
 * in force, but only while no other Keyward is at work (`whileAlone`): the one that staged it may be
 * about to commit its step. Returns what became of it, if there was one.
 */
export function settleStagedSettings(
  dataDir: string,
  committed: (ceremonyId: string) => boolean,
  whileAlone: (act: () => void) => boolean,
): 'applied' | 'dropped' | 'kept' | undefined {
  const path = join(dataDir, stagedFileName);
  if (!existsSync(path)) return undefined;
  const settle = (dropIfUncommitted: boolean): 'applied' | 'dropped' | undefined => {
    const staged = stagedSchema.safeParse(parseJson(path));
    if (!staged.success) throw settingsError(path, 'it is not a selection Keyward staged');
    const selection = parseSelection(path, staged.data.selection);
    const applies = committed(staged.data.ceremony);
    if (!applies && !dropIfUncommitted) return undefined;
    if (applies) writeSettings(dataDir, selection.settings, selection.approval);
    rmSync(path, { force: true });
    syncFolder(dataDir);
    return applies ? 'applied' : 'dropped';
  };
  const settled = settle(false);
  if (settled) return settled;
  let outcome: 'applied' | 'dropped' | undefined;
  // Under the lock, read again: the Keyward that staged it may have committed since.
  const alone = whileAlone(() => {
    if (existsSync(path)) outcome = settle(true);
  });
  return alone ? outcome : 'kept';
}

function settingsError(path: string, why: string): KeywardError {
  return new KeywardError(
    'SETTINGS_INVALID',
    `The settings file ${path} cannot be used: ${why}.`,
    "Before the workstation is initialised: choose the HSM again in Settings (this rewrites the file), or delete the file to return to the rehearsal token. Afterwards: put back the file as Keyward last wrote it (the audit log's latest hsm.select or hsm.approve entry names the module and token), as only a change-hsm ceremony changes it.",
  );
}
