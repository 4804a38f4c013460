// Finds Electron's runtime binary without triggering electron's own download-on-first-use.
// The one place that decides whether Electron's runtime is here: npm start, the tests and npm run package ask it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';

function electronPackageDir() {
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

/** @returns {{ present: true, path: string } | { present: false, reason: string }} */
export function findElectronRuntime() {
  const packageDir = electronPackageDir();
  if (!packageDir) return { present: false, reason: 'the electron package is not installed (run "npm run setup")' };
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

/**
 * What packaging needs to know about the electron package: its version, the Node ABI its runtime
 * loads native modules for, the zip electron-builder packs for this machine, and that zip's SHA-256
 * as published in the package's own checksums.json (which package-lock.json's integrity hash covers).
 * @returns {{ version: string, abi: string, zipName: string, zipSha256: string | undefined } | undefined}
 */
export function electronPackageInfo(arch = process.arch) {
  const packageDir = electronPackageDir();
  if (!packageDir) return undefined;
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const abi = readFileSync(join(packageDir, 'abi_version'), 'utf8').trim();
  const zipName = `electron-v${version}-linux-${arch}.zip`;
  const checksums = JSON.parse(readFileSync(join(packageDir, 'checksums.json'), 'utf8'));
  return { version, abi, zipName, zipSha256: checksums[zipName] };
}

/**
 * Where npm run package takes Electron's runtime from: a zip the engineer names (checked against
 * checksums.json before use), or else the runtime "npx install-electron" unpacked (findElectronRuntime).
 * @param {string | undefined} zipPath
 * @returns {{ present: true, electronDist: string, source: string, version: string, abi: string }
 *   | { present: false, reason: string, version: string | undefined, zipName: string | undefined }}
 */
export function findElectronForPackaging(zipPath) {
  const info = electronPackageInfo();
  if (!info)
    return {
      present: false,
      reason: 'the electron package is not installed (run "npm ci")',
      version: undefined,
      zipName: undefined,
    };
  const absent = (reason) => ({ present: false, reason, version: info.version, zipName: info.zipName });
  if (zipPath) {
    const zip = resolve(zipPath);
    if (!existsSync(zip) || !statSync(zip).isFile()) return absent(`${zip} is not a file`);
    if (basename(zip) !== info.zipName)
      return absent(`${zip} is not ${info.zipName}, the runtime of electron ${info.version} for this machine`);
    if (!info.zipSha256) return absent(`the electron package lists no checksum for ${info.zipName}`);
    const actual = createHash('sha256').update(readFileSync(zip)).digest('hex');
    if (actual !== info.zipSha256) {
      return absent(
        `${zip} is not the published ${info.zipName}: its SHA-256 is ${actual}, electron's checksums.json says ${info.zipSha256}`,
      );
    }
    return {
      present: true,
      electronDist: zip,
      source: `${zip} (SHA-256 checked against electron's checksums.json)`,
      version: info.version,
      abi: info.abi,
    };
  }
  const runtime = findElectronRuntime();
  if (!runtime.present) return absent(runtime.reason);
  const distDir = dirname(runtime.path);
  const versionFile = join(distDir, 'version');
  const distVersion = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim().replace(/^v/, '') : undefined;
  if (distVersion !== info.version) {
    return absent(
      `the runtime in ${distDir} is Electron ${distVersion ?? 'of an unknown version'}, not ${info.version} (run "npx install-electron" again)`,
    );
  }
  return {
    present: true,
    electronDist: distDir,
    source: `${distDir} (installed by "npx install-electron")`,
    version: info.version,
    abi: info.abi,
  };
}
