/** Entry of the Chromium shell (npm start where Electron's runtime is missing). */
import { toErrorData } from '../../shared/errors';
import { createHandlers } from '../api/handlers';
import { defaultDataDir } from '../data-dir';
import { nodeHsmChannel } from '../hsm/client/node-channel';
import { openWorkstation } from '../open-workstation';
import { launchChromiumShell } from './chromium-shell';

const headless = process.argv.includes('--headless');
const workstation = openWorkstation(defaultDataDir(), nodeHsmChannel);
// The database is opened and checked at start; a problem is shown on the start screen as well.
try {
  workstation.storeStatus();
} catch (error) {
  const { message, nextStep } = toErrorData(error);
  console.error(`Keyward's database could not be opened: ${message}\nNext step: ${nextStep}`);
}
const shell = await launchChromiumShell({ handlers: createHandlers(workstation), headless });
console.log('Keyward is open in the Chromium shell. Close its window (or press Ctrl+C here) to quit.');
const stop = (): void => void shell.close();
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
await shell.closed;
workstation.close();
process.exit(0);
