/**
 * Logged-in sessions, one per token. The PIN may arrive as parts typed by different officers
 * (split knowledge); the parts are joined here, passed to C_Login and dropped: never logged, stored,
 * or sent back.
 */
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import type { LoginResult, LoginRole } from '../../../shared/keys';
import { KnownObjects } from './known-objects';
import type { Pkcs11Module } from './module';
import type { NativeRsaAesChoice } from './native-rsa-aes-choice';
import { toHsmError } from './pkcs11-errors';
import type { Rfc5649Choice } from './rfc5649-choice';

type Handle = Buffer;

export interface TokenSession {
  handle: Handle;
  role: LoginRole | null;
  where: string;
  serial: string;
  /** The slot the session was opened in. */
  slot: Handle;
  /** The key objects found while logged in as `role` (forgotten when the login changes). */
  known: KnownObjects;
  /** Which mechanism gives RFC 5649 on this token, learned by known answer on first need (rfc5649.ts). */
  rfc5649?: Rfc5649Choice;
  /** Whether the token's own CKM_RSA_AES_KEY_WRAP is used, learned by known answer on first need (native-rsa-aes.ts). */
  nativeRsaAes?: NativeRsaAesChoice;
  /** Whether the token reports CKA_CHECK_VALUE, learned on first need (keys.ts). */
  reportsCheckValue?: boolean;
}

const maxPinParts = 8;

function pinWarnings(flags: number, role: LoginRole): string[] {
  const who = role === 'user' ? 'user' : 'security officer';
  const [low, final, locked] =
    role === 'user'
      ? [pkcs11js.CKF_USER_PIN_COUNT_LOW, pkcs11js.CKF_USER_PIN_FINAL_TRY, pkcs11js.CKF_USER_PIN_LOCKED]
      : [pkcs11js.CKF_SO_PIN_COUNT_LOW, pkcs11js.CKF_SO_PIN_FINAL_TRY, pkcs11js.CKF_SO_PIN_LOCKED];
  if (flags & locked) return [`The ${who} PIN is locked.`];
  if (flags & final) return [`One more wrong ${who} PIN will lock the token's ${who} PIN.`];
  if (flags & low) return [`The token has recorded a wrong ${who} PIN since the last good login.`];
  return [];
}

/**
 * One read-write session per token for the life of the HSM process. Logging out keeps it open, so
 * public session objects (the SO-prepared ephemeral wrapping key) survive a change of role.
 */
export class Sessions {
  private readonly open = new Map<string, TokenSession>();
  /** Tokens found to have no security officer login, by the name sessions give them. */
  private readonly withoutOfficer = new Set<string>();
  /**
   * The session each token address led to. While that session is alive in the slot it was opened in, the
   * slots are not scanned again (a scan reads every slot's token): they are once the session is found
   * closed (CKR_SESSION_HANDLE_INVALID, CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT…), which a token's removal
   * does to every session on it, so no other token can be behind a live session.
   */
  private readonly byUri = new Map<string, TokenSession>();

  constructor(private readonly module: Pkcs11Module) {}

  login(uri: string, role: LoginRole, pinParts: string[]): LoginResult {
    const { slot, summary } = this.module.findToken(uri);
    const where = `token "${summary.label}" (serial ${summary.serial})`;
    if (pinParts.length === 0 || pinParts.length > maxPinParts || pinParts.some((p) => p.length === 0)) {
      throw new KeywardError(
        'INVALID_REQUEST',
        `A PIN for ${where} must be given as 1 to ${maxPinParts} non-empty parts.`,
        'Each officer holding a part types it; leave no part empty.',
      );
    }
    const lib = this.module.lib;
    const session = this.session(uri);
    if (session.role === role) return { role, warnings: pinWarnings(lib.C_GetTokenInfo(slot).flags, role) };
    if (session.role) this.logout(uri);
    session.known.forget();
    try {
      lib.C_Login(session.handle, role === 'user' ? pkcs11js.CKU_USER : pkcs11js.CKU_SO, pinParts.join(''));
    } catch (error) {
      throw this.loginError(error, where, role, slot);
    }
    session.role = role;
    return { role, warnings: pinWarnings(lib.C_GetTokenInfo(slot).flags, role) };
  }

  logout(uri: string): void {
    const { summary } = this.module.findToken(uri);
    const session = this.open.get(summary.serial);
    if (!session?.role) return;
    session.role = null;
    session.known.forget();
    try {
      this.module.lib.C_Logout(session.handle);
    } catch {
      // Already logged out, or the device is gone: either way nobody is logged in now.
    }
  }

  /** The token's work session, opened on first use (no login needed for public objects). */
  session(uri: string): TokenSession {
    const known = this.byUri.get(uri);
    if (known && this.open.get(known.serial) === known && this.stillInItsSlot(known)) return known;
    known?.known.forget();
    this.byUri.delete(uri);
    const session = this.lookUp(uri);
    this.byUri.set(uri, session);
    return session;
  }

  private stillInItsSlot(session: TokenSession): boolean {
    try {
      return this.module.lib.C_GetSessionInfo(session.handle).slotID.equals(session.slot);
    } catch {
      return false;
    }
  }

  private alive(session: TokenSession): boolean {
    try {
      this.module.lib.C_GetSessionInfo(session.handle);
      return true;
    } catch {
      return false;
    }
  }

  /** The slots scanned for the token, and its session reused while alive or opened anew. */
  private lookUp(uri: string): TokenSession {
    const { slot, summary } = this.module.findToken(uri);
    const where = `token "${summary.label}" (serial ${summary.serial})`;
    const existing = this.open.get(summary.serial);
    if (existing) {
      if (this.alive(existing)) return existing;
      // The token closed it (removed and reinserted, or reset): open a fresh one; the login is gone too.
      this.open.delete(summary.serial);
    }
    const handle = this.module.guard(where, () =>
      this.module.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION),
    );
    const session: TokenSession = {
      handle,
      role: null,
      where,
      serial: summary.serial,
      slot,
      known: new KnownObjects(),
    };
    this.open.set(summary.serial, session);
    return session;
  }

  /** The work session, with the role a step needs logged in. */
  /** The token's session, logged in as `role` (or as any of the roles given). */
  /**
   * What only the security officer may do: on a token that has no security officer login (NSS's softoken,
   * found when one was refused with CKR_USER_TYPE_INVALID) the user does it. Such a token fails the
   * enforcement trials, so it holds CMKs only when set apart for rehearsals (hsm-connection.ts).
   */
  requireOfficer(uri: string): TokenSession {
    const session = this.session(uri);
    return this.require(
      uri,
      this.withoutOfficer.has(session.where) ? ['security-officer', 'user'] : 'security-officer',
    );
  }

  require(uri: string, role: LoginRole | readonly LoginRole[]): TokenSession {
    const session = this.session(uri);
    const roles: readonly LoginRole[] = typeof role === 'string' ? [role] : role;
    const who = roles.includes('user') ? 'a key officer (user PIN)' : 'the security officer (SO PIN)';
    if (!session.role || !roles.includes(session.role)) {
      throw new KeywardError(
        'HSM_NOT_LOGGED_IN',
        `This step needs ${who} to be logged in to ${session.where}${session.role ? `, but the ${session.role} is logged in` : ''}.`,
        `Log in to the token as ${roles.includes('user') ? 'user' : 'security officer'}, then repeat the step.`,
      );
    }
    return session;
  }
  private loginError(error: unknown, where: string, role: LoginRole, slot: Handle): KeywardError {
    const ckr = error instanceof Error ? error.message : '';
    const who = role === 'user' ? 'user' : 'security officer';
    let flags = 0;
    try {
      flags = this.module.lib.C_GetTokenInfo(slot).flags;
    } catch {
      // The token may be gone; report what we know.
    }
    if (ckr === 'CKR_PIN_LOCKED' || (ckr === 'CKR_PIN_INCORRECT' && pinWarnings(flags, role)[0]?.endsWith('locked.'))) {
      return new KeywardError(
        'HSM_PIN_LOCKED',
        `The ${who} PIN of ${where} is locked after too many wrong entries.`,
        role === 'user'
          ? 'The security officer must unblock the user PIN (set a new one) before anyone can log in as user.'
          : 'The token must be re-initialised following the vendor procedure; its keys cannot be used until then.',
      );
    }
    if (ckr === 'CKR_PIN_INCORRECT' || ckr === 'CKR_PIN_LEN_RANGE') {
      const state = pinWarnings(flags, role);
      return new KeywardError(
        'HSM_PIN_INCORRECT',
        `The ${who} PIN entered for ${where} is not correct.${state.length ? ` ${state.join(' ')}` : ''}`,
        (flags & (role === 'user' ? pkcs11js.CKF_USER_PIN_FINAL_TRY : pkcs11js.CKF_SO_PIN_FINAL_TRY)) !== 0
          ? 'Stop and check the PIN parts with their holders before trying again: the next wrong PIN locks it.'
          : 'Each officer re-enters their part of the PIN, in the agreed order; then try again.',
      );
    }
    if (ckr === 'CKR_USER_TYPE_INVALID' && role === 'security-officer') {
      this.withoutOfficer.add(where);
      return new KeywardError(
        'HSM_NO_SO_LOGIN',
        `${where} has no security officer login (C_Login as CKU_SO returned CKR_USER_TYPE_INVALID), so what only the security officer may do (marking a wrapping key trusted) cannot be done on it.`,
        'Use an HSM with a security officer role. A token without one may serve for rehearsals only.',
      );
    }
    if (ckr === 'CKR_USER_ANOTHER_ALREADY_LOGGED_IN' || ckr === 'CKR_USER_ALREADY_LOGGED_IN') {
      return new KeywardError(
        'HSM_NOT_LOGGED_IN',
        `Another role is already logged in to ${where}, so the ${who} cannot log in now.`,
        'Log out of the token first (or restart Keyward, which logs out), then log in again.',
      );
    }
    return toHsmError(error, where);
  }
}
