import { defineConfig } from 'vitest/config';

// Benchmarks run as one long Vitest "test" file that measures and writes bench/out; they assert no timing.
export default defineConfig({
  test: {
    include: ['bench/**/*.bench-run.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
