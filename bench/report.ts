/**
 * bench/REPORT.md, written by the bench run itself: a Vitest reporter (registered in
 * bench/vitest.config.ts) that clears the previous results when the run starts and, when it ends,
 * gathers every section of bench/sections.ts in order, with the machine and the date at the top. A
 * section whose bench failed, or did not run, says so in place of its numbers. Also the sequencer
 * that runs the bench files in the order of bench/sections.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  BaseSequencer,
  type Reporter,
  type SerializedError,
  type TestModule,
  type TestSpecification,
} from 'vitest/node';
import { outDir, sectionHeading, sections, type Section } from './sections.js';

const benchDir = import.meta.dirname;
export const reportPath = join(benchDir, 'REPORT.md');

/** Runs the bench files in the order of bench/sections.ts (Vitest's own order depends on earlier runs' timings). */
export class BenchSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification): number => {
      const index = sections.findIndex((s) => spec.moduleId === join(benchDir, s.file));
      return index === -1 ? sections.length : index;
    };
    return Promise.resolve([...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId)));
  }
}

function output(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

const firstLine = (command: string, args: string[]): string =>
  output(command, args)?.split('\n')[0]?.trim() ?? 'not found';

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? process.platform;
  } catch {
    return process.platform;
  }
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
const load = (): string =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

function machine(started: Date, startLoad: string, seconds: number): string[] {
  const cpu = cpus();
  const commit = firstLine('git', ['-C', benchDir, 'rev-parse', '--short', 'HEAD']);
  const dirty = Boolean(output('git', ['-C', benchDir, 'status', '--porcelain']));
  const knobs = Object.entries(process.env)
    .filter(([name]) => name.startsWith('KEYWARD_BENCH_'))
    .map(([name, value]) => `${name}=${value ?? ''}`);
  return [
    `Date: ${started.toISOString().replace('T', ' ').slice(0, 19)} UTC; the bench files ran for ${seconds.toFixed(0)} s (the build before them not counted).`,
    '',
    `| machine | |`,
    `| --- | --- |`,
    `| CPU | ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} logical cores |`,
    `| memory | ${gib(totalmem())} (${gib(freemem())} free at the end) |`,
    `| OS | ${osName()}, Linux ${release()}, ${process.arch} |`,
    `| Node | ${process.version} |`,
    `| SoftHSM | ${firstLine('softhsm2-util', ['--version'])} |`,
    `| Chromium | ${firstLine(process.env.KEYWARD_CHROMIUM ?? '/usr/bin/chromium', ['--version'])} |`,
    `| C compiler | ${firstLine('cc', ['--version'])} |`,
    `| load average (1, 5, 15 min) | ${startLoad} at the start; ${load()} at the end |`,
    `| source | commit ${commit}${dirty ? ', with uncommitted changes' : ''} |`,
    `| sizes | ${knobs.length > 0 ? knobs.join(', ') : 'the defaults (see the KEYWARD_BENCH_* variables in bench/*.bench-run.ts)'} |`,
  ];
}

function errorText(error: SerializedError): string {
  return (error.message || error.name || 'unknown error').split('\n')[0]?.trim() ?? 'unknown error';
}

function moduleErrors(module: TestModule): string[] {
  const errors = [...module.errors()];
  for (const test of module.children.allTests()) errors.push(...(test.result().errors ?? []));
  return errors.map(errorText);
}

function sectionText(section: Section, module: TestModule | undefined): string {
  const absent = (why: string): string =>
    [...sectionHeading(section), `**${why}** No numbers for this section in this run.`, ''].join('\n');
  if (!module)
    return absent(`Not run: bench/${section.file} was not part of this run (run \`npm run bench\` for every section).`);
  const state = module.state();
  if (state === 'failed') {
    const errors = moduleErrors(module);
    return absent(`The bench failed: ${errors.length > 0 ? errors.join('; ') : 'see the Vitest output'}.`);
  }
  if (state !== 'passed') return absent(`The bench did not complete (${state}).`);
  const written = join(outDir, `${section.id}.md`);
  if (!existsSync(written)) return absent(`The bench passed but wrote no bench/out/${section.id}.md.`);
  return readFileSync(written, 'utf8');
}

/**
 * Clears the previous results of the benches about to run, and writes the report when the run ends:
 * bench/REPORT.md when every bench file ran, otherwise (a run filtered to some files)
 * bench/out/REPORT.partial.md, so that a partial run never replaces the full report.
 */
export class BenchReport implements Reporter {
  private started = new Date();
  private startLoad = load();
  private full = true;

  onTestRunStart(specifications: readonly TestSpecification[]): void {
    this.started = new Date();
    this.startLoad = load();
    const running = new Set(specifications.map((s) => s.moduleId));
    const inRun = (section: Section) => running.has(join(benchDir, section.file));
    this.full = sections.every((section) => inRun(section) || !existsSync(join(benchDir, section.file)));
    // A section is reported only from what this run wrote.
    for (const section of sections.filter(inRun)) {
      for (const ext of ['json', 'md']) rmSync(join(outDir, `${section.id}.${ext}`), { force: true });
    }
  }

  onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly SerializedError[]): void {
    const seconds = (Date.now() - this.started.getTime()) / 1000;
    const byFile = (section: Section) => testModules.find((m) => m.moduleId === join(benchDir, section.file));
    const lines = [
      '# Keyward benchmarks',
      '',
      "Written by `npm run bench` (bench/report.ts); every baseline is measured in the same run, on the same machine. Ratio = Keyward's cost ÷ the baseline's (time per operation, or bytes): 1.00 is as cheap as the baseline, above 1 costs more. Speed goals live here, never in timed tests.",
      '',
      ...(this.full
        ? []
        : [
            '**A partial run** (some bench files were filtered out): bench/REPORT.md is written only by a run of every bench.',
            '',
          ]),
      ...machine(this.started, this.startLoad, seconds),
      '',
      ...sections.map((section) => sectionText(section, byFile(section))),
    ];
    if (unhandledErrors.length > 0)
      lines.push('## Errors outside the benches', '', ...unhandledErrors.map((e) => `- ${errorText(e)}`), '');
    const path = this.full ? reportPath : join(outDir, 'REPORT.partial.md');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      path,
      `${lines
        .join('\n')
        .replace(/\n{3,}/g, '\n\n')
        .trimEnd()}\n`,
    );
    console.log(`\nBenchmark report written to ${path}`);
  }
}
