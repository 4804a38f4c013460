/**
 * The digest an officer signs for a statement that is not a ceremony step (an abort and its reason, the
 * air-gap findings acknowledged): SHA-256 over the statement's kind and values, so a signature made for
 * one kind of statement can never be presented as another.
 */
import { createHash } from 'node:crypto';

export const statementDigest = (kind: 'keyward-abort' | 'keyward-air-gap', ...values: unknown[]): string =>
  createHash('sha256')
    .update(JSON.stringify([kind, ...values]))
    .digest('hex');
