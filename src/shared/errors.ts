/**
 * Errors that cross a boundary (HSM process -> main, main -> renderer, CLI -> terminal) travel as plain
 * data: a stable code, a sentence for the officer saying what happened, and the next step to take.
 * Stack traces never cross.
 */
export const errorCodes = [
  'INVALID_REQUEST',
  'UNKNOWN_CALL',
  'FORBIDDEN_SENDER',
  'HSM_MODULE_LOAD_FAILED',
  /** A file Keyward will not load as a PKCS#11 module (outside the system library folders, or writable by others). */
  'HSM_MODULE_REFUSED',
  /** The saved HSM selection carries no valid approval of the security officers (signed by the workstation key): from before approvals were signed, or changed outside Keyward since. */
  'HSM_SELECTION_UNAPPROVED',
  /** The approved module file's SHA-256 is no longer the one the security officers approved. */
  'HSM_MODULE_CHANGED',
  'HSM_PROCESS_FAILED',
  /** An HSM operation that stopped showing signs of life, or ran longer than its kind allows: Keyward ended the HSM process (SIGKILL) so it can never finish the operation later. */
  'HSM_PROCESS_STALLED',
  /** An HSM process a Keyward that has since exited started for this data folder is still alive (stopped, or finishing an operation): no new one starts until it has ended. */
  'HSM_PROCESS_LINGERING',
  'HSM_TOKEN_NOT_FOUND',
  'HSM_TOKEN_AMBIGUOUS',
  'HSM_DEVICE_ERROR',
  'HSM_PIN_INCORRECT',
  'HSM_PIN_LOCKED',
  'HSM_NOT_LOGGED_IN',
  'HSM_MECHANISM_UNSUPPORTED',
  /** The token does not enforce what Keyward relies on (its probe says which): it holds no CMK outside rehearsal. */
  'HSM_NOT_ENFORCING',
  /** The token has no security officer login (NSS's softoken): what only the SO may do cannot be done on it outside rehearsal. */
  'HSM_NO_SO_LOGIN',
  'HSM_KEY_EXISTS',
  /** A label another object on the token already carries: labels name keys in ceremonies and must be unique. */
  'HSM_LABEL_TAKEN',
  'HSM_KEY_NOT_FOUND',
  'HSM_KEY_REJECTED',
  'HSM_SIGNATURE_INVALID',
  'REHEARSAL_SETUP_FAILED',
  'SETTINGS_INVALID',
  'INVALID_PKCS11_URI',
  'STORE_UNAVAILABLE',
  'STORE_CORRUPT',
  'STORE_TOO_NEW',
  /** The disk holding the data folder has too little free space for the workstation database to be opened or written. */
  'STORE_DISK_FULL',
  'AUDIT_REFUSED',
  /** A signed document (CMS signature, certificate) that does not verify or is not trusted. */
  'SIGNATURE_INVALID',
  'WORKSTATION_NOT_INITIALISED',
  'FILE_NOT_WRITTEN',
  'SELF_TEST_FAILED',
  'QUORUM_NOT_MET',
  /** What a ceremony's approvers approved no longer holds (the inventory or token changed since): it can only be aborted. */
  'CEREMONY_STALE',
  /** A ceremony's plan in the database is not the one the workstation signed when it was planned. */
  'CEREMONY_TAMPERED',
  /** The workstation may not be air-gapped and no security officer has acknowledged what was found. */
  'AIR_GAP_UNCONFIRMED',
  /** Keyward is doing one privileged operation already: wait for it, then try again. */
  'BUSY',
  /** A ceremony that completed or was aborted: nothing more can be done in it (its transcript can be written). */
  'CEREMONY_ENDED',
  /** The inventory already has a key of that name (an inventory name, not a token object). */
  'KEY_NAME_TAKEN',
  /** The inventory has no such key, version or wrapping key (a record Keyward keeps, not a token object). */
  'NOT_IN_INVENTORY',
  /** An officer's passphrase was wrong; attempts are left (or will be once running checks end): type it again. */
  'PASSPHRASE_WRONG',
  /** The officer is locked out after wrong passphrases: only an unlock ceremony by other officers lets them approve again. */
  'OFFICER_LOCKED_OUT',
  /** A plan file or the ceremony form does not follow its ceremony type's rules: correct the value named and plan again. */
  'PLAN_INVALID',
  /** No ceremony has that id on this workstation. */
  'CEREMONY_NOT_FOUND',
  /** A ceremony's step was left running when Keyward stopped: it is rolled back at the next login, then the ceremony goes on. */
  'CEREMONY_INTERRUPTED',
  /** The officer is suspended or removed: their approval or check-in does not count. */
  'OFFICER_NOT_ACTIVE',
  /** A chosen passphrase breaks the passphrase rules (too short, contains the officer's name): choose another. */
  'PASSPHRASE_TOO_WEAK',
  /** A path is on no removable drive now (never inserted, removed, or not a full path): insert it and pick again. */
  'NOT_ON_A_DRIVE',
  /** A step needs what officers type (PIN parts, a passphrase, shares) and it was not given: ask for it, then run the step. */
  'STEP_INPUTS_MISSING',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** Errors after which the HSM login is gone (the HSM process restarted, the token went away): the officers log in again. */
export const sessionLostCodes: readonly ErrorCode[] = [
  'HSM_NOT_LOGGED_IN',
  'HSM_PROCESS_FAILED',
  'HSM_PROCESS_STALLED',
  'HSM_DEVICE_ERROR',
  'HSM_TOKEN_NOT_FOUND',
];

export interface KeywardErrorData {
  code: ErrorCode;
  /** What happened, in words an officer understands. */
  message: string;
  /** What to do next. */
  nextStep: string;
  /** The plan's value the refusal is about (a dotted path such as key.name), so the form shows it at that field. */
  field?: string;
}

export class KeywardError extends Error {
  readonly code: ErrorCode;
  readonly nextStep: string;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, nextStep: string, field?: string) {
    super(message);
    this.name = 'KeywardError';
    this.code = code;
    this.nextStep = nextStep;
    this.field = field;
  }

  toData(): KeywardErrorData {
    return {
      code: this.code,
      message: this.message,
      nextStep: this.nextStep,
      ...(this.field ? { field: this.field } : {}),
    };
  }

  static fromData(data: KeywardErrorData): KeywardError {
    return new KeywardError(data.code, data.message, data.nextStep, data.field);
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: KeywardErrorData };

/** The code an audit entry records for a failure: the error's own, or INTERNAL for one Keyward did not expect. */
export const errorCodeOf = (error: unknown): ErrorCode => (error instanceof KeywardError ? error.code : 'INTERNAL');

/**
 * Turns anything thrown into data fit to cross a boundary; unexpected errors keep no stack. Keyward cannot
 * know what an error it did not expect left done or undone: only a caller that knows nothing was changed
 * (`unchanged`: a command that only reads) says so.
 */
export function toErrorData(error: unknown, unchanged = false): KeywardErrorData {
  if (error instanceof KeywardError) return error.toData();
  return {
    code: 'INTERNAL',
    message: `Keyward met an unexpected error: ${error instanceof Error ? error.message : String(error)}`,
    nextStep: unchanged
      ? 'Nothing was changed: this command only reads. Note the time and this message, then try again; if it repeats, restart Keyward.'
      : "Keyward cannot tell how far the work got. Check the audit log and the ceremony's state before trying again (keyward audit verify, keyward ceremony list, or the app's Audit and Ceremonies pages); note the time and this message for the audit record. If it repeats, restart Keyward.",
  };
}

/**
 * The error completed with what became of the work it interrupted, which only the caller knows: `outcome`
 * follows its message (when there is one to add), `then` its next step. What the error itself claimed was
 * left unchanged is dropped, as the caller says what was. Its code and marks (see isStoreBusy) are kept.
 */
export function withOutcome(error: unknown, outcome: string, then: string): KeywardError {
  const unclaimed = (text: string): string =>
    // Any claim that nothing happened ("Nothing was done.", "Nothing was completed by that operation."):
    // the outcome says what did.
    text.replace(/\s*Nothing (further |else )?(was|has been) [a-z]+[^.]*\./g, '').trim();
  const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);
  const data = toErrorData(error);
  const message = outcome ? `${sentence(unclaimed(data.message))} ${outcome}` : unclaimed(data.message);
  const nextStep =
    error instanceof KeywardError
      ? unclaimed(data.nextStep)
      : 'Note the time and this message for the audit record; if it happens again, restart Keyward.';
  const completed = new KeywardError(data.code, message, nextStep ? `${sentence(nextStep)} ${then}` : then);
  if (error instanceof KeywardError) {
    for (const mark of Object.getOwnPropertySymbols(error)) {
      const property = Object.getOwnPropertyDescriptor(error, mark);
      if (property) Object.defineProperty(completed, mark, property);
    }
  }
  return completed;
}

export function isErrorData(value: unknown): value is KeywardErrorData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    (errorCodes as readonly string[]).includes(v.code) &&
    typeof v.message === 'string' &&
    typeof v.nextStep === 'string' &&
    (v.field === undefined || typeof v.field === 'string')
  );
}
