/**
 * Start to first screen in the Chromium shell: from creating the workstation (as src/main/shell/main.ts
 * does, on a new temp data directory with its rehearsal token) until the Home screen is visible, and until
 * it is usable (the rehearsal token read live and shown); then again on the same data directory. Beside
 * it, the same Chromium launched the same way opening a static page. Runs alternate, so that a slower
 * moment of the machine falls on both. Results: bench/out/start.json and start.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { afterAll, it } from 'vitest';
import { createHandlers } from '../src/main/api/handlers';
import { nodeHsmChannel } from '../src/main/hsm/client/node-channel';
import { openWorkstation } from '../src/main/open-workstation';
import {
  appOrigin,
  chromiumLaunchOptions,
  chromiumPath,
  launchChromiumShell,
  type ChromiumShell,
} from '../src/main/shell/chromium-shell';
import { envNumber, msSpread, secondsSince, spread, table, writeSection } from './sections';

const runs = envNumber('KEYWARD_BENCH_START_RUNS', 7);
const timeout = 60_000;
const scratch = mkdtempSync(join(tmpdir(), 'keyward-bench-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));

const elapsedMs = (start: bigint): number => secondsSince(start) * 1000;
const homeHeading = (page: Page) => page.getByRole('heading', { name: 'Home', level: 1 });

interface KeywardStart {
  firstScreenMs: number;
  usableMs: number;
}

/** Keyward's Chromium shell, started as `npm start` starts it (headless, as the e2e tests run it). */
async function keywardStart(dataDir: string): Promise<KeywardStart> {
  const start = process.hrtime.bigint();
  const workstation = openWorkstation(dataDir, nodeHsmChannel);
  let shell: ChromiumShell | undefined;
  try {
    workstation.storeStatus(); // as src/main/shell/main.ts: the database opened and checked before the window
    shell = await launchChromiumShell({ handlers: createHandlers(workstation), headless: true });
    await homeHeading(shell.page).waitFor({ state: 'visible', timeout });
    const firstScreenMs = elapsedMs(start);
    await shell.page.getByRole('heading', { name: /^Token Keyward Rehearsal/ }).waitFor({ state: 'visible', timeout });
    return { firstScreenMs, usableMs: elapsedMs(start) };
  } finally {
    // As the e2e fixture stops it: the workstation first (its HSM process and database), then the window.
    workstation.close();
    await shell?.close();
  }
}

const staticPage =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Baseline</title></head><body><main><h1>Home</h1><p>A static page.</p></main></body></html>';

/** The same Chromium, launched with the shell's own options on a new profile, opening a static page from the same origin. */
async function baselineStart(): Promise<number> {
  const start = process.hrtime.bigint();
  const profile = mkdtempSync(join(scratch, 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, chromiumLaunchOptions(true));
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await context.route('**/*', (route) =>
      route.fulfill({
        status: 200,
        body: staticPage,
        headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
      }),
    );
    await page.goto(`${appOrigin}/index.html`);
    await homeHeading(page).waitFor({ state: 'visible', timeout });
    return elapsedMs(start);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

it('measures start to first screen', async () => {
  // One launch of each, not counted: Chromium's and SoftHSM's files into the page cache.
  await baselineStart();
  await keywardStart(mkdtempSync(join(scratch, 'data-')));

  const baseline: number[] = [];
  const firstFirst: number[] = [];
  const firstUsable: number[] = [];
  const againFirst: number[] = [];
  const againUsable: number[] = [];
  for (let i = 0; i < runs; i++) {
    baseline.push(await baselineStart());
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    const first = await keywardStart(dataDir); // a new data directory: the rehearsal token is made
    firstFirst.push(first.firstScreenMs);
    firstUsable.push(first.usableMs);
    const again = await keywardStart(dataDir); // the same data directory again
    againFirst.push(again.firstScreenMs);
    againUsable.push(again.usableMs);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }

  const base = spread(baseline);
  const row = (measure: string, values: number[]) => ({
    measure,
    keyward: msSpread(spread(values)),
    baseline: msSpread(base),
    ratio: spread(values).median / base.median,
  });
  const results = {
    runs,
    chromium: chromiumPath,
    baselineMs: base,
    newDataDir: { firstScreenMs: spread(firstFirst), usableMs: spread(firstUsable) },
    sameDataDir: { firstScreenMs: spread(againFirst), usableMs: spread(againUsable) },
  };
  writeSection('start', results, [
    `Headless Chromium (${chromiumPath}), as the e2e tests run the shell; median (min–max) of ${runs} runs each, after one of each not counted. Keyward's time runs from creating the workstation (in the bench's process: Node's own start and module loading are not counted, for either side) until the heading "Home" is visible (first screen), then until the rehearsal token's details are shown (usable). Ratio = median ÷ the baseline's median.`,
    '',
    ...table([
      row('first screen, new data directory (rehearsal token made)', firstFirst),
      row('usable, new data directory', firstUsable),
      row('first screen, same data directory again', againFirst),
      row('usable, same data directory again', againUsable),
    ]),
  ]);
});
