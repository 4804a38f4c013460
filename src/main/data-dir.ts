/**
 * Keyward's data directory: settings, the rehearsal token and (later) the audit database.
 * KEYWARD_DATA_DIR overrides it, for tests and for a workstation that keeps data on a dedicated volume.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KEYWARD_DATA_DIR) return resolve(env.KEYWARD_DATA_DIR);
  const base = env.XDG_DATA_HOME ? resolve(env.XDG_DATA_HOME) : join(homedir(), '.local', 'share');
  return join(base, 'keyward');
}

export function ensureDataDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
