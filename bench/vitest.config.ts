import { defineConfig } from 'vitest/config';
import { BenchReport, BenchSequencer } from './report.js';

// Benchmarks run as long Vitest "test" files that measure and write bench/out; they assert no timing.
// One file at a time, in the order of bench/sections.ts; the reporter then writes bench/REPORT.md.
export default defineConfig({
  test: {
    include: ['bench/**/*.bench-run.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { sequencer: BenchSequencer },
    reporters: ['default', new BenchReport()],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
