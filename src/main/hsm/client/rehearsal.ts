/**
 * The rehearsal token: a SoftHSM2 token inside Keyward's own data directory, with its own
 * SOFTHSM2_CONF, so that rehearsals never touch the system's token directory.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeywardError } from '../../../shared/errors';
import type { HsmProcessOptions } from '../channel';

const softhsmModuleCandidates = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

export function findSoftHsmModule(): string {
  const found = softhsmModuleCandidates.find((path) => existsSync(path));
  if (!found) {
    throw new KeywardError(
      'REHEARSAL_SETUP_FAILED',
      `SoftHSM2, which provides the rehearsal token, is not installed (looked for ${softhsmModuleCandidates.join(', ')}).`,
      'Run "npm run setup" (or, as root, "apt-get install softhsm2"), or choose a real HSM in Settings.',
    );
  }
  return found;
}

/** Creates the rehearsal folder and its SoftHSM2 configuration if missing; returns how to start its HSM process. */
export function prepareRehearsalModule(dataDir: string): HsmProcessOptions {
  const folder = join(dataDir, 'rehearsal');
  const tokens = join(folder, 'tokens');
  const conf = join(folder, 'softhsm2.conf');
  mkdirSync(tokens, { recursive: true, mode: 0o700 });
  if (!existsSync(conf)) {
    writeFileSync(
      conf,
      [
        '# Keyward rehearsal token: SoftHSM2 configuration (created by Keyward; the tokens protect nothing real).',
        `directories.tokendir = ${tokens}`,
        'objectstore.backend = file',
        'log.level = ERROR',
        'slots.removable = false',
        '',
      ].join('\n'),
      { mode: 0o600, flag: 'wx' },
    );
  }
  return { modulePath: findSoftHsmModule(), env: { SOFTHSM2_CONF: conf } };
}
