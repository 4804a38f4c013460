/**
 * CKA_IDs for new token objects, drawn by the caller (main) before it asks the HSM process to create
 * anything, so the id is recorded first and a rollback finds the object by it, never by its label.
 */
import { randomBytes } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import { objectIdPattern } from '../../shared/keys';

export const newObjectId = (): string => randomBytes(16).toString('hex');

/** The CKA_ID bytes of an id the caller drew; anything else is refused before the token is touched. */
export function objectIdBytes(id: string): Buffer {
  if (!objectIdPattern.test(id)) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `"${id.slice(0, 40)}" is not an object id Keyward draws (32 hex digits); nothing was created.`,
      'This is a defect in Keyward: report it.',
    );
  }
  return Buffer.from(id, 'hex');
}
