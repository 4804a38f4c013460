// npm start: build, then run Keyward in Electron, or in the Chromium shell where Electron's runtime is missing.
import { spawnSync } from 'node:child_process';
import { findElectronRuntime } from './electron-runtime.mjs';

const run = (command, args) => spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;

// --no-build is for the tests, which build once before they start.
if (!process.argv.includes('--no-build') && run('npx', ['electron-vite', 'build', '--logLevel', 'warn']) !== 0) {
  console.error('Keyward could not be built; see the messages above. Run "npm run setup" first if you have not.');
  process.exit(1);
}

const electron = findElectronRuntime();
if (electron.present) process.exit(run(electron.path, ['.']));

console.log(
  [
    '',
    `Electron is not available on this machine: ${electron.reason}.`,
    'Keyward therefore opens in the Chromium shell instead: the same screens and the same main-process',
    "services, shown in Debian's Chromium (/usr/bin/chromium) with the services bound into the page",
    "(no web server, no open port). To use the Electron app, install Electron's runtime on a connected",
    'machine ("npx install-electron") and copy node_modules/electron to this workstation.',
    '',
  ].join('\n'),
);
if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  console.error(
    'No graphical display was found (DISPLAY is not set). Start Keyward from the workstation desktop, or run "xvfb-run npm start" to rehearse without a screen.',
  );
  process.exit(1);
}
process.exit(run(process.execPath, ['out/main/chromium-shell.js']));
