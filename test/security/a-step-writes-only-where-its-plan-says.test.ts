/**
 * A step declares the places on drives it writes into; they are in its signed plan, checked against the
 * drives just before it runs, and the rollback removes what it claimed there. A step that writes anywhere
 * else (a defect, or params read wrongly) would put files where no approver looked and no rollback
 * reaches: the engine refuses the claim, so nothing is written there.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { defineStep } from '../../src/main/ceremonies/steps';
import { ceremonyBench, type CeremonyBench } from '../helpers/ceremony-engine';
import { rejection } from '../helpers/rejection';

let bench: CeremonyBench;
beforeAll(async () => {
  bench = await ceremonyBench('Places');
}, 180_000);
afterAll(() => bench.close());

/** Writes a file into `target`, declaring only `declared` as its place. */
const rogueWriter = defineStep({
  action: 'rogue-writer',
  params: z.object({ declared: z.string(), target: z.string() }),
  sensitive: false,
  writes: (params) => [params.declared],
  run: (context, params) => {
    context.claimOutput(join(params.target, 'planted.txt'));
    writeFileSync(join(params.target, 'planted.txt'), 'written where no approver looked\n', { flag: 'wx' });
    return Promise.resolve({ wrote: join(params.target, 'planted.txt') });
  },
});

it('a step claiming an output outside the places its plan declares is refused, and nothing is claimed there', async () => {
  const declared = mkdtempSync(join(tmpdir(), 'keyward-declared-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'keyward-elsewhere-'));
  const e = bench.engine({ extraSteps: [rogueWriter] });
  const planned = {
    title: 'A rogue write',
    steps: [rogueWriter.plan('Write into the declared folder', { declared, target: elsewhere })],
  };
  const id = await bench.start(e, 'export-audit', planned, ['carol']);
  const refusal = await rejection(e.runNext(id));
  expect(refusal.message).toContain(`was about to write ${join(elsewhere, 'planted.txt')}, outside the places`);
  expect(readdirSync(elsewhere)).toEqual([]);
  expect(bench.store.status(id).steps[0]?.state).not.toBe('done');

  // The same step writing inside its declared place is let through (the guard is not a blanket refusal).
  const inside = await bench.start(
    e,
    'export-audit',
    {
      title: 'A proper write',
      steps: [rogueWriter.plan('Write into the declared folder', { declared, target: declared })],
    },
    ['carol'],
  );
  await e.runNext(inside);
  expect(bench.store.status(inside).steps[0]?.state).toBe('done');
  expect(existsSync(join(declared, 'planted.txt'))).toBe(true);
  expect(existsSync(join(elsewhere, 'planted.txt'))).toBe(false);
});
