/** Where Keyward's built files are, found from the project root whichever file (source or bundle) asks. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'keyward') {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('Keyward cannot find its own installation folder (no package.json named keyward).');
    dir = parent;
  }
}

export const projectRoot = findProjectRoot();
/** "Keyward <version>", as bundles and transcripts name the software that made them. */
export const generator = `Keyward ${(JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown'}`;
export const builtDir = join(projectRoot, 'out');
export const rendererDir = join(builtDir, 'renderer');
export const rendererIndex = join(rendererDir, 'index.html');
export const preloadScript = join(builtDir, 'preload', 'index.cjs');

export function hsmHostScript(): string {
  const script = join(builtDir, 'main', 'hsm-host.js');
  if (!existsSync(script)) {
    throw new Error(`Keyward is not built (${script} is missing): run "npm run build" first.`);
  }
  return script;
}
