/**
 * The one place that imports pkcs11js. A module is loaded once per HSM process and every token read
 * here is read live from the module.
 */
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import { formatTokenUri, parseTokenUri, selectorMatches } from '../../../shared/pkcs11-uri';
import type { LoginState, ModuleInfo, ObjectCounts, TokenDetails, TokenSummary } from '../../../shared/token';
import { trustedModulePath } from '../module-path';
import type { InitTokenRequest } from '../protocol';
import { toHsmError } from './pkcs11-errors';

type Handle = Buffer;

/** CK_STATE values (PKCS#11 v2.40 §5.7); pkcs11js does not export them. */
const sessionStates: Record<number, LoginState> = {
  0: 'not-logged-in', // CKS_RO_PUBLIC_SESSION
  1: 'user', // CKS_RO_USER_FUNCTIONS
  2: 'not-logged-in', // CKS_RW_PUBLIC_SESSION
  3: 'user', // CKS_RW_USER_FUNCTIONS
  4: 'security-officer', // CKS_RW_SO_FUNCTIONS
};

/** CK_SLOT_INFO flags; exported by pkcs11js at run time but missing from its types. */
const CKF_REMOVABLE_DEVICE = 0x2;
const CKF_HW_SLOT = 0x4;

/** CK_UNAVAILABLE_INFORMATION and CK_EFFECTIVELY_INFINITE as pkcs11js reports them on 64-bit Linux. */
const unavailable = (n: number): boolean => n < 0 || n >= 2 ** 32 - 1;

const trim = (s: string): string => s.replace(/[\s\0]+$/, '');

export interface SlotToken {
  slot: Handle;
  summary: TokenSummary;
}

export class Pkcs11Module {
  /** Used by the other files of the HSM layer (sessions, keys, signing); nothing outside src/main/hsm sees it. */
  readonly lib: pkcs11js.PKCS11;
  readonly path: string;

  private constructor(
    lib: pkcs11js.PKCS11,
    path: string,
    private readonly initArgs: pkcs11js.InitializationOptions | undefined,
  ) {
    this.lib = lib;
    this.path = path;
  }

  /** `moduleArgs`: C_Initialize's arguments (pReserved), for a module that reads them (NSS's softoken does). */
  static open(path: string, moduleArgs?: string): Pkcs11Module {
    // Checked again here, just before dlopen runs the library's code, and loaded by its real path.
    const real = trustedModulePath(path);
    const lib = new pkcs11js.PKCS11();
    try {
      lib.load(real);
    } catch (error) {
      throw new KeywardError(
        'HSM_MODULE_LOAD_FAILED',
        `The file ${path} could not be loaded as a PKCS#11 module: ${error instanceof Error ? error.message : String(error)}.`,
        'Choose the PKCS#11 library file the HSM vendor documents (a shared library exporting C_GetFunctionList), not another file.',
      );
    }
    const initArgs = moduleArgs !== undefined ? { libraryParameters: moduleArgs } : undefined;
    try {
      lib.C_Initialize(initArgs);
    } catch (error) {
      const ckr = error instanceof Error ? error.message : String(error);
      throw new KeywardError(
        'HSM_MODULE_LOAD_FAILED',
        `The PKCS#11 module ${path} loaded, but refused to start: C_Initialize ${moduleArgs !== undefined ? 'with the module arguments given ' : ''}returned ${ckr}.`,
        moduleArgs !== undefined
          ? 'Check the module arguments against the HSM vendor documentation (they are passed to C_Initialize as given).'
          : 'Some modules need arguments to start (NSS needs its database folder, for example): give them as the module arguments, as the HSM vendor documents.',
      );
    }
    return new Pkcs11Module(lib, path, initArgs);
  }

  close(): void {
    try {
      this.lib.C_Finalize();
    } catch {
      // Finalising a module that lost its device can fail; the process is ending anyway.
    }
  }

  /** Re-reads slots after C_InitToken: some modules (SoftHSM) only renumber on a fresh initialise. */
  private reinitialise(): void {
    this.lib.C_Finalize();
    this.lib.C_Initialize(this.initArgs);
  }

  describe(): ModuleInfo {
    const info = this.guard(`the module ${this.path}`, () => this.lib.C_GetInfo());
    return {
      path: this.path,
      cryptokiVersion: info.cryptokiVersion,
      manufacturer: trim(info.manufacturerID),
      description: trim(info.libraryDescription),
      libraryVersion: info.libraryVersion,
    };
  }

  listTokens(): TokenSummary[] {
    return this.slotTokens().map((t) => t.summary);
  }

  describeToken(uri: string): TokenDetails {
    const { slot, summary } = this.findToken(uri);
    const where = `token "${summary.label}" (serial ${summary.serial})`;
    return this.guard(where, () => {
      const info = this.lib.C_GetTokenInfo(slot);
      const slotInfo = this.lib.C_GetSlotInfo(slot);
      const f = info.flags;
      const session = this.readSession(slot);
      try {
        const state = this.lib.C_GetSessionInfo(session).state;
        const loginState = sessionStates[state] ?? 'not-logged-in';
        return {
          ...summary,
          firmware: info.firmwareVersion,
          hardware: info.hardwareVersion,
          slotDescription: trim(slotInfo.slotDescription),
          removableDevice: (slotInfo.flags & CKF_REMOVABLE_DEVICE) !== 0,
          hardwareSlot: (slotInfo.flags & CKF_HW_SLOT) !== 0,
          loginRequired: (f & pkcs11js.CKF_LOGIN_REQUIRED) !== 0,
          loginState,
          pin: {
            userPinInitialized: (f & pkcs11js.CKF_USER_PIN_INITIALIZED) !== 0,
            userPinCountLow: (f & pkcs11js.CKF_USER_PIN_COUNT_LOW) !== 0,
            userPinFinalTry: (f & pkcs11js.CKF_USER_PIN_FINAL_TRY) !== 0,
            userPinLocked: (f & pkcs11js.CKF_USER_PIN_LOCKED) !== 0,
            userPinToBeChanged: (f & pkcs11js.CKF_USER_PIN_TO_BE_CHANGED) !== 0,
            soPinCountLow: (f & pkcs11js.CKF_SO_PIN_COUNT_LOW) !== 0,
            soPinFinalTry: (f & pkcs11js.CKF_SO_PIN_FINAL_TRY) !== 0,
            soPinLocked: (f & pkcs11js.CKF_SO_PIN_LOCKED) !== 0,
            soPinToBeChanged: (f & pkcs11js.CKF_SO_PIN_TO_BE_CHANGED) !== 0,
          },
          pinLength: { min: info.minPinLen, max: info.maxPinLen },
          objects: this.countObjects(session, loginState === 'user' ? 'all' : 'public-only'),
          sessions: {
            // Read after our own session opened, so it includes it.
            open: unavailable(info.sessionCount) ? 0 : info.sessionCount,
            max: unavailable(info.maxSessionCount) || info.maxSessionCount === 0 ? null : info.maxSessionCount,
          },
          clock: (f & pkcs11js.CKF_CLOCK_ON_TOKEN) !== 0 ? trim(info.utcTime) : null,
        };
      } finally {
        this.lib.C_CloseSession(session);
      }
    });
  }

  /** A session to read with: read-only, unless the SO is logged in (PKCS#11 then allows only read-write sessions). */
  private readSession(slot: Buffer): Buffer {
    try {
      return this.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    } catch (error) {
      if (!(error instanceof Error) || error.message !== 'CKR_SESSION_READ_WRITE_SO_EXISTS') throw error;
      return this.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    }
  }

  ensureInitializedToken(request: InitTokenRequest): TokenSummary {
    const existing = this.slotTokens().find((t) => t.summary.initialized && t.summary.label === request.label);
    if (existing) return existing.summary;
    const free = this.slotTokens().find((t) => !t.summary.initialized);
    if (!free) {
      throw new KeywardError(
        'REHEARSAL_SETUP_FAILED',
        `The module ${this.path} has no free slot in which to create the token "${request.label}".`,
        'Free a slot on the module (or, for the rehearsal token, delete the rehearsal folder in the data directory) and try again.',
      );
    }
    const where = `the new token "${request.label}"`;
    this.guard(where, () => {
      this.lib.C_InitToken(free.slot, request.soPin, request.label);
      this.reinitialise();
    });
    const created = this.slotTokens().find((t) => t.summary.initialized && t.summary.label === request.label);
    if (!created) {
      throw new KeywardError(
        'REHEARSAL_SETUP_FAILED',
        `The module reported success initialising "${request.label}" but the token is not listed afterwards.`,
        'Delete the rehearsal folder in the data directory and start Keyward again.',
      );
    }
    this.guard(where, () => {
      const session = this.lib.C_OpenSession(created.slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      try {
        this.lib.C_Login(session, pkcs11js.CKU_SO, request.soPin);
        try {
          this.lib.C_InitPIN(session, request.userPin);
        } finally {
          this.lib.C_Logout(session);
        }
      } finally {
        this.lib.C_CloseSession(session);
      }
    });
    return this.slotTokens().find((t) => t.summary.serial === created.summary.serial)?.summary ?? created.summary;
  }

  /** Slots whose token cannot be read (removed, or deleted under us) are left out, not fatal. */
  private slotTokens(): SlotToken[] {
    const slots = this.guard(`the module ${this.path}`, () => this.lib.C_GetSlotList(true));
    return slots.flatMap((slot): SlotToken[] => {
      let info: pkcs11js.TokenInfo;
      try {
        info = this.lib.C_GetTokenInfo(slot);
      } catch {
        return [];
      }
      const identity = {
        token: trim(info.label),
        manufacturer: trim(info.manufacturerID),
        model: trim(info.model),
        serial: trim(info.serialNumber),
      };
      const summary: TokenSummary = {
        uri: formatTokenUri(identity),
        label: identity.token,
        manufacturer: identity.manufacturer,
        model: identity.model,
        serial: identity.serial,
        initialized: (info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0,
      };
      return [{ slot, summary }];
    });
  }

  /**
   * Finds the one token a URI names. A token that is not there is looked for once more after
   * re-initialising the module: many modules (SoftHSM among them) only see a token connected or created
   * after C_Initialize when they are initialised again. Sessions and logins do not survive that.
   */
  findToken(uri: string): SlotToken {
    try {
      return this.findTokenOnce(uri);
    } catch (error) {
      if (!(error instanceof KeywardError) || error.code !== 'HSM_TOKEN_NOT_FOUND') throw error;
      this.guard(`the module ${this.path}`, () => this.reinitialise());
      return this.findTokenOnce(uri);
    }
  }

  private findTokenOnce(uri: string): SlotToken {
    const selector = parseTokenUri(uri);
    const tokens = this.slotTokens();
    const matches = tokens.filter(
      (t) =>
        t.summary.initialized &&
        selectorMatches(selector, {
          token: t.summary.label,
          manufacturer: t.summary.manufacturer,
          model: t.summary.model,
          serial: t.summary.serial,
        }),
    );
    const present = tokens
      .filter((t) => t.summary.initialized)
      .map((t) => `"${t.summary.label}" (serial ${t.summary.serial})`)
      .join(', ');
    const [match] = matches;
    if (!match) {
      throw new KeywardError(
        'HSM_TOKEN_NOT_FOUND',
        `No token matching ${uri} is present on ${this.path}. Tokens present: ${present || 'none'}.`,
        'Connect the HSM that holds this token, or choose one of the tokens present in Settings.',
      );
    }
    if (matches.length > 1) {
      throw new KeywardError(
        'HSM_TOKEN_AMBIGUOUS',
        `${matches.length} tokens match ${uri}: ${present}.`,
        'Add the serial number to the token address (serial=...) so that it names exactly one token.',
      );
    }
    return match;
  }

  private countObjects(session: Handle, scope: ObjectCounts['scope']): ObjectCounts {
    const count = (template: pkcs11js.Template): number => {
      this.lib.C_FindObjectsInit(session, template);
      try {
        let n = 0;
        for (
          let batch = this.lib.C_FindObjects(session, 256);
          batch.length > 0;
          batch = this.lib.C_FindObjects(session, 256)
        ) {
          n += batch.length;
        }
        return n;
      } finally {
        this.lib.C_FindObjectsFinal(session);
      }
    };
    const ofClass = (cls: number): number => count([{ type: pkcs11js.CKA_CLASS, value: cls }]);
    const counts = {
      secretKeys: ofClass(pkcs11js.CKO_SECRET_KEY),
      privateKeys: ofClass(pkcs11js.CKO_PRIVATE_KEY),
      publicKeys: ofClass(pkcs11js.CKO_PUBLIC_KEY),
      certificates: ofClass(pkcs11js.CKO_CERTIFICATE),
      dataObjects: ofClass(pkcs11js.CKO_DATA),
    };
    const known = Object.values(counts).reduce((a, b) => a + b, 0);
    return { ...counts, other: Math.max(0, count([]) - known), scope };
  }

  guard<T>(where: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toHsmError(error, where);
    }
  }
}
