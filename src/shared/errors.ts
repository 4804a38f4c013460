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
  'HSM_PROCESS_FAILED',
  'HSM_TOKEN_NOT_FOUND',
  'HSM_TOKEN_AMBIGUOUS',
  'HSM_DEVICE_ERROR',
  'HSM_PIN_INCORRECT',
  'HSM_PIN_LOCKED',
  'HSM_NOT_LOGGED_IN',
  'HSM_MECHANISM_UNSUPPORTED',
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
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** Errors after which the HSM login is gone (the HSM process restarted, the token went away): the officers log in again. */
export const sessionLostCodes: readonly ErrorCode[] = ['HSM_NOT_LOGGED_IN', 'HSM_PROCESS_FAILED', 'HSM_DEVICE_ERROR', 'HSM_TOKEN_NOT_FOUND'];

export interface KeywardErrorData {
  code: ErrorCode;
  /** What happened, in words an officer understands. */
  message: string;
  /** What to do next. */
  nextStep: string;
}

export class KeywardError extends Error {
  readonly code: ErrorCode;
  readonly nextStep: string;

  constructor(code: ErrorCode, message: string, nextStep: string) {
    super(message);
    this.name = 'KeywardError';
    this.code = code;
    this.nextStep = nextStep;
  }

  toData(): KeywardErrorData {
    return { code: this.code, message: this.message, nextStep: this.nextStep };
  }

  static fromData(data: KeywardErrorData): KeywardError {
    return new KeywardError(data.code, data.message, data.nextStep);
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: KeywardErrorData };

/** Turns anything thrown into data fit to cross a boundary; unexpected errors keep no stack. */
/** The code an audit entry records for a failure: the error's own, or INTERNAL for one Keyward did not expect. */
export const errorCodeOf = (error: unknown): ErrorCode => (error instanceof KeywardError ? error.code : 'INTERNAL');

export function toErrorData(error: unknown): KeywardErrorData {
  if (error instanceof KeywardError) return error.toData();
  return {
    code: 'INTERNAL',
    message: `Keyward met an unexpected error: ${error instanceof Error ? error.message : String(error)}`,
    nextStep:
      'Nothing was changed. Note the time and this message for the audit record, then try again; if it repeats, restart Keyward.',
  };
}

export function isErrorData(value: unknown): value is KeywardErrorData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    (errorCodes as readonly string[]).includes(v.code) &&
    typeof v.message === 'string' &&
    typeof v.nextStep === 'string'
  );
}
