import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { callNames } from '../../src/shared/call-names';
import { contract, type Handlers } from '../../src/shared/contract';
import { KeywardError } from '../../src/shared/errors';

function handlers(overrides: Partial<Handlers> = {}): { handlers: Handlers; calls: string[] } {
  const calls: string[] = [];
  const record =
    <T>(name: string, value: T) =>
    () => {
      calls.push(name);
      return Promise.resolve(value);
    };
  return {
    calls,
    handlers: {
      ...(Object.fromEntries(
        callNames.map((name) => [name, () => Promise.reject(new Error('not used'))]),
      ) as unknown as Handlers),
      getHsmSettings: record('getHsmSettings', { mode: 'rehearsal' as const }),
      selectHsm: record('selectHsm', { mode: 'rehearsal' as const }),
      ...overrides,
    },
  };
}

describe('the contract', () => {
  it('defines exactly the calls the preload exposes', () => {
    expect(Object.keys(contract).sort()).toEqual([...callNames].sort());
  });
});

describe('dispatch: the one gate before every handler', () => {
  it('runs a valid call and wraps its value', async () => {
    const h = handlers();
    expect(await dispatch(h.handlers, 'getHsmSettings', {})).toEqual({ ok: true, value: { mode: 'rehearsal' } });
    expect(h.calls).toEqual(['getHsmSettings']);
  });

  it('refuses an unknown call without running anything', async () => {
    const h = handlers();
    const result = await dispatch(h.handlers, 'constructor', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CALL' } });
    expect(h.calls).toEqual([]);
  });

  it.each([
    [{ mode: 'hsm', modulePath: '/lib/x.so' }, 'tokenUri'],
    [{ mode: 'hsm', modulePath: 'lib/x.so', tokenUri: 'pkcs11:token=a' }, 'the module path must be absolute'],
    [{ mode: 'rehearsal', extra: 1 }, 'extra'],
    [{ mode: 'cloud' }, 'mode'],
    ['rehearsal', 'expected object'],
  ])('refuses an invalid payload %j before the handler runs', async (payload, reason) => {
    const h = handlers();
    const result = await dispatch(h.handlers, 'selectHsm', payload);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_REQUEST');
      expect(result.error.message).toContain(reason);
    }
    expect(h.calls).toEqual([]);
  });

  it('returns a handler failure as data, without a stack trace', async () => {
    const failing = new Error('boom');
    const h = handlers({ getHsmSettings: () => Promise.reject(failing) });
    const result = await dispatch(h.handlers, 'getHsmSettings', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain(failing.stack?.split('\n')[1]?.trim() ?? 'no stack');
    expect(Object.keys(result.ok ? {} : result.error).sort()).toEqual(['code', 'message', 'nextStep']);
  });

  it('passes a Keyward error through with its next step', async () => {
    const h = handlers({
      getHsmSettings: () => Promise.reject(new KeywardError('SETTINGS_INVALID', 'bad file', 'fix it')),
    });
    expect(await dispatch(h.handlers, 'getHsmSettings', {})).toEqual({
      ok: false,
      error: { code: 'SETTINGS_INVALID', message: 'bad file', nextStep: 'fix it' },
    });
  });
});
