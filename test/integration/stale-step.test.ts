/**
 * A step that finds, as it runs, that what its approvers approved no longer holds is rolled back and
 * recorded as failed; the officers are told the ceremony can only be aborted now (running it again with
 * the same approvals would act on a world nobody approved), not that it runs again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { defineStep, stale } from '../../src/main/ceremonies/steps';
import { ceremonyBench, type CeremonyBench } from '../helpers/ceremony-engine';
import { rejection } from '../helpers/rejection';

let bench: CeremonyBench;
beforeAll(async () => {
  bench = await ceremonyBench('Stale');
}, 180_000);
afterAll(() => bench.close());

const goesStale = defineStep({
  action: 'goes-stale',
  params: z.object({ what: z.string() }),
  sensitive: false,
  run: (_context, params) => Promise.reject(stale(params.what)),
});
const failsOnce = defineStep({
  action: 'fails-once',
  params: z.object({}),
  sensitive: false,
  run: () => Promise.reject(new Error('the drive was pulled out')),
});

it('a step gone stale as it runs: rolled back, and the ceremony can only be aborted now', async () => {
  const e = bench.engine({ extraSteps: [goesStale, failsOnce] });
  const id = await bench.start(
    e,
    'export-audit',
    { title: 'Stale', steps: [goesStale.plan('A step', { what: 'the token is now serial 42' })] },
    ['carol'],
  );
  const refusal = await rejection(e.runNext(id));
  expect(refusal.message).toContain('the token is now serial 42');
  expect(refusal.nextStep).toContain('can only be aborted now');
  expect(bench.store.status(id).steps[0]?.state).toBe('failed');

  // Any other failure: the step runs again with the approvals it has.
  const other = await bench.start(e, 'export-audit', { title: 'Other', steps: [failsOnce.plan('A step', {})] }, [
    'carol',
  ]);
  const failed = await rejection(e.runNext(other));
  expect(failed.nextStep).toContain('runs again with the approvals it has');
  expect(failed.nextStep).not.toContain('can only be aborted now');
});
