/**
 * Packaging (npm run package, electron-builder.yml). Electron's runtime cannot be fetched on this machine,
 * so electron-builder never runs here: its configuration is checked against what Keyward needs and
 * against electron-builder's own schema, and the read-back that refuses an artifact is run on synthetic
 * Electron trees (a binary carrying Electron's fuse wire, app.asar written by @electron/asar, a .deb
 * built by dpkg-deb). Last, what npm run package says on a machine without the runtime.
 */
import { createPackageWithOptions, extractFile, listPackage } from '@electron/asar';
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronPackageInfo, findElectronRuntime } from '../../scripts/electron-runtime.mjs';
import {
  addonAbi,
  expectationsOf,
  hexGroups,
  loadBuilderConfig,
  pgpWordsOf,
  projectDir,
  readAsar,
  readAsarFile,
  sbomOfShipped,
  sha256File,
  sha256sums,
  verifyArtifact,
  verifyUnpackedApp,
  type CycloneDx,
} from '../../scripts/packaging.mjs';
import { hexGroups as sharedHexGroups, pgpWordsOf as sharedPgpWordsOf } from '../../src/shared/fingerprint';

const config = loadBuilderConfig();
const electron = electronPackageInfo();
if (!electron) throw new Error('the electron package is not installed');
const expectations = expectationsOf(config, electron.abi);
const packageJson = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
const noStackTrace = /^\s+at\s+\S.*:\d+(:\d+)?\)?$/m;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'keyward-packaging-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('electron-builder.yml', () => {
  it('builds Keyward as an AppImage and a .deb, published nowhere', () => {
    expect(config.appId).toMatch(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/);
    expect(config.productName).toBe('Keyward');
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.linux?.executableName).toBe('keyward');
    expect(config.publish).toBeNull();
  });

  it('packs only the built app and package.json (production node_modules are added by electron-builder)', () => {
    const included = (config.files ?? []).filter((pattern) => !pattern.startsWith('!'));
    const excluded = (config.files ?? []).filter((pattern) => pattern.startsWith('!'));
    expect(included).toEqual(['out/**', 'package.json']);
    // Exclusions only narrow the native modules down to their compiled addons and JavaScript.
    for (const pattern of excluded)
      expect(pattern).toMatch(/^!node_modules\/(better-sqlite3|pkcs11js|keyward-rsa-aes-key-wrap)\//);
    expect(excluded.join(' ')).toContain('test_extension.node');
  });

  it('keeps the app in app.asar and unpacks exactly the native addons', () => {
    expect(config.asar).toEqual({ smartUnpack: false });
    expect(config.asarUnpack).toEqual(['**/*.node']);
  });

  it('rebuilds pkcs11js and better-sqlite3 for Electron, from source', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.nativeRebuilder).toBe('sequential');
    expect(config.buildDependenciesFromSource).toBe(true);
  });

  it('sets the fuses: no RunAsNode, NODE_OPTIONS or inspector; ASAR integrity; app.asar only; encrypted cookies', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: true,
    });
  });

  it('keeps file:// privileges only because the renderer is ES modules loaded from file://', () => {
    // When the window moves to a custom protocol, turn grantFileProtocolExtraPrivileges off (and this test).
    const window = readFileSync(join(projectDir, 'src/main/electron/window.ts'), 'utf8');
    const html = readFileSync(join(projectDir, 'src/renderer/index.html'), 'utf8');
    expect(window).toMatch(/\.loadFile\(/);
    expect(html).toMatch(/<script type="module"/);
    expect(config.electronFuses?.grantFileProtocolExtraPrivileges).toBe(true);
  });

  it('makes a .deb that depends on the desktop libraries and recommends SoftHSM2 for rehearsals', () => {
    expect(config.deb?.recommends).toEqual(['softhsm2']);
    expect(config.deb?.depends).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libgbm1', 'libasound2']));
    expect(config.deb?.depends).not.toContain('softhsm2');
    expect(config.deb?.packageCategory).toBe('utils');
    expect(config.linux?.maintainer).toMatch(/^[^<>]+ <[^<>@\s]+@[^<>@\s]+>$/);
    expect(config.linux?.category).toBe('Utility');
  });

  it('never starts the AppImage with --no-sandbox', () => {
    expect(config.appImage?.executableArgs).toEqual([]);
  });

  it("passes electron-builder's own schema (a misspelt option would only show at packaging)", async () => {
    await expect(
      validateConfiguration(structuredClone(config) as never, new DebugLogger(false)),
    ).resolves.toBeUndefined();
    const misspelt = structuredClone(config);
    misspelt.electronFuses = { ...misspelt.electronFuses, runAsNodeX: false };
    await expect(validateConfiguration(misspelt as never, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });

  it('pins the packaging tools exactly and lets no new package run install scripts', () => {
    expect(packageJson.scripts.package).toBe('node scripts/package.mjs');
    for (const name of ['electron-builder', '@electron/fuses'])
      expect(packageJson.devDependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(
      Object.entries(packageJson.allowScripts)
        .filter(([, allowed]) => allowed)
        .map(([name]) => name)
        .sort(),
    ).toEqual(['better-sqlite3', 'file:../native/rsa-aes-key-wrap', 'pkcs11js']); // the last two: Keyward's own helper, built from its source
  });
});

// ---- Synthetic Electron trees, as electron-builder would leave them ----

const sentinel = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's fuse wire as Electron ships it: RunAsNode on, cookie encryption off, NODE_OPTIONS on,
// inspector on, ASAR integrity off, only app.asar off, browser V8 snapshot off, file:// privileges on,
// WebAssembly trap handlers on.
const shippedWire = '101100011';

/** Flips the fuses as electron-builder does from electronFuses (its names are FuseV1Options' with a small first letter). */
function builderFlips(electronFuses: Record<string, boolean>) {
  const flips: Record<number, boolean> = {};
  for (const [key, value] of Object.entries(electronFuses)) {
    flips[FuseV1Options[`${key.charAt(0).toUpperCase()}${key.slice(1)}` as keyof typeof FuseV1Options]] = value;
  }
  return { version: FuseVersion.V1, ...flips } as Parameters<typeof flipFuses>[1];
}

interface TreeOptions {
  sqliteAbi?: string;
  unpack?: boolean;
  flips?: Record<string, boolean> | 'none';
  extraFiles?: Record<string, string>;
  defaultApp?: boolean;
}

let trees = 0;
async function appTree(options: TreeOptions = {}): Promise<string> {
  const root = join(scratch, `tree-${++trees}`);
  const source = join(root, 'app');
  const appDir = join(root, 'linux-unpacked');
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'keyward', version: '0.1.0', main: 'out/main/index.js' }),
    'out/main/index.js': 'export {};',
    'out/main/hsm-host.js': 'export {};',
    'out/preload/index.cjs': '',
    'out/renderer/index.html': '<!doctype html>',
    'node_modules/pkcs11js/package.json': JSON.stringify({ name: 'pkcs11js', version: '2.1.7' }),
    'node_modules/pkcs11js/build/Release/pkcs11.node': '\x7fELF...napi_register_module_v1...',
    'node_modules/keyward-rsa-aes-key-wrap/package.json': JSON.stringify({
      name: 'keyward-rsa-aes-key-wrap',
      version: '0.1.0',
    }),
    'node_modules/keyward-rsa-aes-key-wrap/build/Release/rsa_aes_key_wrap.node': '\x7fELF...napi_register_module_v1...',
    'node_modules/better-sqlite3/package.json': JSON.stringify({ name: 'better-sqlite3', version: '12.11.1' }),
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node': `\x7fELF...node_register_module_v${options.sqliteAbi ?? electron?.abi ?? ''}...`,
    ...options.extraFiles,
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(source, path)), { recursive: true });
    writeFileSync(join(source, path), content);
  }
  mkdirSync(join(appDir, 'resources'), { recursive: true });
  await createPackageWithOptions(
    source,
    join(appDir, 'resources', 'app.asar'),
    options.unpack === false ? {} : { unpack: '*.node' },
  );
  if (options.defaultApp) writeFileSync(join(appDir, 'resources', 'default_app.asar'), '');
  const binary = join(appDir, 'keyward');
  writeFileSync(
    binary,
    Buffer.concat([
      Buffer.alloc(4096, 0x90),
      Buffer.from(sentinel),
      Buffer.from([1, shippedWire.length]),
      Buffer.from(shippedWire),
      Buffer.alloc(4096, 0x90),
    ]),
  );
  if (options.flips !== 'none') await flipFuses(binary, builderFlips(options.flips ?? config.electronFuses ?? {}));
  return appDir;
}

describe('reading back what electron-builder wrote', () => {
  it('accepts an app packed as configured, and lists the packages it ships', async () => {
    const { problems, packages } = await verifyUnpackedApp(await appTree(), expectations);
    expect(problems).toEqual([]);
    expect([...packages].sort()).toEqual([
      'better-sqlite3@12.11.1',
      'keyward-rsa-aes-key-wrap@0.1.0',
      'pkcs11js@2.1.7',
    ]);
  });

  it('names every fuse left as Electron ships it', async () => {
    const { problems } = await verifyUnpackedApp(await appTree({ flips: 'none' }), expectations);
    const named = problems.map((problem) => /^fuse (\w+) /.exec(problem)?.[1]).sort();
    // grantFileProtocolExtraPrivileges is wanted on, as Electron ships it.
    expect(named).toEqual([
      'enableCookieEncryption',
      'enableEmbeddedAsarIntegrityValidation',
      'enableNodeCliInspectArguments',
      'enableNodeOptionsEnvironmentVariable',
      'onlyLoadAppFromAsar',
      'runAsNode',
    ]);
  });

  it('refuses a binary where one fuse differs', async () => {
    const appDir = await appTree({ flips: { ...config.electronFuses, runAsNode: true } });
    expect((await verifyUnpackedApp(appDir, expectations)).problems).toEqual([
      `fuse runAsNode should be off but ${join(appDir, 'keyward')} has it on`,
    ]);
  });

  it('refuses native modules built for Node.js rather than Electron', async () => {
    const { problems } = await verifyUnpackedApp(await appTree({ sqliteAbi: '115' }), expectations);
    expect(problems).toEqual([
      `node_modules/better-sqlite3/build/Release/better_sqlite3.node is built for Node ABI 115, not Electron's ${electron.abi}: it was not rebuilt for Electron`,
    ]);
  });

  it('refuses native modules left inside app.asar', async () => {
    const { problems } = await verifyUnpackedApp(await appTree({ unpack: false }), expectations);
    expect(problems).toHaveLength(3);
    for (const problem of problems)
      expect(problem).toMatch(/\.node is inside app\.asar; native modules must be unpacked/);
  });

  it('refuses anything in app.asar but the built app, and a leftover default_app.asar', async () => {
    const appDir = await appTree({ extraFiles: { 'src/main/index.ts': '', '.env': 'PIN=1' }, defaultApp: true });
    const { problems } = await verifyUnpackedApp(appDir, expectations);
    expect(problems).toEqual(
      expect.arrayContaining([
        `${join(appDir, 'resources', 'default_app.asar')} must not be shipped (only app.asar is loaded)`,
        'app.asar holds src, which is not part of the built app',
        'app.asar holds .env, which is not part of the built app',
      ]),
    );
  });

  it('reads app.asar as @electron/asar wrote it', async () => {
    const appDir = await appTree({ extraFiles: { 'out/renderer/assets/big.js': 'x'.repeat(100_000) } });
    const archive = join(appDir, 'resources', 'app.asar');
    const asar = readAsar(archive);
    const listed = listPackage(archive, { isPack: false }).map((path) => path.replace(/^\//, ''));
    for (const path of asar.entries.keys()) expect(listed).toContain(path);
    for (const path of [
      'package.json',
      'out/renderer/assets/big.js',
      'node_modules/pkcs11js/build/Release/pkcs11.node',
    ]) {
      expect(readAsarFile(asar, path).equals(extractFile(archive, path))).toBe(true);
    }
  });

  it("finds the registration symbol of real addons: this machine's builds are for Node.js", () => {
    const sqlite = addonAbi(
      readFileSync(join(projectDir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')),
    );
    expect(sqlite).toEqual({ kind: 'abi', abi: process.versions.modules });
    expect(addonAbi(readFileSync(join(projectDir, 'node_modules/pkcs11js/build/Release/pkcs11.node')))).toEqual({
      kind: 'napi',
    });
    expect(
      addonAbi(
        readFileSync(join(projectDir, 'node_modules/keyward-rsa-aes-key-wrap/build/Release/rsa_aes_key_wrap.node')),
      ),
    ).toEqual({ kind: 'napi' });
  });

  it('reads back a .deb: its files as above, and that it recommends SoftHSM2', async (context) => {
    context.skip(
      spawnSync('sh', ['-c', 'command -v dpkg-deb'], { stdio: 'ignore' }).status !== 0,
      'dpkg-deb is not installed (packaging runs on Debian)',
    );
    const deb = (name: string, appDir: string, recommends: string | undefined) => {
      const stage = join(scratch, `${name}-stage`);
      cpSync(appDir, join(stage, 'opt', 'Keyward'), { recursive: true });
      mkdirSync(join(stage, 'DEBIAN'));
      const control = [
        'Package: keyward',
        'Version: 0.1.0',
        'Architecture: amd64',
        'Maintainer: Keyward maintainers <keyward@example.invalid>',
        'Description: Keyward',
      ];
      if (recommends) control.push(`Recommends: ${recommends}`);
      writeFileSync(join(stage, 'DEBIAN', 'control'), `${control.join('\n')}\n`);
      const file = join(scratch, `${name}.deb`);
      expect(
        spawnSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage, file], { stdio: 'ignore' }).status,
      ).toBe(0);
      return file;
    };
    expect(
      await verifyArtifact(deb('good', await appTree(), 'libayatana-appindicator3-1, softhsm2'), config, electron.abi),
    ).toEqual([]);
    expect(await verifyArtifact(deb('no-softhsm', await appTree(), undefined), config, electron.abi)).toEqual([
      'no-softhsm.deb: does not recommend softhsm2',
    ]);
    const badFuse = deb(
      'bad-fuse',
      await appTree({ flips: { ...config.electronFuses, onlyLoadAppFromAsar: false } }),
      'softhsm2',
    );
    expect(await verifyArtifact(badFuse, config, electron.abi)).toEqual([
      expect.stringMatching(/^bad-fuse\.deb: fuse onlyLoadAppFromAsar should be on but .* has it off$/),
    ]);
  });
});

describe('the SBOM', () => {
  it("comes from npm's SBOM of the whole tree, which lists every production dependency (no network needed)", () => {
    const result = spawnSync('npm', ['sbom', '--sbom-format', 'cyclonedx'], {
      cwd: projectDir,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(result.status).toBe(0);
    const refs = new Set((JSON.parse(result.stdout) as CycloneDx).components.map((component) => component['bom-ref']));
    for (const [name, version] of Object.entries(packageJson.dependencies)) {
      // A package of Keyward's own source is listed under its version (file: names only where it comes from).
      const listed = version.startsWith('file:')
        ? `${name}@${(JSON.parse(readFileSync(join(projectDir, version.slice(5), 'package.json'), 'utf8')) as { version: string }).version}`
        : `${name}@${version}`;
      expect(refs, name).toContain(listed);
    }
  });

  it('keeps only what app.asar ships, adds the Electron runtime, and names what npm does not list', () => {
    const component = (name: string, version: string) => ({
      'bom-ref': `${name}@${version}`,
      type: 'library',
      name,
      version,
    });
    const full: CycloneDx = {
      bomFormat: 'CycloneDX',
      metadata: { component: { 'bom-ref': 'keyward@0.1.0', type: 'library', name: 'main', version: '0.1.0' } },
      components: [component('yaml', '2.9.1'), component('vitest', '4.1.12'), component('zod', '4.6.7')],
      dependencies: [
        { ref: 'keyward@0.1.0', dependsOn: ['yaml@2.9.1', 'vitest@4.1.12', 'zod@4.6.7'] },
        { ref: 'vitest@4.1.12', dependsOn: ['yaml@2.9.1'] },
        { ref: 'yaml@2.9.1', dependsOn: [] },
      ],
    };
    const { sbom, missing } = sbomOfShipped(full, new Set(['yaml@2.9.1', 'zod@4.6.7', 'ghost@1.0.0']), {
      name: 'keyward',
      version: '0.1.0',
      electronVersion: '45.4.1',
    });
    expect(missing).toEqual(['ghost@1.0.0']);
    expect(sbom.metadata.component).toMatchObject({ name: 'keyward', type: 'application' });
    expect(sbom.components.map((entry) => entry['bom-ref'])).toEqual(['yaml@2.9.1', 'zod@4.6.7', 'electron@45.4.1']);
    expect(sbom.dependencies).toEqual([
      { ref: 'keyward@0.1.0', dependsOn: ['yaml@2.9.1', 'zod@4.6.7', 'electron@45.4.1'] },
      { ref: 'yaml@2.9.1', dependsOn: [] },
    ]);
  });
});

describe('the digests the officers compare', () => {
  it('prints hex groups and PGP words exactly as the app does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        expect(pgpWordsOf(hex)).toEqual(sharedPgpWordsOf(hex));
        expect(hexGroups(hex)).toBe(sharedHexGroups(hex));
      }),
    );
  });

  it('writes SHA256SUMS that sha256sum --check accepts, and that catches a changed file', async () => {
    const folder = join(scratch, 'sums');
    mkdirSync(folder);
    writeFileSync(join(folder, 'keyward_0.1.0_amd64.deb'), 'deb');
    writeFileSync(join(folder, 'Keyward-0.1.0-x86_64.AppImage'), 'appimage');
    const digests = [];
    for (const name of ['Keyward-0.1.0-x86_64.AppImage', 'keyward_0.1.0_amd64.deb']) {
      const sha256 = await sha256File(join(folder, name));
      expect(sha256).toBe(
        createHash('sha256')
          .update(readFileSync(join(folder, name)))
          .digest('hex'),
      );
      digests.push({ name, sha256 });
    }
    writeFileSync(join(folder, 'SHA256SUMS'), sha256sums(digests));
    const check = () =>
      spawnSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: folder, encoding: 'utf8' }).status;
    expect(check()).toBe(0);
    writeFileSync(join(folder, 'keyward_0.1.0_amd64.deb'), 'tampered');
    expect(check()).not.toBe(0);
  });
});

describe('npm run package', () => {
  const packageScript = (...args: string[]) =>
    spawnSync(process.execPath, ['scripts/package.mjs', ...args], { cwd: projectDir, encoding: 'utf8' });

  it("refuses where Electron's runtime is missing: says what, why and what to do, builds nothing, no stack trace", (context) => {
    const runtime = findElectronRuntime();
    context.skip(
      runtime.present,
      `Electron's runtime is installed here (${runtime.present ? runtime.path : ''}), so the refusal for a missing runtime cannot be seen`,
    );
    const result = packageScript();
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("Keyward cannot be packaged on this machine: Electron's runtime is not here.");
    expect(result.stderr).toContain(`What is missing: ${runtime.present ? '' : runtime.reason}`);
    expect(result.stderr).toContain('github.com/electron/electron/releases');
    expect(result.stderr).toContain('npx install-electron');
    expect(result.stderr).toContain(`npm run package -- --electron-zip /media/usb/${electron.zipName}`);
    expect(result.stderr).toContain('docs/install-offline.md');
    expect(result.stderr).not.toMatch(noStackTrace);
  });

  it('refuses an Electron zip whose SHA-256 is not the published one', () => {
    const zip = join(scratch, electron.zipName);
    writeFileSync(zip, 'not electron');
    const result = packageScript('--electron-zip', zip);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`The Electron zip was refused: ${zip} is not the published ${electron.zipName}`);
    expect(result.stderr).toContain(electron.zipSha256 ?? 'no checksum');
    expect(result.stderr).not.toMatch(noStackTrace);
  });
});
