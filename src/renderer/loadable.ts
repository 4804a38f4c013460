/** What a screen shows for data it loads through the contract. */
import type { KeywardErrorData, Result } from '../shared/errors';

export type Loadable<T> =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'ready'; value: T }
  | { state: 'failed'; error: KeywardErrorData };

/** A call's result as what a screen shows. */
export const loaded = <T>(result: Result<T>): Loadable<T> =>
  result.ok ? { state: 'ready', value: result.value } : { state: 'failed', error: result.error };
