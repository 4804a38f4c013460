/**
 * Aborting a ceremony through the app's contract, on the rehearsal token: an abort before any step took
 * effect undoes what the ceremony prepared. (Aborts after steps took effect with the quorum's approval
 * are attacked in test/security/one-officer-cannot-undo-quorum-approved-work.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appBench, appPassphrases, type AppBench } from '../helpers/app-bench';

let app: AppBench;

beforeAll(async () => {
  app = await appBench();
}, 180_000);
afterAll(() => app.close());

const versions = async (name: string) =>
  (await app.call('getInventory', {})).keys.find((k) => k.name === name)?.versions ?? [];
const onToken = (id: string) => app.tokenObjects().some((o) => o.id === id);

describe('an abort before anything took effect', () => {
  it('still undoes what was prepared (the pending version is destroyed)', async () => {
    await app.runThrough(
      {
        ceremony: 'generate-cmk',
        officers: ['alice', 'bob'],
        key: { name: 'Early abort', purpose: 'tenant data', spec: 'AES_256' },
      },
      ['alice', 'bob'],
    );
    const view = await app.runThrough(
      { ceremony: 'rotate-cmk', officers: ['alice', 'bob'], key: { name: 'Early abort' }, reason: 'manual' },
      ['alice', 'bob'],
      { until: 1 },
    );
    const pending = (await versions('Early abort'))[1];
    expect(pending?.state).toBe('pending');
    await app.call('abortCeremony', {
      id: view.status.plan.id,
      reason: 'not today',
      officer: 'alice',
      passphrase: appPassphrases.alice,
      inputs: {},
    });
    expect((await versions('Early abort')).map((v) => v.state)).toEqual(['active', 'destroyed']);
    expect(onToken(pending?.tokenObjectId ?? '')).toBe(false);
  });
});
