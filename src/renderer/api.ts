/** The renderer's only way out: the contract exposed as window.keyward. */
import type { CallName } from '../shared/call-names';
import type { RequestOf, ResponseOf } from '../shared/contract';
import type { Result } from '../shared/errors';

export function call<N extends CallName>(name: N, request: RequestOf<N>): Promise<Result<ResponseOf<N>>> {
  const method = window.keyward[name] as (request: RequestOf<N>) => Promise<Result<ResponseOf<N>>>;
  return method(request);
}
