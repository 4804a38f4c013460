/**
 * One fixture, two shells: each spec gets the Keyward window as a Page, whether it runs in Electron or
 * in the Chromium shell, with its own data directory (and so its own rehearsal token).
 */
import { _electron, test as base, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findElectronRuntime } from '../../scripts/electron-runtime.mjs';
import { createHandlers } from '../../src/main/api/handlers';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { openWorkstation } from '../../src/main/open-workstation';
import { projectRoot } from '../../src/main/paths';
import { launchChromiumShell } from '../../src/main/shell/chromium-shell';
import { databaseFileName } from '../../src/main/store/database';
import type { AirGapStatus } from '../../src/shared/air-gap';

export interface ShellOptions {
  shell: 'chromium' | 'electron';
  /** Bytes put in place of the database before the app starts (e.g. a damaged file). */
  databaseFileContent: string | undefined;
}

export interface KeywardApp {
  /** The current window; replaced by restart(). */
  page: Page;
  dataDir: string;
  /** Ends the app without letting it finish its work (the window and the HSM process go, mid-step if one runs), then starts it again on the same data. */
  restart(): Promise<Page>;
}

/** What the air-gap check reports in the Chromium shell's tests: a workstation on a cable. */
export const testNetwork: AirGapStatus = {
  isolated: false,
  findings: ['Network interface eth0 is up.', 'A default route leaves through eth0.'],
  interfaces: [{ name: 'eth0', state: 'up', up: true, wireless: false }],
  defaultRoutes: ['eth0'],
};

interface Running {
  page: Page;
  stop(): Promise<void>;
}

async function launch(shell: ShellOptions['shell'], dataDir: string): Promise<Running | undefined> {
  if (shell === 'electron') {
    const runtime = findElectronRuntime();
    if (!runtime.present) {
      console.log(`[electron] skipped: ${runtime.reason}.`);
      return undefined;
    }
    const electronApp = await _electron.launch({
      executablePath: runtime.path,
      args: [projectRoot],
      env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
    });
    return { page: await electronApp.firstWindow(), stop: () => electronApp.close() };
  }
  const workstation = openWorkstation(dataDir, nodeHsmChannel);
  // The same findings on every machine, so the acknowledgement screens are tested alike everywhere (the real check has its unit test).
  const chromiumShell = await launchChromiumShell({
    handlers: createHandlers(workstation, { readAirGap: () => testNetwork }),
    headless: true,
  });
  return {
    page: chromiumShell.page,
    // The workstation first: its HSM process is killed and its database closed at once, whatever step is running.
    stop: async () => {
      workstation.close();
      await chromiumShell.close();
    },
  };
}

export const test = base.extend<ShellOptions & { app: KeywardApp }>({
  shell: ['chromium', { option: true }],
  databaseFileContent: [undefined, { option: true }],
  app: async ({ shell, databaseFileContent }, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'keyward-e2e-'));
    let running: Running | undefined;
    try {
      if (databaseFileContent !== undefined) writeFileSync(join(dataDir, databaseFileName), databaseFileContent);
      running = await launch(shell, dataDir);
      if (!running) {
        test.skip(true, 'Electron runtime missing');
        return;
      }
      const app: KeywardApp = {
        page: running.page,
        dataDir,
        restart: async () => {
          await running?.stop();
          running = await launch(shell, dataDir);
          if (!running) throw new Error('the app did not start again');
          app.page = running.page;
          return running.page;
        },
      };
      await use(app);
    } finally {
      await running?.stop();
      // The HSM process may still be exiting (and closing token files) when the window closes.
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
  },
});

export { expect } from '@playwright/test';
