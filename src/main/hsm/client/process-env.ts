/**
 * The environment of the HSM process. It loads the PKCS#11 module, and every PIN passes through that
 * process, so nothing in Keyward's own environment may decide what else is loaded into it or where the
 * module sends what it sees. The dynamic loader's variables (LD_PRELOAD, LD_AUDIT…), glibc's (GCONV_PATH),
 * Node's (NODE_OPTIONS=--require…), OpenSSL's and OpenSC's configuration (each can name shared objects
 * to load) and OpenSC's spy module's (PKCS11SPY_OUTPUT receives every call, PINs included) are only
 * examples: a list of what to drop is never complete, so only what is listed here passes. A vendor
 * module that needs another variable to find its configuration is added to `vendorVariables`, naming
 * its vendor.
 */
import { parentPidEnvVar } from '../channel';
import { moduleEnvVar } from '../protocol';

/** What any program may read: where home is, the program search path, the user, the locale, the time zone, temporary files. */
const generalNames = new Set(['HOME', 'PATH', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TERM']);
const generalPrefixes = ['LC_'];

interface VendorVariable {
  vendor: string;
  /** A value the variable may not take: one that would name a shared object to load, say. */
  refused?: RegExp;
}

/** What vendors' modules read to find their configuration or their daemon. */
const vendorVariables: Record<string, VendorVariable> = {
  SOFTHSM2_CONF: { vendor: 'SoftHSM2' },
  ChrystokiConfigurationPath: { vendor: 'Thales Luna' },
  NFAST_HOME: { vendor: 'Entrust nShield' },
  CS_PKCS11_R2_CFG: { vendor: 'Utimaco' },
  CS_PKCS11_R3_CFG: { vendor: 'Utimaco' },
  YUBIHSM_PKCS11_CONF: { vendor: 'Yubico YubiHSM 2' },
  TPM2_PKCS11_STORE: { vendor: 'tpm2-pkcs11' },
  // A TCTI given as a path is a library tpm2-tss loads: only a name ("tabrmd:bus_type=session") passes.
  TPM2_PKCS11_TCTI: { vendor: 'tpm2-pkcs11', refused: /\// },
  // tpm2-abrmd is reached over the session bus.
  DBUS_SESSION_BUS_ADDRESS: { vendor: 'tpm2-pkcs11' },
  XDG_RUNTIME_DIR: { vendor: 'tpm2-pkcs11' },
};

/** Keyward's own, set for the process by Keyward itself. */
const keywardNames = new Set([moduleEnvVar, parentPidEnvVar]);

/** Whether a variable, with this value, may reach the HSM process. */
export function passesToHsmProcess(name: string, value = ''): boolean {
  if (generalNames.has(name) || generalPrefixes.some((prefix) => name.startsWith(prefix))) return true;
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
