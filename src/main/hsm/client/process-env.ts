/**
 * The environment of the HSM process. It loads the PKCS#11 module, and every PIN passes through that
 * process, so nothing in Keyward's own environment may decide what else is loaded into it or where the
 * module sends what it sees. The dynamic loader's variables (LD_PRELOAD, LD_AUDIT…), glibc's (GCONV_PATH),
 * Node's (NODE_OPTIONS=--require…), OpenSSL's and OpenSC's configuration (each can name shared objects
 * to load) and OpenSC's spy module's (PKCS11SPY_OUTPUT receives every call, PINs included) are only
 * examples: a list of what to drop is never complete, so only what is listed passes
 * (src/shared/module-load.ts). A vendor module that needs another variable to find its configuration is
 * added to `vendorVariables` there, naming its vendor.
 */
import { generalPrefixes, generalVariables, vendorVariables } from '../../../shared/module-load';
import { parentPidEnvVar } from '../channel';
import { moduleArgsEnvVar, moduleEnvVar } from '../protocol';

/** Keyward's own, set for the process by Keyward itself. */
const keywardNames = new Set([moduleEnvVar, moduleArgsEnvVar, parentPidEnvVar]);

/** Whether a variable, with this value, may reach the HSM process. */
export function passesToHsmProcess(name: string, value = ''): boolean {
  if (generalVariables.has(name) || generalPrefixes.some((prefix) => name.startsWith(prefix))) return true;
  if (keywardNames.has(name)) return true;
  const vendor = vendorVariables[name];
  return vendor !== undefined && !vendor.refused?.test(value);
}

/**
 * The environment an HSM process starts with: what passes of Keyward's own, with the module's own
 * variables (the rehearsal token's SOFTHSM2_CONF) and Keyward's (which module, which parent) on top;
 * those pass the same filter.
 */
export function hsmProcessEnv(inherited: NodeJS.ProcessEnv, own: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...inherited, ...own })) {
    if (value !== undefined && passesToHsmProcess(name, value)) env[name] = value;
  }
  return env;
}
