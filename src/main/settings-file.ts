/** The workstation's HSM choice, kept as settings.json in the data directory and validated on every read. */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hsmSettingsSchema } from '../shared/contract';
import { KeywardError } from '../shared/errors';
import type { HsmSettings } from '../shared/settings';

const fileName = 'settings.json';

export function readSettings(dataDir: string): HsmSettings {
  const path = join(dataDir, fileName);
  if (!existsSync(path)) return { mode: 'rehearsal' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw settingsError(path, error instanceof Error ? error.message : String(error));
  }
  const result = hsmSettingsSchema.safeParse(parsed);
  if (!result.success) throw settingsError(path, result.error.issues.map((i) => i.message).join('; '));
  return result.data;
}

/** Written to a temporary file, flushed, then renamed, so a crash leaves either the old or the new settings. */
export function writeSettings(dataDir: string, settings: HsmSettings): void {
  const path = join(dataDir, fileName);
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(settings, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

function settingsError(path: string, why: string): KeywardError {
  return new KeywardError(
    'SETTINGS_INVALID',
    `The settings file ${path} cannot be used: ${why}.`,
    'Choose the HSM again in Settings (this rewrites the file), or delete the file to return to the rehearsal token.',
  );
}
