/**
 * One fixture, two shells: each spec gets the Keyward window as a Page, whether it runs in Electron or
 * in the Chromium shell, with its own data directory (and so its own rehearsal token).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, _electron, type Page } from '@playwright/test';
import { findElectronRuntime } from '../../scripts/electron-runtime.mjs';
import { createHandlers } from '../../src/main/api/handlers';
import { nodeHsmChannel } from '../../src/main/hsm/node-channel';
import { projectRoot } from '../../src/main/paths';
import { launchChromiumShell } from '../../src/main/shell/chromium-shell';
import { databaseFileName } from '../../src/main/store/database';
import { Workstation } from '../../src/main/workstation';

export interface ShellOptions {
  shell: 'chromium' | 'electron';
  /** Bytes put in place of the database before the app starts (e.g. a damaged file). */
  databaseFileContent: string | undefined;
}

export interface KeywardApp {
  page: Page;
  dataDir: string;
}

export const test = base.extend<ShellOptions & { app: KeywardApp }>({
  shell: ['chromium', { option: true }],
  databaseFileContent: [undefined, { option: true }],
  app: async ({ shell, databaseFileContent }, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'keyward-e2e-'));
    try {
      if (databaseFileContent !== undefined) writeFileSync(join(dataDir, databaseFileName), databaseFileContent);
      if (shell === 'electron') {
        const runtime = findElectronRuntime();
        if (!runtime.present) {
          console.log(`[electron] skipped: ${runtime.reason}.`);
          test.skip(true, `Electron runtime missing: ${runtime.reason}`);
          return;
        }
        const electronApp = await _electron.launch({
          executablePath: runtime.path,
          args: [projectRoot],
          env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
        });
        try {
          await use({ page: await electronApp.firstWindow(), dataDir });
        } finally {
          await electronApp.close();
        }
      } else {
        const workstation = new Workstation(dataDir, nodeHsmChannel);
        const chromiumShell = await launchChromiumShell({ handlers: createHandlers(workstation), headless: true });
        try {
          await use({ page: chromiumShell.page, dataDir });
        } finally {
          await chromiumShell.close();
          workstation.close();
        }
      }
    } finally {
      // The HSM process may still be exiting (and closing token files) when the window closes.
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
  },
});

export { expect } from '@playwright/test';
