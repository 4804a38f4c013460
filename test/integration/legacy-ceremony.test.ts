/**
 * A ceremony planned by an earlier Keyward (before plans were signed and each step's objects reserved by
 * CKA_ID) cannot be checked against what its officers approved. After an upgrade it must not run, and its
 * crash recovery must not destroy by label: it says which labels the interrupted step may have made, and
 * the ceremony can only be aborted, touching nothing on the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planGenerateCmk } from '../../src/main/ceremonies/types/generate-cmk';
import { describeRollback } from '../../src/shared/ceremonies';
import { ceremonyBench, passphrases, SimulatedCrash, type CeremonyBench } from '../helpers/ceremony-engine';
import { rejection } from '../helpers/rejection';

let bench: CeremonyBench;

beforeAll(async () => {
  bench = await ceremonyBench('Legacy plan');
}, 180_000);
afterAll(() => bench.close());

/** What the database of an earlier Keyward held: no plan signature, no reserved objects, the labels recorded. */
function asLegacy(id: string, labels: string[]): void {
  const db = bench.ws.db;
  db.exec('DROP TRIGGER IF EXISTS ceremony_plan_fixed; DROP TRIGGER IF EXISTS ceremony_step_digest_fixed;');
  const plan = JSON.parse(db.prepare('SELECT plan FROM ceremonies WHERE id = ?').pluck().get(id) as string) as {
    steps: Record<string, unknown>[];
  };
  for (const step of plan.steps) delete step.objects;
  db.prepare('UPDATE ceremonies SET plan = ?, plan_signature = NULL WHERE id = ?').run(JSON.stringify(plan), id);
  db.prepare('UPDATE ceremony_steps SET pending_labels = ? WHERE ceremony_id = ? AND step = 0').run(
    JSON.stringify(labels),
    id,
  );
}

describe('a ceremony planned before plans were signed', () => {
  it('is recovered without destroying anything, names the labels it may have made, cannot run, and aborts cleanly', async () => {
    const e = bench.engine({ crash: { point: 'after-run', step: 0 } });
    const id = await bench.start(
      e,
      'generate-cmk',
      planGenerateCmk(bench.inventory, {
        keyName: 'Upgraded',
        purpose: 'tenant data',
        provider: null,
        spec: 'AES_256',
        rotationDays: 365,
      }),
    );
    await bench.approve(e, id, 0);
    await expect(e.runNext(id)).rejects.toBeInstanceOf(SimulatedCrash);
    const made = bench.tokenObjects().filter((o) => o.label.startsWith('Upgraded'));
    expect(made).toHaveLength(1);
    const label = made[0]?.label ?? '';
    asLegacy(id, [label]);

    const [recovered] = await bench.engine().recover();
    expect(recovered?.ceremonyId).toBe(id);
    expect(recovered?.destroyedObjects).toBe(0);
    expect(recovered?.problem).toContain('earlier version of Keyward');
    expect(recovered?.problem).toContain(`"${label}"`);
    // An upgrade, not an attack: the officers are told what to check, not to keep the database for investigation.
    const told = recovered ? describeRollback(recovered) : '';
    expect(told).toContain('have the officers agree on which ones are not in the key inventory');
    expect(told).not.toContain('investigation');
    // Nothing is destroyed by label: the object stays for the officers to deal with, knowingly.
    expect(bench.tokenObjects().filter((o) => o.label === label)).toHaveLength(1);

    const refusal = await rejection(bench.engine().runNext(id));
    expect(refusal.code).toBe('CEREMONY_STALE');
    expect(refusal.nextStep).toContain('keyward ceremony abort');

    const fresh = bench.engine();
    const signed = await fresh.approveAbort(id, 'alice', passphrases.alice ?? '', 'planned before the upgrade');
    const outcome = await fresh.abort(id, 'planned before the upgrade', [signed]);
    expect(outcome.status.state).toBe('aborted');
    expect(outcome.undone).toEqual([]);
    expect(bench.tokenObjects().filter((o) => o.label === label)).toHaveLength(1);
  });
});
