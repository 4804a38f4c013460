/**
 * The environment of the HSM process. It loads the PKCS#11 module, and every PIN passes through that
 * process, so nothing in Keyward's own environment may decide what else is loaded into it or where the
 * module sends what it sees: the dynamic loader's variables (LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH…),
 * glibc's (GCONV_PATH loads conversion modules, GLIBC_TUNABLES), Node's (NODE_OPTIONS=--require…),
 * OpenSSL's (a configuration file or engine folder loads shared objects into a module linked with it)
 * and OpenSC's spy module's (PKCS11SPY names the module it forwards to, PKCS11SPY_OUTPUT the file that
 * receives every call, PINs included). What a vendor module legitimately reads (its configuration
 * file's variable such as SOFTHSM2_CONF, HOME, PATH, DBUS_SESSION_BUS_ADDRESS, the locale) is kept.
 */

/** Names dropped whatever their value. */
const droppedNames = new Set([
  'GCONV_PATH',
  'GLIBC_TUNABLES',
  'MALLOC_TRACE',
  'LOCPATH',
  'NLSPATH',
  'HOSTALIASES',
  'RESOLV_HOST_CONF',
  'OPENSSL_CONF',
  'OPENSSL_ENGINES',
  'OPENSSL_MODULES',
  'ELECTRON_RUN_AS_NODE',
]);

/** Prefixes of names dropped: the dynamic loader, Node, OpenSC's spy module. */
const droppedPrefixes = ['LD_', 'NODE_', 'PKCS11SPY'];

/** Whether a variable may reach the HSM process. */
export function passesToHsmProcess(name: string): boolean {
  const upper = name.toUpperCase();
  return !droppedNames.has(upper) && !droppedPrefixes.some((prefix) => upper.startsWith(prefix));
}

/**
 * The environment an HSM process starts with: Keyward's own, less what could load code into it or tap
 * it, with the module's own variables (the rehearsal token's SOFTHSM2_CONF) and Keyward's (which module,
 * which parent) on top; those pass the same filter.
 */
export function hsmProcessEnv(inherited: NodeJS.ProcessEnv, own: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...inherited, ...own })) {
    if (value !== undefined && passesToHsmProcess(name)) env[name] = value;
  }
  return env;
}
