/** Electron entry: one hardened window, the contract bound to IPC, the HSM in a utility process. */
import { app, type BrowserWindow } from 'electron';
import { createHandlers } from './api/handlers';
import { defaultDataDir } from './data-dir';
import { bindIpc } from './electron/ipc';
import { utilityHsmChannel } from './electron/utility-channel';
import { createMainWindow, hardenSession } from './electron/window';
import { openWorkstation } from './open-workstation';

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();

let mainWindow: BrowserWindow | undefined;
const workstation = openWorkstation(defaultDataDir(), utilityHsmChannel);

app.on('second-instance', () => mainWindow?.focus());
app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => workstation.close());

// The database is opened and checked at start; a problem is shown on the start screen.
try {
  workstation.storeStatus();
} catch {
  // Reported to the officer through getStoreStatus.
}
void app.whenReady().then(async () => {
  hardenSession();
  bindIpc(() => mainWindow, createHandlers(workstation));
  mainWindow = await createMainWindow();
});
