import { expect } from 'vitest';
import { KeywardError } from '../../src/shared/errors';

/** Awaits a call that must fail with a KeywardError, and returns that error for closer checks. */
export async function rejection(promise: Promise<unknown>): Promise<KeywardError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardError);
    return error as KeywardError;
  }
  throw new Error('expected the call to fail');
}

/** Runs a synchronous call that must fail with a KeywardError, and returns that error. */
export function thrown(work: () => unknown): KeywardError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardError);
    return error as KeywardError;
  }
  throw new Error('expected the call to fail');
}
