// Finds Electron's runtime binary without triggering electron's own download-on-first-use.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** @returns {{ present: true, path: string } | { present: false, reason: string }} */
export function findElectronRuntime() {
  let packageDir;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { present: false, reason: 'the electron package is not installed (run "npm run setup")' };
  }
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      present: false,
      reason: `Electron's runtime binary was never downloaded (${pathFile} is missing; its installer fetches it from the internet, which this machine cannot reach)`,
    };
  }
  const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { present: false, reason: `Electron's runtime binary is missing (${binary})` };
  return { present: true, path: binary };
}
