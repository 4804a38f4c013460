/** NSS's softoken (Debian's libnss3) as a test token: a fresh database in a temp folder, opened with C_Initialize arguments. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const nssModule = '/usr/lib/x86_64-linux-gnu/libsoftokn3.so';
/** The slot that holds keys and has the user PIN (the first, "NSS Generic Crypto Services", has no login). */
export const nssTokenLabel = 'NSS Certificate DB';

export interface NssDatabase {
  dir: string;
  /** C_Initialize's arguments that open it (the module refuses to start without them). */
  moduleArgs: string;
  userPin: string;
  cleanup(): void;
}

export function makeNssDatabase(userPin = 'nss-user-1234'): NssDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-nss-'));
  const pinFile = join(dir, 'pin.txt');
  writeFileSync(pinFile, `${userPin}\n`, { mode: 0o600 });
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '-f', pinFile], { stdio: 'ignore' });
  rmSync(pinFile);
  return {
    dir,
    moduleArgs: `configdir='sql:${dir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=`,
    userPin,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
