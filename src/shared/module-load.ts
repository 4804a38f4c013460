/**
 * How a PKCS#11 module is loaded: its file, and what some modules need to start: arguments to
 * C_Initialize (NSS's softoken reads its database folder from them; some vendors a configuration path)
 * and environment variables (a vendor's configuration file). Every PIN passes through the process that
 * loads the module, so only the variables named here may be given, never one that would load other code.
 */
import { z } from 'zod';

/** What any program may read: where home is, the program search path, the user, the locale, the time zone, temporary files. */
export const generalVariables = new Set([
  'HOME',
  'PATH',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TERM',
]);
export const generalPrefixes = ['LC_'];

interface VendorVariable {
  vendor: string;
  /** A value the variable may not take: one that would name a shared object to load, say. */
  refused?: RegExp;
}

/** What vendors' modules read to find their configuration or their daemon. */
export const vendorVariables: Record<string, VendorVariable> = {
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

/** Why a module may not be given this variable with this value; undefined when it may. */
export function moduleVariableProblem(name: string, value: string): string | undefined {
  if (value.includes('\0')) return `${name}'s value contains a NUL character`;
  if (generalVariables.has(name) || generalPrefixes.some((prefix) => name.startsWith(prefix))) return undefined;
  const vendor = vendorVariables[name];
  if (!vendor)
    return `${name} is not a variable Keyward passes to a module (those it passes: ${Object.keys(vendorVariables).join(', ')}); a variable that could load other code into the process the PINs pass through never is`;
  if (vendor.refused?.test(value))
    return `${name} may not be "${value}" (${vendor.vendor}: it would name a library to load)`;
  return undefined;
}

/** C_Initialize's arguments (pReserved, as NSS and some vendors read it): one line of printable text. */
export const moduleArgsSchema = z
  .string()
  .min(1, 'the module arguments are empty (leave them out instead)')
  .max(1024, 'the module arguments are longer than 1024 characters')
  // eslint-disable-next-line no-control-regex
  .refine((text) => !/[\u0000-\u001f\u007f]/.test(text), 'the module arguments contain a control character')
  // They are shown in plans and kept in the audit log: a PIN is asked for by Keyward, never put here.
  .refine(
    (text) => !/(pin|pass(word|phrase)?|secret|credential)\w*\s*[=:]/i.test(text),
    'the module arguments seem to hold a PIN or password; Keyward asks for PINs itself, and module arguments are shown in plans and audited',
  );

export const moduleEnvSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a variable name is letters, digits and _'),
    z.string().max(4096),
  )
  .superRefine((env, ctx) => {
    if (Object.keys(env).length > 16)
      ctx.addIssue({ code: 'custom', message: 'at most 16 variables are given to a module' });
    for (const [name, value] of Object.entries(env)) {
      const problem = moduleVariableProblem(name, value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [name] });
    }
  });

/** A module with what it needs to start. */
export interface ModuleLoad {
  modulePath: string;
  /** Arguments to C_Initialize, e.g. NSS's "configdir='sql:/path' certPrefix='' keyPrefix='' secmod='secmod.db' flags=". */
  moduleArgs?: string;
  /** Variables the module reads, e.g. a vendor's configuration file. */
  moduleEnv?: Record<string, string>;
}

/** The arguments and variables as a plan and the audit log show them (none hold a secret: see moduleArgsSchema). */
export function moduleLoadInWords(load: ModuleLoad): string {
  const env = Object.entries(load.moduleEnv ?? {});
  return [
    ...(load.moduleArgs !== undefined ? [`initialised with the arguments "${load.moduleArgs}"`] : []),
    ...(env.length ? [`with ${env.map(([name, value]) => `${name}=${value}`).join(', ')}`] : []),
  ].join(' and ');
}

/** Variables typed one per line as NAME=VALUE (blank lines ignored); a line without "=" keeps its name, empty. */
export function variablesFromLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const at = line.indexOf('=');
    env[at < 0 ? line : line.slice(0, at)] = at < 0 ? '' : line.slice(at + 1);
  }
  return env;
}

/** The module's part of a selection (the rest, its token, is not the module's). */
export const moduleLoadOf = (load: ModuleLoad): ModuleLoad => ({
  modulePath: load.modulePath,
  ...(load.moduleArgs !== undefined ? { moduleArgs: load.moduleArgs } : {}),
  ...(load.moduleEnv !== undefined && Object.keys(load.moduleEnv).length ? { moduleEnv: load.moduleEnv } : {}),
});
