import { defineConfig } from '@playwright/test';
import type { ShellOptions } from './test/e2e/fixtures';

export default defineConfig<ShellOptions>({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-report.json' }]],
  // The same specs run in both shells; the Electron project skips, saying why, where its runtime is missing.
  projects: [
    { name: 'chromium-shell', use: { shell: 'chromium' } },
    { name: 'electron', use: { shell: 'electron' } },
  ],
});
