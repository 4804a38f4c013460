/**
 * Renderer bundle size: the built out/renderer assets (JS and CSS, raw and gzip), beside a minimal React
 * page built in the same run by the same electron-vite and Vite with Keyward's own renderer settings
 * (its electron.vite.config.ts, only the entry changed). The baseline's source is generated under
 * bench/out/renderer-baseline (not committed), so that it resolves the project's node_modules.
 * Results: bench/out/renderer.json and renderer.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { it } from 'vitest';
import { rendererDir } from '../src/main/paths';
import { outDir, table, writeSection } from './sections';

const root = join(import.meta.dirname, '..');
const baselineDir = join(outDir, 'renderer-baseline');

interface Sizes {
  files: { name: string; raw: number; gzip: number }[];
  js: { raw: number; gzip: number };
  css: { raw: number; gzip: number };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Every .js and .css file under `dir` (a built renderer), raw and gzip -9. */
function sizes(dir: string): Sizes {
  const files = listFiles(dir)
    .filter((f) => ['.js', '.css'].includes(extname(f)))
    .map((f) => {
      const bytes = readFileSync(f);
      return { name: relative(dir, f), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    });
  const sum = (ext: string) => {
    const of = files.filter((f) => extname(f.name) === ext);
    return { raw: of.reduce((n, f) => n + f.raw, 0), gzip: of.reduce((n, f) => n + f.gzip, 0) };
  };
  return { files, js: sum('.js'), css: sum('.css') };
}

/** The baseline: one React 19 component and one small stylesheet, built like Keyward's renderer. */
function buildBaseline(): string {
  rmSync(baselineDir, { recursive: true, force: true });
  mkdirSync(baselineDir, { recursive: true });
  const dist = join(baselineDir, 'dist');
  writeFileSync(
    join(baselineDir, 'index.html'),
    '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8" />\n    <title>Baseline</title>\n  </head>\n  <body>\n    <div id="root"></div>\n    <script type="module" src="./main.jsx"></script>\n  </body>\n</html>\n',
  );
  writeFileSync(
    join(baselineDir, 'main.jsx'),
    [
      "import { StrictMode, useState } from 'react';",
      "import { createRoot } from 'react-dom/client';",
      "import './styles.css';",
      '',
      'function App() {',
      '  const [count, setCount] = useState(0);',
      '  return (',
      '    <main>',
      '      <h1>Home</h1>',
      '      <button type="button" onClick={() => setCount(count + 1)}>Clicked {count} times</button>',
      '    </main>',
      '  );',
      '}',
      '',
      "createRoot(document.getElementById('root')).render(",
      '  <StrictMode>',
      '    <App />',
      '  </StrictMode>,',
      ');',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(baselineDir, 'styles.css'),
    'body {\n  margin: 0;\n  font-family: system-ui, sans-serif;\n}\n\nmain {\n  padding: 1rem;\n}\n',
  );
  // Keyward's own renderer configuration (plugins, base, minify, and electron-vite's renderer preset),
  // with only its root, entry and output folder replaced.
  writeFileSync(
    join(baselineDir, 'electron.vite.config.mjs'),
    [
      "import keyward from '../../../electron.vite.config.ts';",
      '',
      `const here = ${JSON.stringify(baselineDir)};`,
      'const renderer = keyward.renderer;',
      'export default {',
      '  renderer: {',
      '    ...renderer,',
      '    root: here,',
      `    build: { ...renderer.build, outDir: ${JSON.stringify(dist)}, rollupOptions: { ...renderer.build.rollupOptions, input: { index: ${JSON.stringify(join(baselineDir, 'index.html'))} } } },`,
      '  },',
      '};',
      '',
    ].join('\n'),
  );
  const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  execFileSync(
    process.execPath,
    [
      cli,
      'build',
      '--config',
      join(baselineDir, 'electron.vite.config.mjs'),
      '--logLevel',
      'warn',
      '--ignoreConfigWarning',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  return dist;
}

const versionOf = (name: string): string => {
  const require = createRequire(join(root, 'package.json'));
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
};

it('measures the renderer bundle size', () => {
  if (!existsSync(join(rendererDir, 'index.html')))
    throw new Error(`${rendererDir} is not built: run "npm run bench" (it builds first) or "npm run build".`);
  const keyward = sizes(rendererDir);
  const baseline = sizes(buildBaseline());
  if (baseline.js.raw === 0) throw new Error('the baseline build produced no JavaScript');

  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const results = {
    electronVite: versionOf('electron-vite'),
    vite: versionOf('vite'),
    react: versionOf('react'),
    keyward,
    baseline,
  };
  writeSection('renderer', results, [
    `out/renderer as built by this run's \`electron-vite build\`; baseline built with electron-vite ${results.electronVite}, Vite ${results.vite}, React ${results.react}. gzip at level 9; ratio = Keyward's bytes ÷ the baseline's.`,
    '',
    ...table([
      {
        measure: 'JavaScript, raw',
        keyward: kb(keyward.js.raw),
        baseline: kb(baseline.js.raw),
        ratio: keyward.js.raw / baseline.js.raw,
      },
      {
        measure: 'JavaScript, gzip',
        keyward: kb(keyward.js.gzip),
        baseline: kb(baseline.js.gzip),
        ratio: keyward.js.gzip / baseline.js.gzip,
      },
      {
        measure: 'CSS, raw',
        keyward: kb(keyward.css.raw),
        baseline: kb(baseline.css.raw),
        ratio: keyward.css.raw / baseline.css.raw,
      },
      {
        measure: 'CSS, gzip',
        keyward: kb(keyward.css.gzip),
        baseline: kb(baseline.css.gzip),
        ratio: keyward.css.gzip / baseline.css.gzip,
      },
    ]),
    '',
    "The baseline's stylesheet is two rules, so the CSS ratios mostly show the size of Keyward's own stylesheet.",
    '',
    `Keyward's files: ${keyward.files.map((f) => `${f.name} (${kb(f.raw)}, ${kb(f.gzip)} gzip)`).join('; ')}.`,
  ]);
});
