/** Maps what a PKCS#11 module returns to errors an officer can act on, naming the token involved. */
import { KeywardError } from '../../../shared/errors';

const deviceGone = new Set(['CKR_DEVICE_REMOVED', 'CKR_TOKEN_NOT_PRESENT', 'CKR_SLOT_ID_INVALID']);

export interface Pkcs11LikeError {
  name: string;
  message: string;
  code?: number;
  method?: string;
}

function isPkcs11Error(error: unknown): error is Pkcs11LikeError {
  return error instanceof Error && error.name === 'Pkcs11Error' && /^CKR_/.test(error.message);
}

/** `where` names the token or module, e.g. 'token "Keyward Rehearsal" (serial 1a2b)'. */
export function toHsmError(error: unknown, where: string): KeywardError {
  if (error instanceof KeywardError) return error;
  if (!isPkcs11Error(error)) {
    return new KeywardError(
      'HSM_DEVICE_ERROR',
      `The HSM layer failed while working with ${where}: ${error instanceof Error ? error.message : String(error)}.`,
      'Nothing was changed on the token. Check that the HSM is connected and try again.',
    );
  }
  const ckr = error.message;
  const call = error.method ? ` during ${error.method}` : '';
  if (deviceGone.has(ckr)) {
    return new KeywardError(
      'HSM_DEVICE_ERROR',
      `${capitalise(where)} is no longer reachable (${ckr}${call}): it was removed or switched off.`,
      'Reconnect the HSM, then try again. Keyward reconnects by itself; no restart is needed.',
    );
  }
  if (ckr === 'CKR_SESSION_HANDLE_INVALID' || ckr === 'CKR_SESSION_CLOSED') {
    return new KeywardError(
      'HSM_DEVICE_ERROR',
      `The session with ${where} was closed by the token (${ckr}${call}).`,
      'Try again: Keyward opens a new session. If you were logged in, log in again.',
    );
  }
  return new KeywardError(
    'HSM_DEVICE_ERROR',
    `${capitalise(where)} refused the operation with ${ckr}${call}.`,
    'Nothing further was done. Note this code for the audit record and check the HSM vendor documentation for it.',
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
