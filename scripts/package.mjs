// npm run package: Keyward's AppImage and .deb for the workstation (electron-builder.yml), read back and
// refused if anything differs from what was asked, with an SBOM, SHA256SUMS, and each artifact's SHA-256
// printed in hex and PGP words for the officers. docs/install-offline.md says what happens next.
//
//   npm run package                                   Electron's runtime from "npx install-electron"
//   npm run package -- --electron-zip PATH/electron-v45.4.1-linux-x64.zip
//
// Exit status: 0 packaged and verified; 1 packaging failed or the artifacts were refused (and deleted);
// 2 this machine cannot package (Electron's runtime or a tool is missing), nothing was changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findElectronForPackaging } from './electron-runtime.mjs';
import {
  addonAbi,
  expectationsOf,
  hexGroups,
  loadBuilderConfig,
  pgpWordsOf,
  projectDir,
  sbomOfShipped,
  sha256File,
  sha256sums,
  verifyArtifact,
  verifyUnpackedApp,
} from './packaging.mjs';

const say = (...lines) => console.log(lines.join('\n'));
const fail = (status, ...lines) => {
  console.error(['', ...lines, ''].join('\n'));
  process.exit(status);
};
const run = (command, args, options = {}) =>
  spawnSync(command, args, { stdio: 'inherit', cwd: projectDir, ...options }).status ?? 1;
const errorText = (error) => (error instanceof Error ? error.message : String(error));

/** True when node_modules' native modules are no longer the ones this Node.js loads. */
function nativeModulesNeedRebuild() {
  for (const addon of ['better-sqlite3/build/Release/better_sqlite3.node', 'pkcs11js/build/Release/pkcs11.node']) {
    const file = join(projectDir, 'node_modules', addon);
    if (!existsSync(file)) return true;
    const abi = addonAbi(readFileSync(file));
    if (!abi || (abi.kind === 'abi' && abi.abi !== process.versions.modules)) return true;
  }
  return false;
}

let zipPath;
for (let index = 2; index < process.argv.length; index++) {
  const arg = process.argv[index];
  if (arg === '--help') {
    say(
      'Usage: npm run package [-- --electron-zip PATH]',
      "Builds, packs, verifies and prints the digests of Keyward's AppImage and .deb (see docs/install-offline.md).",
    );
    process.exit(0);
  } else if (arg === '--electron-zip' && process.argv[index + 1]) {
    zipPath = process.argv[++index];
  } else {
    fail(
      2,
      `npm run package: ${arg === '--electron-zip' ? '--electron-zip needs the path of the Electron zip' : `unknown argument ${arg}`} (see --help).`,
    );
  }
}

// ---- 1. Can this machine package at all? Nothing is built or changed before this is known. ----
const electron = findElectronForPackaging(zipPath);
if (!electron.present && zipPath) {
  fail(
    2,
    `The Electron zip was refused: ${electron.reason}.`,
    `Use the published ${electron.zipName ?? 'Electron zip'} (github.com/electron/electron/releases/tag/v${electron.version ?? ''});`,
    'its SHA-256 must match node_modules/electron/checksums.json. Nothing was built or changed.',
  );
}
if (!electron.present) {
  const version = electron.version ?? '(see package.json)';
  const zipName = electron.zipName ?? `electron-v${version}-linux-x64.zip`;
  fail(
    2,
    "Keyward cannot be packaged on this machine: Electron's runtime is not here.",
    `  What is missing: ${electron.reason}.`,
    `  Why: the AppImage and the .deb contain Electron ${version}'s runtime, ${zipName}.`,
    '  npm installs only the electron package; the runtime itself comes from GitHub',
    '  (github.com/electron/electron/releases), which this machine cannot reach. Nothing else in Keyward',
    '  needs it here: npm start opens the Chromium shell and npm test skips the Electron-only runs.',
    '',
    'To package, on a build machine with internet access (Debian 12, same architecture):',
    '  npm ci',
    `  npx install-electron    # fetches ${zipName}, checked against node_modules/electron/checksums.json`,
    "  npm run package         # also fetches Electron's headers and electron-builder's tools on first use",
    '',
    `Or copy ${zipName} onto this machine (from that release page, or from`,
    '~/.cache/electron on a machine where "npx install-electron" ran) and name it:',
    `  npm run package -- --electron-zip /media/usb/${zipName}`,
    "  Its SHA-256 is checked against the electron package's checksums.json before it is used.",
    "  Packaging offline also needs Electron's headers (~/.electron-gyp) and electron-builder's tools",
    '  (~/.cache/electron-builder) copied from a connected machine: docs/install-offline.md,',
    '  "Building the packages".',
  );
}

const config = loadBuilderConfig();
const outputDir = join(projectDir, config.directories?.output ?? 'dist');
const packageJson = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8'));

for (const [tool, why] of [
  ['dpkg-deb', 'to read back the .deb it built'],
  ['sha256sum', 'for SHA256SUMS (coreutils)'],
]) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) {
    fail(
      2,
      `Keyward cannot be packaged on this machine: ${tool} is missing (${why}). Package on Debian 12 (apt-get install dpkg coreutils).`,
    );
  }
}
say(`Electron ${electron.version} (Node ABI ${electron.abi}) from ${electron.source}.`);

// ---- 2. Build, then pack with electron-builder. ----
if (run('npx', ['electron-vite', 'build', '--logLevel', 'warn']) !== 0)
  fail(1, 'Keyward could not be built; see the messages above.');
rmSync(outputDir, { recursive: true, force: true });

// npm passes its own "nodedir" to scripts (npm_config_nodedir); node-gyp would then compile the native
// modules against that Node.js's headers instead of Electron's. electron-builder must not see it.
const npmEnv = { ...process.env };
delete process.env.npm_config_nodedir;
delete process.env.NPM_CONFIG_NODEDIR;

let artifacts = [];
let packError;
try {
  const { build, Platform } = await import('electron-builder');
  const built = await build({
    projectDir,
    targets: Platform.LINUX.createTarget(config.linux.target),
    publish: 'never',
    config: {
      electronDist: electron.electronDist,
      // An Electron zip or dist carries default_app.asar (Electron's demo app); Keyward's package does not.
      afterPack: (context) => rmSync(join(context.appOutDir, 'resources', 'default_app.asar'), { force: true }),
    },
  });
  artifacts = built.filter((file) => /\.(AppImage|deb)$/.test(file));
} catch (error) {
  packError = error;
} finally {
  // electron-builder rebuilt pkcs11js and better-sqlite3 in node_modules for Electron: rebuild them for
  // Node.js again, or the CLI, the Chromium shell and the tests could not load them.
  if (nativeModulesNeedRebuild()) {
    say(
      '',
      'Rebuilding pkcs11js and better-sqlite3 in node_modules for Node.js (electron-builder rebuilt them for Electron)…',
    );
    if (run('npm', ['rebuild', 'pkcs11js', 'better-sqlite3'], { env: npmEnv }) !== 0) {
      console.error('npm rebuild pkcs11js better-sqlite3 failed: run it yourself before npm start or npm test.');
    }
  }
}
if (packError) {
  const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH/.test(
    errorText(packError),
  );
  fail(
    1,
    `electron-builder failed: ${errorText(packError)}`,
    ...(offline
      ? [
          "It needed the network: Electron's headers for the native rebuild (~/.electron-gyp) or one of its own tools",
          '(fpm for the .deb, the AppImage tools, 7-Zip; ~/.cache/electron-builder), fetched from GitHub on first use.',
          'Package on a connected build machine, or copy those two folders from one (docs/install-offline.md).',
        ]
      : []),
    'Nothing was packaged (see the messages above).',
  );
}

// ---- 3. Read back what was written; refuse the artifacts if anything differs. ----
const refuse = (...lines) => {
  for (const file of artifacts) rmSync(file, { force: true });
  fail(1, 'The artifacts were REFUSED and deleted:', ...lines.map((line) => `  - ${line}`));
};
const reference = await verifyUnpackedApp(join(outputDir, 'linux-unpacked'), expectationsOf(config, electron.abi));
const problems = reference.problems.map((problem) => `linux-unpacked: ${problem}`);
for (const kind of ['deb', 'AppImage']) {
  if (!artifacts.some((file) => file.endsWith(`.${kind}`))) problems.push(`electron-builder produced no ${kind}`);
}
for (const artifact of artifacts) problems.push(...(await verifyArtifact(artifact, config, electron.abi)));
if (problems.length) refuse(...problems);

// ---- 4. The SBOM of what was shipped (npm sbom reads node_modules and the lockfile; no network). ----
const npmSbom = spawnSync('npm', ['sbom', '--sbom-format', 'cyclonedx'], {
  cwd: projectDir,
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
  env: npmEnv,
});
if (npmSbom.status !== 0)
  refuse(
    `npm sbom failed: ${npmSbom.stderr
      .split('\n')
      .filter((line) => line && !line.includes('nodedir'))
      .join(' ')}`,
  );
const { sbom, missing } = sbomOfShipped(JSON.parse(npmSbom.stdout), reference.packages, {
  name: packageJson.name,
  version: packageJson.version,
  electronVersion: electron.version,
});
if (missing.length) refuse(`app.asar holds packages npm's SBOM does not list: ${missing.join(', ')}`);
const sbomFile = join(outputDir, `${packageJson.name}-${packageJson.version}.cdx.json`);
writeFileSync(sbomFile, `${JSON.stringify(sbom, null, 2)}\n`);

// ---- 5. Digests: SHA256SUMS, and each printed for the officers to record and read aloud. ----
const digests = [];
for (const file of [...artifacts.sort(), sbomFile])
  digests.push({ name: basename(file), sha256: await sha256File(file) });
writeFileSync(join(outputDir, 'SHA256SUMS'), sha256sums(digests));
if (run('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: outputDir, stdio: 'ignore' }) !== 0)
  refuse('sha256sum --check does not accept the SHA256SUMS just written');

say(
  '',
  `Keyward ${packageJson.version} packaged and verified: fuses, app.asar, native modules for Electron's ABI ${electron.abi}.`,
  `In ${outputDir}:`,
);
for (const { name, sha256 } of digests) {
  say('', `  ${name}`, `    SHA-256  ${hexGroups(sha256)}`, `    words    ${pgpWordsOf(sha256).join(' ')}`);
}
say(
  '',
  `  SHA256SUMS (check with: sha256sum --check SHA256SUMS)`,
  '',
  'Record these digests away from the drive that carries the files (signed change record, paper): the',
  'officers compare them on the connected side and again on the workstation (docs/install-offline.md).',
);
