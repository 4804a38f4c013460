/**
 * Soak: the Keyward CLI killed (SIGKILL) at random moments of every kind of ceremony, each then resumed
 * (`keyward ceremony resume`) or, when that is refused, aborted (`keyward ceremony abort`), as officers
 * would after a crash; then what is left over is counted. Each kill runs on a fresh copy of one base
 * rehearsal workstation built through the CLI (bench/soak-workstation.ts). A kill's moment is drawn,
 * with a seeded generator, within the uninterrupted duration of its ceremony type, measured first by one
 * clean run of each type (whose leftovers are counted too). Every leftover count must be 0: orphan
 * token objects, inventory versions without their token object, partial or unexplained entries on the
 * drives, unfinished ceremonies, and audit logs that do not verify. Results: bench/out/soak.json and
 * soak.md.
 *
 * KEYWARD_BENCH_SOAK_KILLS (default 200): how many kills. KEYWARD_BENCH_SOAK_SEED: the seed (printed;
 * the same seed gives the same ceremony types and the same moments as fractions of each type's measured
 * duration). KEYWARD_BENCH_SOAK_REPLAY=TYPE:MS[:abort][,...]: only these kills, at these delays (resumed, or aborted).
 * KEYWARD_BENCH_SOAK_ABORT_SHARE (default 0.25): the share of interrupted ceremonies aborted by the
 * officers' choice instead of resumed (to soak the abort's undoing too).
 * KEYWARD_BENCH_SOAK_KEEP=1: keep the workstation folder of each kill that left something over.
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { rehearsalToken } from '../src/shared/rehearsal';
import { envNumber, secondsSince, writeSection } from './sections';
import {
  buildBase,
  ceremonyArgs,
  ceremonyIds,
  ceremonyList,
  copyWorkstation,
  errorText,
  hasTranscript,
  hsmProcessesEnded,
  keyward,
  leftoverCount,
  leftovers,
  plans,
  runAndKill,
  runToCompletion,
  type CeremonyLine,
  type Leftovers,
  type SoakPlan,
} from './soak-workstation';

const kills = envNumber('KEYWARD_BENCH_SOAK_KILLS', 200);
const seed = process.env.KEYWARD_BENCH_SOAK_SEED
  ? Number(process.env.KEYWARD_BENCH_SOAK_SEED) >>> 0
  : (Date.now() ^ (process.pid << 16)) >>> 0;
const replay = process.env.KEYWARD_BENCH_SOAK_REPLAY?.split(',').map((item) => {
  const [type = '', ms = '', action = 'resume'] = item.split(':');
  if (!plans[type] || !/^\d+$/.test(ms) || !['resume', 'abort'].includes(action))
    throw new Error(
      `KEYWARD_BENCH_SOAK_REPLAY: "${item}" is not TYPE:MS[:abort] with a ceremony type of the soak (${Object.keys(plans).join(', ')})`,
    );
  return { type, delayMs: Number(ms), abortInstead: action === 'abort' };
});
const keep = Boolean(process.env.KEYWARD_BENCH_SOAK_KEEP);
/** The share of interrupted ceremonies the officers abort rather than resume (the rest are aborted only when a resume is refused). */
const abortShare = Number(process.env.KEYWARD_BENCH_SOAK_ABORT_SHARE ?? 0.25);
if (!(abortShare >= 0 && abortShare <= 1)) throw new Error('KEYWARD_BENCH_SOAK_ABORT_SHARE must be from 0 to 1');

let base: string | undefined;
afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

/** mulberry32: a small seeded generator, so that a run can be replayed from its seed. */
function generator(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Landed = 'before the plan' | 'during the steps' | 'after it completed' | 'after the CLI exited';
type Recovery =
  | 'nothing to recover'
  | 'resumed'
  | 'resumed, officers checking in again'
  | 'aborted'
  | 'aborted by choice'
  | 'transcript written'
  | 'not recovered';

interface Kill {
  index: number;
  type: string;
  delayMs: number;
  landed: Landed;
  /** For a kill during the steps: steps done of the plan's steps, and whether a step was left running. */
  at?: string;
  recovery: Recovery;
  /** Why a resume was refused, when it was. */
  refused?: string;
  seconds: number;
  leftovers: Leftovers;
}

const firstLine = (text: string): string =>
  text
    .split('\n')[0]
    ?.replace(/^keyward: /, '')
    .replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, 'ID')
    .slice(0, 200) ?? '';

/** Resumes an unfinished ceremony as officers would; aborts it when the resume is refused. */
function recover(
  dataDir: string,
  ceremony: CeremonyLine,
  plan: SoakPlan,
  abortInstead: boolean,
): { recovery: Recovery; refused?: string } {
  const args = ceremonyArgs(plan, dataDir);
  const abort = () =>
    keyward(dataDir, [
      'ceremony',
      'abort',
      ceremony.id,
      '--reason',
      abortInstead ? 'Soak: the officers chose to abort' : 'Soak: the resume was refused',
      ...plan.officers.flatMap((o) => ['--officer', o]),
      ...args,
    ]);
  if (abortInstead) {
    const aborted = abort();
    return aborted.status === 0
      ? { recovery: 'aborted by choice' }
      : { recovery: 'not recovered', refused: `abort: ${firstLine(errorText(aborted))}` };
  }
  const resumed = keyward(dataDir, ['ceremony', 'resume', ceremony.id, ...args]);
  if (resumed.status === 0) return { recovery: 'resumed' };
  let refused = firstLine(errorText(resumed));
  // Killed before every officer had checked in: the others arrive and check in (as the refusal says).
  const arriving = plan.officers.filter((o) => !ceremony.checkedIn.includes(o));
  if (arriving.length > 0 && errorText(resumed).includes('--officer')) {
    const again = keyward(dataDir, [
      'ceremony',
      'resume',
      ceremony.id,
      ...arriving.flatMap((o) => ['--officer', o]),
      ...args,
    ]);
    if (again.status === 0) return { recovery: 'resumed, officers checking in again', refused };
    refused = `${refused}; then ${firstLine(errorText(again))}`;
  }
  if (ceremonyList(dataDir).unfinished.every((c) => c.id !== ceremony.id)) return { recovery: 'resumed', refused }; // it ended in the resume, whose transcript failed
  const aborted = abort();
  return aborted.status === 0
    ? { recovery: 'aborted', refused }
    : { recovery: 'not recovered', refused: `${refused}; abort: ${firstLine(errorText(aborted))}` };
}

async function killOnce(
  index: number,
  type: string,
  delayMs: number,
  abortInstead: boolean,
  baseIds: Set<string>,
): Promise<Kill> {
  const start = process.hrtime.bigint();
  const plan = plans[type];
  if (!base || !plan) throw new Error(`no plan for ${type}`);
  const dataDir = copyWorkstation(base, 'keyward-soak-kill-');
  let kept = false;
  try {
    const killed = await runAndKill(dataDir, plan, delayMs);
    // The killed CLI's HSM process sees its parent gone and ends itself; a later Keyward waits for that too.
    const lingering = await hsmProcessesEnded(dataDir);
    if (lingering.length > 0)
      throw new Error(
        `kill ${index} (${type} at ${delayMs} ms): HSM process(es) ${lingering.join(', ')} still running a minute after the CLI was killed`,
      );
    const listed = ceremonyList(dataDir);
    const fresh = [...listed.unfinished, ...listed.recent].filter((c) => !baseIds.has(c.id));
    let landed: Landed = killed.killed ? 'before the plan' : 'after the CLI exited';
    let at: string | undefined;
    let recovery: Recovery = 'nothing to recover';
    let refused: string | undefined;
    for (const ceremony of fresh) {
      if (ceremony.state === 'completed' || ceremony.state === 'aborted') {
        if (killed.killed) landed = 'after it completed';
        continue;
      }
      landed = 'during the steps';
      at = `${ceremony.stepsDone}/${ceremony.steps}${ceremony.interrupted ? ', a step running' : ''}${ceremony.checkedIn.length < plan.officers.length ? `, ${ceremony.checkedIn.length} of ${plan.officers.length} checked in` : ''}`;
      ({ recovery, refused } = recover(dataDir, ceremony, plan, abortInstead));
    }
    // A ceremony that ended without its signed transcript (killed while writing it): written now, as Keyward says to.
    for (const id of ceremonyIds(dataDir)) {
      if (baseIds.has(id) || hasTranscript(dataDir, id)) continue;
      if (ceremonyList(dataDir).unfinished.some((c) => c.id === id)) continue;
      const written = keyward(
        dataDir,
        ['ceremony', 'transcript', id, '--out', `${dataDir}/transcripts`],
        `${rehearsalToken.userPin}\n`,
      );
      if (written.status !== 0)
        refused = `${refused ? `${refused}; ` : ''}transcript: ${firstLine(errorText(written))}`;
      else if (recovery === 'nothing to recover') recovery = 'transcript written';
    }
    const left = leftovers(dataDir);
    if (keep && leftoverCount(left) > 0) {
      kept = true;
      console.log(`kill ${index + 1}: workstation kept in ${dataDir}`);
    }
    return {
      index,
      type,
      delayMs,
      landed,
      ...(at ? { at } : {}),
      recovery,
      ...(refused ? { refused } : {}),
      seconds: secondsSince(start),
      leftovers: left,
    };
  } finally {
    if (!kept) rmSync(dataDir, { recursive: true, force: true });
  }
}

const leftoverKinds = [
  ['orphanObjects', 'orphan token objects (on the token, explained by no record)'],
  ['missingVersions', 'inventory versions (not destroyed) whose token object is missing'],
  ['missingOther', 'wrapping keys or workstation keys whose token object is missing'],
  ['driveLeftovers', 'partial, empty or unexplained entries on the drives'],
  ['unfinished', 'unresumable ceremonies (unfinished after resume, then abort)'],
  ['auditFailures', 'audit failures (keyward audit verify exits non-zero)'],
] as const;

type Totals = Record<(typeof leftoverKinds)[number][0], number>;

const totalsOf = (list: Leftovers[]): Totals => ({
  orphanObjects: list.reduce((n, l) => n + l.orphanObjects.length, 0),
  missingVersions: list.reduce((n, l) => n + l.missingVersions.length, 0),
  missingOther: list.reduce((n, l) => n + l.missingOther.length, 0),
  driveLeftovers: list.reduce((n, l) => n + l.driveLeftovers.length, 0),
  unfinished: list.reduce((n, l) => n + l.unfinished.length, 0),
  auditFailures: list.filter((l) => l.auditFailure !== undefined).length,
});

const details = (l: Leftovers): string[] => [
  ...l.orphanObjects.map((d) => `orphan object: ${d}`),
  ...l.missingVersions.map((d) => `version without its object: ${d}`),
  ...l.missingOther.map((d) => `recorded key without its object: ${d}`),
  ...l.driveLeftovers.map((d) => `drive: ${d}`),
  ...l.unfinished.map((d) => `unfinished: ${d}`),
  ...(l.auditFailure ? [`audit verify: ${l.auditFailure}`] : []),
];

it(
  'kills the CLI at random moments of every ceremony, resumes or aborts each, and counts the leftovers',
  async () => {
    const started = process.hrtime.bigint();
    console.log(
      `Soak seed ${seed} (replay with KEYWARD_BENCH_SOAK_SEED=${seed}), ${replay ? `replaying ${replay.length}` : kills} kill(s)`,
    );
    base = buildBase();
    const baseSeconds = secondsSince(started);
    const baseIds = ceremonyIds(base);
    const types = Object.keys(plans);

    // One clean run of each type: its duration bounds the kill moments, and it must leave nothing over either.
    const cleanMs: Record<string, number> = {};
    const clean: { type: string; leftovers: Leftovers }[] = [];
    for (const type of types) {
      const dataDir = copyWorkstation(base, 'keyward-soak-clean-');
      try {
        const plan = plans[type];
        if (!plan) continue;
        cleanMs[type] = runToCompletion(dataDir, plan).ms;
        clean.push({ type, leftovers: leftovers(dataDir) });
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
    const preparationSeconds = secondsSince(started);
    console.log(`Clean runs (ms): ${types.map((t) => `${t} ${(cleanMs[t] ?? 0).toFixed(0)}`).join(', ')}`);

    // The schedule: the types in a seeded order, taken in turn, each kill at a seeded moment of its type's duration.
    const random = generator(seed);
    const order = [...types];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] ?? '', order[i] ?? ''];
    }
    const schedule =
      replay ??
      Array.from({ length: kills }, (_, i) => {
        const type = order[i % order.length] ?? '';
        return { type, delayMs: Math.floor(random() * (cleanMs[type] ?? 0)), abortInstead: random() < abortShare };
      });

    const soakStart = process.hrtime.bigint();
    const results: Kill[] = [];
    for (const [index, { type, delayMs, abortInstead }] of schedule.entries()) {
      const kill = await killOnce(index, type, delayMs, abortInstead, baseIds);
      results.push(kill);
      const count = leftoverCount(kill.leftovers);
      console.log(
        `kill ${index + 1}/${schedule.length}: ${type} at ${delayMs} ms${abortInstead ? ' (to abort)' : ''}: ${kill.landed}${kill.at ? ` (${kill.at})` : ''}; ${kill.recovery}${kill.refused ? ` [${kill.refused}]` : ''}; ${count} leftover(s) (${kill.seconds.toFixed(1)} s)`,
      );
      for (const line of details(kill.leftovers)) console.log(`    ${line}`);
    }
    const soakSeconds = secondsSince(soakStart);

    const totals = totalsOf(results.map((k) => k.leftovers));
    const cleanTotals = totalsOf(clean.map((c) => c.leftovers));
    const count = (values: string[]): Record<string, number> =>
      values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
    const byType = types.map((type) => {
      const of = results.filter((k) => k.type === type);
      return {
        type,
        cleanMs: Math.round(cleanMs[type] ?? 0),
        kills: of.length,
        landed: count(of.map((k) => k.landed)),
        recovery: count(of.map((k) => k.recovery)),
        leftovers: of.reduce((n, k) => n + leftoverCount(k.leftovers), 0),
      };
    });
    const recoveries = count(results.map((k) => k.recovery));
    const refusals = count(results.flatMap((k) => (k.refused ? [k.refused] : [])));
    const failed = results.filter((k) => leftoverCount(k.leftovers) > 0);
    const resumedCount = (recoveries.resumed ?? 0) + (recoveries['resumed, officers checking in again'] ?? 0);

    writeSection(
      'soak',
      {
        seed,
        kills: schedule.length,
        replay: replay ?? null,
        totals,
        cleanRunTotals: cleanTotals,
        recoveries,
        refusals,
        byType,
        baseSeconds,
        preparationSeconds,
        soakSeconds,
        kill: results,
      },
      [
        `${schedule.length} SIGKILLs of \`keyward ceremony run\` (seed ${seed}; replay with KEYWARD_BENCH_SOAK_SEED=${seed}), each on a fresh copy of one base rehearsal workstation (SoftHSM2 token, SQLite file, drive folders), at a moment drawn uniformly within its ceremony type's uninterrupted duration; then \`keyward ceremony resume\` (with the officers who had not checked in arriving, when it asks for them), else \`keyward ceremony abort\` (and, for a seeded ${(abortShare * 100).toFixed(0)} % of the interrupted ceremonies, the abort at once, as officers may choose), and \`keyward ceremony transcript\` for an ended ceremony without one. Soak ${(soakSeconds / 60).toFixed(1)} min (${(soakSeconds / Math.max(1, schedule.length)).toFixed(1)} s a kill), after ${preparationSeconds.toFixed(0)} s building the base (${baseSeconds.toFixed(0)} s) and making one clean run of each type.`,
        '',
        '| leftover | after the kills | after the clean runs |',
        '| --- | ---: | ---: |',
        ...leftoverKinds.map(([key, label]) => `| ${label} | ${totals[key]} | ${cleanTotals[key]} |`),
        '',
        `Recovered: ${resumedCount} resumed (${recoveries['resumed, officers checking in again'] ?? 0} of them with officers checking in again), ${(recoveries.aborted ?? 0) + (recoveries['aborted by choice'] ?? 0)} aborted (${recoveries['aborted by choice'] ?? 0} of them by the officers' choice, the others because the resume was refused), ${recoveries['transcript written'] ?? 0} only missing their transcript, ${recoveries['nothing to recover'] ?? 0} with nothing to recover (killed before the plan was made, or after the CLI had exited), ${recoveries['not recovered'] ?? 0} not recovered.`,
        '',
        '| ceremony type | clean run | kills | before the plan | during the steps | after it completed | CLI already exited | resumed | aborted | leftovers |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...byType.map(
          (t) =>
            `| ${t.type} | ${t.cleanMs} ms | ${t.kills} | ${t.landed['before the plan'] ?? 0} | ${t.landed['during the steps'] ?? 0} | ${t.landed['after it completed'] ?? 0} | ${t.landed['after the CLI exited'] ?? 0} | ${(t.recovery.resumed ?? 0) + (t.recovery['resumed, officers checking in again'] ?? 0)} | ${(t.recovery.aborted ?? 0) + (t.recovery['aborted by choice'] ?? 0)} | ${t.leftovers} |`,
        ),
        ...(Object.keys(refusals).length
          ? [
              '',
              'Resumes refused at first (then resumed with the officers arriving, or aborted):',
              '',
              ...Object.entries(refusals).map(([why, n]) => `- ${n} × ${why}`),
            ]
          : []),
        ...(failed.length ||
        cleanTotals.orphanObjects +
          cleanTotals.driveLeftovers +
          cleanTotals.unfinished +
          cleanTotals.auditFailures +
          cleanTotals.missingVersions +
          cleanTotals.missingOther >
          0
          ? [
              '',
              '**Leftovers** (each must be 0):',
              '',
              ...clean.flatMap((c) => details(c.leftovers).map((d) => `- clean ${c.type}: ${d}`)),
              ...failed
                .slice(0, 40)
                .flatMap((k) =>
                  details(k.leftovers).map(
                    (d) =>
                      `- kill ${k.index + 1}, ${k.type} at ${k.delayMs} ms (${k.landed}${k.at ? `, ${k.at}` : ''}; ${k.recovery}): ${d}`,
                  ),
                ),
              ...(failed.length > 40
                ? [`- … and ${failed.length - 40} more kills with leftovers (bench/out/soak.json)`]
                : []),
            ]
          : []),
      ],
    );

    expect({ afterKills: totals, afterCleanRuns: cleanTotals }).toEqual({ afterKills: zero, afterCleanRuns: zero });
  },
  4 * 3600_000,
);

const zero: Totals = {
  orphanObjects: 0,
  missingVersions: 0,
  missingOther: 0,
  driveLeftovers: 0,
  unfinished: 0,
  auditFailures: 0,
};
