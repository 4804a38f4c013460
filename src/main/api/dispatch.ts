/**
 * The single entry for every renderer call, in both shells: the caller has already checked the sender
 * frame; here the call name and payload are validated against the contract before any handler runs,
 * and every outcome becomes a Result, so no exception or stack trace reaches the renderer.
 */
import { callNames, type CallName } from '../../shared/call-names';
import { contract, type Handlers } from '../../shared/contract';
import { KeywardError, toErrorData, type Result } from '../../shared/errors';

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && (callNames as readonly string[]).includes(name);
}

export async function dispatch(handlers: Handlers, name: unknown, payload: unknown): Promise<Result<unknown>> {
  try {
    if (!isCallName(name)) {
      throw new KeywardError(
        'UNKNOWN_CALL',
        `"${String(name)}" is not a Keyward call.`,
        'Restart Keyward; if this repeats, report it as a defect.',
      );
    }
    const parsed = contract[name].request.safeParse(payload ?? {});
    if (!parsed.success) {
      const why = parsed.error.issues
        .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
        .join('; ');
      throw new KeywardError(
        'INVALID_REQUEST',
        `The request "${name}" was refused: ${why}.`,
        'Correct the highlighted value and try again.',
      );
    }
    const handler = handlers[name] as (request: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    return { ok: false, error: toErrorData(error) };
  }
}

export function forbiddenSender(detail: string): Result<never> {
  return {
    ok: false,
    error: new KeywardError(
      'FORBIDDEN_SENDER',
      `A call came from outside Keyward's own window (${detail}) and was refused.`,
      'Restart Keyward. If this repeats, the workstation may be compromised: stop and inform the security officer.',
    ).toData(),
  };
}
