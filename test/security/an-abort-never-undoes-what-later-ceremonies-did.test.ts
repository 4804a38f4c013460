/**
 * Security review of the issue-14 change, findings 3 and 4: an abort undid a step whose result later
 * ceremonies had built on. One officer's abort of a rotation destroyed a version another ceremony had
 * since made active (the key was left with no active version); the quorum's abort of a rotation overtaken
 * by a newer one failed on a raw SQLite error, and a policy change's undo would overwrite a newer policy.
 * Replayed on a real SoftHSM token: the key keeps an active version whose object is on the token, and
 * the abort ends the ceremony, keeping the overtaken steps and saying why.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CeremonyEngine } from '../../src/main/ceremonies/engine';
import { planSetVersionState } from '../../src/main/ceremonies/lifecycle-steps';
import { planBackup } from '../../src/main/ceremonies/types/backup';
import { planChangePolicy } from '../../src/main/ceremonies/types/change-policy';
import { planDestroyKey } from '../../src/main/ceremonies/types/destroy-key';
import { planGenerateCmk } from '../../src/main/ceremonies/types/generate-cmk';
import { planRotateCmk } from '../../src/main/ceremonies/types/rotate-cmk';
import { aesCmk, ceremonyBench, passphrases, type CeremonyBench } from '../helpers/ceremony-engine';
import { rejection } from '../helpers/rejection';
import { heldBy } from '../helpers/share-holders';

let bench: CeremonyBench;

beforeAll(async () => {
  bench = await ceremonyBench('Later work');
}, 180_000);
afterAll(() => bench.close());

const onToken = (id: string): boolean => bench.tokenObjects().some((o) => o.id === id);
const states = (name: string) => bench.inventory.get(name).versions.map((v) => v.state);

async function generated(name: string): Promise<void> {
  await bench.runPlanned(bench.engine(), 'generate-cmk', planGenerateCmk(bench.inventory, aesCmk(name)));
}

/** Runs the steps of a started ceremony up to (not including) `until`, each approved by alice and bob. */
async function runUntil(e: CeremonyEngine, id: string, until: number): Promise<void> {
  for (let step = 0; step < until; step++) {
    if (e.status(id).plan.steps[step]?.sensitive) await bench.approve(e, id, step);
    await e.runNext(id);
  }
}

/** The abort signed by these officers for one reason, then carried out. */
async function abortedBy(e: CeremonyEngine, id: string, officers: string[], reason: string) {
  const approvals = [];
  for (const officer of officers) approvals.push(await e.approveAbort(id, officer, passphrases[officer] ?? '', reason));
  return e.abort(id, reason, approvals);
}

/** Every version in use (active or decrypt-only) still has its object on the token. */
function versionsInUseOnToken(name: string): boolean {
  return bench.inventory
    .get(name)
    .versions.filter((v) => v.state === 'active' || v.state === 'decrypt-only')
    .every((v) => onToken(v.tokenObjectId));
}

describe('an abort never destroys or demotes what a later ceremony made', () => {
  it("one officer's abort of a rotation cannot destroy the version another ceremony made active meanwhile", async () => {
    await generated('Enabled meanwhile');
    const e = bench.engine();
    const rotation = await bench.start(e, 'rotate-cmk', planRotateCmk(bench.inventory, 'Enabled meanwhile', 'manual'));
    await runUntil(e, rotation, 1);
    expect(states('Enabled meanwhile')).toEqual(['active', 'pending']);
    // Another ceremony makes the pending version 2 active (refused when planned, where the defence holds).
    try {
      await bench.runPlanned(
        bench.engine(),
        'enable-key',
        planSetVersionState(bench.inventory, 'Enabled meanwhile', 2, 'active'),
      );
    } catch (error) {
      expect((error as { message?: string }).message).toContain('is pending');
    }
    const outcome = await abortedBy(e, rotation, ['bob'], 'one officer aborts the rotation');
    expect(outcome.status.state).toBe('aborted');
    expect(states('Enabled meanwhile').filter((s) => s === 'active')).toHaveLength(1);
    expect(versionsInUseOnToken('Enabled meanwhile')).toBe(true);
  });

  it('a step whose result cannot be checked (its record damaged in the database) is kept by the abort, saying why, and the abort still ends the ceremony', async () => {
    const e = bench.engine();
    const id = await bench.start(e, 'generate-cmk', planGenerateCmk(bench.inventory, aesCmk('Unreadable result')));
    await runUntil(e, id, 1);
    const made = bench.inventory.get('Unreadable result').versions[0]?.tokenObjectId ?? '';
    // The version number the step recorded is lost: which version it made can no longer be told.
    bench.ws.db.prepare("UPDATE ceremony_steps SET result = '{}' WHERE ceremony_id = ? AND step = 0").run(id);
    const preview = bench.engine().abortReach(bench.engine().status(id), true);
    expect(preview.undo).toEqual([]);
    expect(preview.changed[0]?.reason).toContain('Keyward could not check what it left');
    const outcome = await abortedBy(bench.engine(), id, ['alice', 'bob'], 'record damaged');
    expect(outcome.status.state).toBe('aborted');
    expect(outcome.kept).toEqual([0]);
    expect(onToken(made)).toBe(true);
    // The version it kept is pending, and no ceremony will activate it: it can be destroyed, and only that.
    expect(() => planSetVersionState(bench.inventory, 'Unreadable result', 1, 'active')).toThrow(/pending/);
    await bench.runPlanned(
      bench.engine(),
      'destroy-key',
      planDestroyKey(bench.inventory, 'Unreadable result', 1, bench.ws.dir, (ceremony) =>
        bench.store.hasEnded(ceremony),
      ),
    );
    expect(states('Unreadable result')).toEqual(['destroyed']);
    expect(onToken(made)).toBe(false);
  });

  it("the quorum's abort of a generation whose version another ceremony backed up meanwhile keeps the version active and on the token", async () => {
    const e = bench.engine();
    const id = await bench.start(e, 'generate-cmk', planGenerateCmk(bench.inventory, aesCmk('Backed up meanwhile')));
    await runUntil(e, id, 2); // generated and activated; its closing checkpoint not yet written
    const made = bench.inventory.get('Backed up meanwhile').versions[0]?.tokenObjectId ?? '';
    // Untouched since, the quorum's abort would undo both steps.
    expect(bench.engine().abortReach(bench.engine().status(id), true).undo).toEqual([1, 0]);
    const drives = ['package', 'custodian-1', 'custodian-2'].map((d) => join(bench.ws.dir, `backed-up-${d}`));
    for (const drive of drives) mkdirSync(drive);
    const [packageDrive, ...shareDrives] = drives as [string, ...string[]];
    // The "drives" are folders on one disk, which only a rehearsal accepts for backup shares.
    const backup = await bench.runPlanned(
      bench.engine({ rehearsal: true }),
      'backup',
      planBackup(
        bench.inventory,
        [{ name: 'Backed up meanwhile', version: 1 }],
        2,
        packageDrive,
        heldBy(shareDrives),
        true,
      ),
    );
    const preview = bench.engine().abortReach(bench.engine().status(id), true);
    expect(preview.undo).toEqual([]);
    expect(preview.changed[0]?.reason).toContain(`was since handed out of the token by ceremony ${backup.plan.id}`);
    const outcome = await abortedBy(bench.engine(), id, ['alice', 'bob'], 'the quorum aborts the generation');
    expect(outcome.undone).toEqual([]);
    expect(states('Backed up meanwhile')).toEqual(['active']);
    expect(onToken(made)).toBe(true);
  });

  it("the quorum's abort of a rotation overtaken by a newer one ends it, keeping the newer rotation's versions", async () => {
    await generated('Overtaken');
    const e = bench.engine();
    const first = await bench.start(e, 'rotate-cmk', planRotateCmk(bench.inventory, 'Overtaken', 'manual'));
    await runUntil(e, first, 2);
    expect(states('Overtaken')).toEqual(['decrypt-only', 'active']);
    await bench.runPlanned(bench.engine(), 'rotate-cmk', planRotateCmk(bench.inventory, 'Overtaken', 'manual'));
    expect(states('Overtaken')).toEqual(['decrypt-only', 'decrypt-only', 'active']);
    const outcome = await abortedBy(e, first, ['alice', 'bob'], 'the first rotation was never finished');
    expect(outcome.status.state).toBe('aborted');
    expect(outcome.undone).toEqual([]);
    expect(outcome.changed[0]?.step).toBe(1);
    expect(outcome.changed[0]?.reason).toContain('decrypt-only');
    expect(states('Overtaken')).toEqual(['decrypt-only', 'decrypt-only', 'active']);
    expect(versionsInUseOnToken('Overtaken')).toBe(true);
    const [entry] = bench.ws.log.query({ action: 'ceremony.abort', ceremony: first, limit: 1 });
    expect(entry?.details).toMatchObject({
      approvedByQuorum: true,
      undoneSteps: [],
      changedSince: [expect.objectContaining({ step: 1 }) as unknown],
    });
  });

  it("the quorum's abort of a policy change never puts back a policy over the newer one another ceremony set", async () => {
    const e = bench.engine();
    const present = ['alice', 'dave'];
    const before = bench.policies.get('disable-key');
    const first = await bench.start(
      e,
      'change-policy',
      planChangePolicy('disable-key', before, { quorum: 3, roles: before.roles }),
      present,
    );
    await bench.approve(e, first, 0, present);
    await e.runNext(first);
    const newer = planChangePolicy('disable-key', bench.policies.get('disable-key'), {
      quorum: 2,
      roles: ['security-officer'],
    });
    await bench.runPlanned(bench.engine(), 'change-policy', newer, present);
    const outcome = await abortedBy(e, first, present, 'the first change was a mistake');
    expect(outcome.status.state).toBe('aborted');
    expect(outcome.undone).toEqual([]);
    expect(bench.policies.get('disable-key')).toMatchObject({ quorum: 2, roles: ['security-officer'] });
  });

  it('an abort signature held from an officer suspended since does not count towards the quorum', async () => {
    await generated('Suspended signer');
    const e = bench.engine();
    const rotation = await bench.start(e, 'rotate-cmk', planRotateCmk(bench.inventory, 'Suspended signer', 'manual'));
    await runUntil(e, rotation, 2);
    const reason = 'undo the rotation';
    const fromBob = await e.approveAbort(rotation, 'bob', passphrases.bob ?? '', reason);
    bench.officers.setState('bob', 'suspended', { actors: ['alice', 'dave'], ceremony: null });
    try {
      const fromAlice = await e.approveAbort(rotation, 'alice', passphrases.alice ?? '', reason);
      const outcome = await e.abort(rotation, reason, [fromBob, fromAlice]);
      expect(outcome.status.state).toBe('aborted');
      expect(outcome.undone).toEqual([]);
      expect(states('Suspended signer')).toEqual(['decrypt-only', 'active']);
      const [entry] = bench.ws.log.query({ action: 'ceremony.abort', ceremony: rotation, limit: 1 });
      expect(entry?.details).toMatchObject({ approvedByQuorum: false });
    } finally {
      bench.officers.setState('bob', 'active', { actors: ['alice', 'dave'], ceremony: null });
    }
  });

  it("a pending version cannot be enabled, disabled or destroyed by another ceremony: it is its generating ceremony's", async () => {
    await generated('Pending owned');
    const e = bench.engine();
    const rotation = await bench.start(e, 'rotate-cmk', planRotateCmk(bench.inventory, 'Pending owned', 'manual'));
    await runUntil(e, rotation, 1);
    for (const state of ['active', 'disabled'] as const) {
      const refusal = await rejection(
        Promise.resolve().then(() => planSetVersionState(bench.inventory, 'Pending owned', 2, state)),
      );
      expect(refusal.message).toContain(`ceremony ${rotation} generated it`);
    }
    const destruction = await rejection(
      Promise.resolve().then(() => planDestroyKey(bench.inventory, 'Pending owned', 2, '/tmp')),
    );
    expect(destruction.message).toContain(`ceremony ${rotation} generated it`);
  });
});
