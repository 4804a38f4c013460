/**
 * The sections of bench/REPORT.md, in the order their bench files run (bench/vitest.config.ts sorts the
 * files by this list): what each measures and what its baseline, measured in the same run, is. Each bench
 * file writes bench/out/<id>.json and bench/out/<id>.md through writeSection; the report (bench/report.ts)
 * gathers them, and names a section whose bench failed or did not run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const outDir = join(import.meta.dirname, 'out');

export interface Section {
  id: string;
  /** The bench file, in bench/. */
  file: string;
  title: string;
  /** One line: what the baseline is. */
  baseline: string;
}

export const sections = [
  {
    id: 'hsm',
    file: 'hsm.bench-run.ts',
    title: 'HSM layer against a plain C loop',
    baseline:
      "a C program (bench/c/pkcs11_loop.c, built with cc -O2) calling the same SoftHSM2 module directly in a loop, on a token of the same kind, with keys of the same kind (token objects, as Keyward's; the backup KEK a session object, as Keyward's), its handles found once before the loop; for the event-loop delay, the same main thread left idle for as long as the generation took.",
  },
  {
    id: 'audit',
    file: 'audit.bench-run.ts',
    title: 'Audit log: appends and verification',
    baseline:
      'for appends, the same row inserted into a bare table of a database opened the same way (WAL, synchronous=FULL), one transaction each, with no hash chain and no checks; for verification, a bare loop that only reads the same rows in order and hashes each one.',
  },
  {
    id: 'bundle',
    file: 'bundle.bench-run.ts',
    title: 'Upload bundle: export and verification',
    baseline:
      'for export, the irreducible work: one RSA-OAEP wrap of the CMK and one signature of the manifest digest by the same token key, both through the HSM layer, and the same files written new with write + fsync and their folder flushed; for verification, reading the same files, one SHA-256 of each, and one verification of a signature by the same key with node:crypto.',
  },
  {
    id: 'start',
    file: 'start.bench-run.ts',
    title: 'Start to first screen (Chromium shell)',
    baseline:
      'the same Chromium launched the same way (same flags, a new profile folder, headless) opening a static page with a "Home" heading served from the same in-browser origin.',
  },
  {
    id: 'renderer',
    file: 'renderer-size.bench-run.ts',
    title: 'Renderer bundle size',
    baseline:
      "a minimal React 19 page (one component, one small stylesheet) built in the same run by the same electron-vite and Vite with Keyward's own renderer settings (its electron.vite.config.ts, only the entry changed).",
  },
  {
    id: 'soak',
    file: 'soak.bench-run.ts',
    title: 'Soak: the CLI killed at random moments of every ceremony',
    baseline:
      'what a clean run leaves, and what each kill, once its ceremony is resumed or aborted, must leave too: zero orphan token objects, zero inventory versions without their token object, zero partial or unexplained entries on the drives, zero unresumable ceremonies, zero audit failures. One clean run of each ceremony type, in the same run, is counted the same way.',
  },
] as const satisfies readonly Section[];

export type SectionId = (typeof sections)[number]['id'];

export function sectionOf(id: SectionId): Section {
  const section = sections.find((s) => s.id === id);
  if (!section) throw new Error(`no bench section ${id}`);
  return section;
}

export const sectionHeading = (section: Section): string[] => [
  `## ${section.title}`,
  '',
  `Baseline: ${section.baseline}`,
  '',
];

/** One row of a section's table: a measure, Keyward's value, the baseline's, and the ratio of Keyward's cost to the baseline's. */
export interface Row {
  measure: string;
  keyward: string;
  baseline: string;
  /** Keyward's cost ÷ the baseline's (time or bytes): above 1, Keyward costs more. */
  ratio: number;
}

export function table(rows: Row[]): string[] {
  return [
    '| measure | Keyward | baseline | ratio |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.measure} | ${r.keyward} | ${r.baseline} | ${r.ratio.toFixed(2)} |`),
  ];
}

/** Writes bench/out/<id>.json and bench/out/<id>.md (the section as REPORT.md shows it) and prints the section. */
export function writeSection(id: SectionId, results: unknown, body: string[]): void {
  mkdirSync(outDir, { recursive: true });
  const markdown = [...sectionHeading(sectionOf(id)), ...body, ''].join('\n');
  writeFileSync(join(outDir, `${id}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, `${id}.md`), markdown);
  console.log(`\n${markdown}`);
}

// Small helpers shared by the bench files.

export const secondsSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

export interface Spread {
  runs: number;
  median: number;
  min: number;
  max: number;
}

export const spread = (values: number[]): Spread => ({
  runs: values.length,
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

/** "812 ms (790–861)" */
export const msSpread = (s: Spread): string => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;

export const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number (got ${process.env[name] ?? ''})`);
  return value;
};
