/**
 * Security review, item 5: after a rotation's generate and activate steps were both approved by two
 * officers, one officer's abort destroyed the new active version, leaving the key with no active
 * version. Replayed through the app's contract on the rehearsal token.
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

async function generated(name: string): Promise<void> {
  await app.runThrough(
    { ceremony: 'generate-cmk', officers: ['alice', 'bob'], key: { name, purpose: 'tenant data', spec: 'AES_256' } },
    ['alice', 'bob'],
  );
}

/** A rotation whose generation and activation both ran with the quorum's approval; only its closing checkpoint is left. */
async function rotatedUpToTheCheckpoint(name: string): Promise<string> {
  const view = await app.runThrough(
    { ceremony: 'rotate-cmk', officers: ['alice', 'bob'], key: { name }, reason: 'manual' },
    ['alice', 'bob'],
    { until: 2 },
  );
  expect(view.status.steps.slice(0, 2).map((s) => s.state)).toEqual(['done', 'done']);
  return view.status.plan.id;
}

describe('an abort never undoes a step that took effect without the quorum', () => {
  it("one officer's abort after the activation keeps the new active version, on the token and in the inventory", async () => {
    await generated('Solo abort');
    const id = await rotatedUpToTheCheckpoint('Solo abort');
    const v2 = (await versions('Solo abort'))[1];
    expect(v2?.state).toBe('active');
    const view = await app.call('abortCeremony', {
      id,
      reason: 'one officer changed their mind',
      officer: 'bob',
      passphrase: appPassphrases.bob,
      inputs: {},
    });
    expect(view.status.state).toBe('aborted');
    const after = await versions('Solo abort');
    expect(after.map((v) => v.state)).toEqual(['decrypt-only', 'active']);
    expect(onToken(v2?.tokenObjectId ?? '')).toBe(true);
    // The audit log says what was kept and why.
    const [entry] = app.workstation.audit().query({ action: 'ceremony.abort', ceremony: id, limit: 1 });
    expect(entry?.details).toMatchObject({ approvedByQuorum: false, keptSteps: [1, 0] });
  });

  it('an abort the quorum signs undoes the rotation and puts the previous version back as active, never leaving the key without one', async () => {
    await generated('Quorum abort');
    const id = await rotatedUpToTheCheckpoint('Quorum abort');
    const v2 = (await versions('Quorum abort'))[1];
    const reason = 'the rotation was planned for the wrong day';
    const signed = await app.call('abortCeremony', {
      id,
      reason,
      officer: 'bob',
      passphrase: appPassphrases.bob,
      inputs: {},
      finish: false,
    });
    expect(signed.status.state).not.toBe('aborted');
    const view = await app.call('abortCeremony', {
      id,
      reason,
      officer: 'alice',
      passphrase: appPassphrases.alice,
      inputs: {},
    });
    expect(view.status.state).toBe('aborted');
    const after = await versions('Quorum abort');
    expect(after.map((v) => v.state)).toEqual(['active', 'destroyed']);
    expect(onToken(v2?.tokenObjectId ?? '')).toBe(false);
    expect(onToken(after[0]?.tokenObjectId ?? '')).toBe(true);
  });

  it('signatures for another reason do not add up to the quorum', async () => {
    await generated('Mixed reasons');
    const id = await rotatedUpToTheCheckpoint('Mixed reasons');
    await app.call('abortCeremony', {
      id,
      reason: 'first reason',
      officer: 'bob',
      passphrase: appPassphrases.bob,
      inputs: {},
      finish: false,
    });
    await app.call('abortCeremony', {
      id,
      reason: 'another reason',
      officer: 'alice',
      passphrase: appPassphrases.alice,
      inputs: {},
    });
    expect((await versions('Mixed reasons')).map((v) => v.state)).toEqual(['decrypt-only', 'active']);
  });
});
