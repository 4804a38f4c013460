/** `npm start` where Electron's runtime is missing (as on this machine): it says so, then opens the Chromium shell. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findElectronRuntime } from '../../scripts/electron-runtime.mjs';

const electronMissing = !findElectronRuntime().present;
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-start-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe.skipIf(!electronMissing)('npm start without the Electron runtime', () => {
  it('explains in one paragraph, and without a display says what to do instead', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, KEYWARD_DATA_DIR: dataDir };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const result = spawnSync(process.execPath, ['scripts/start.mjs', '--no-build'], { env, encoding: 'utf8' });
    expect(result.stdout).toContain('Electron is not available on this machine');
    expect(result.stdout).toContain('opens in the Chromium shell instead');
    expect(result.stderr).toContain('No graphical display was found');
    expect(result.stderr).toContain('xvfb-run npm start');
    expect(result.status).toBe(1);
  });

  it('opens the Chromium shell on a display and quits cleanly when asked', async () => {
    const child = spawn('xvfb-run', ['-a', process.execPath, 'scripts/start.mjs', '--no-build'], {
      env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect
        .poll(() => output, { timeout: 25_000, interval: 200 })
        .toContain('Keyward is open in the Chromium shell');
      expect(output).toContain('Electron is not available on this machine');
    } finally {
      // The whole group: xvfb-run, Xvfb, node, Chromium.
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    }
    await exited;
  }, 40_000);
});
