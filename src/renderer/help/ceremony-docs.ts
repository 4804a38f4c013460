/**
 * The ceremony docs (docs/ceremonies), put into the renderer's bundle when the app is built (Vite's `?raw`),
 * so that the Help screen shows them on the workstation: nothing is read from disk or a network when it runs.
 * Every file of that folder is listed here (test/unit/help-docs.test.ts checks it).
 */
import readme from '../../../docs/ceremonies/README.md?raw';
import backup from '../../../docs/ceremonies/backup.yaml?raw';
import changeHsm from '../../../docs/ceremonies/change-hsm.yaml?raw';
import changePolicy from '../../../docs/ceremonies/change-policy.yaml?raw';
import destroyKey from '../../../docs/ceremonies/destroy-key.yaml?raw';
import disableKey from '../../../docs/ceremonies/disable-key.yaml?raw';
import enableKey from '../../../docs/ceremonies/enable-key.yaml?raw';
import enrolOfficer from '../../../docs/ceremonies/enrol-officer.yaml?raw';
import exportAudit from '../../../docs/ceremonies/export-audit.yaml?raw';
import exportKey from '../../../docs/ceremonies/export-key.yaml?raw';
import generateCmk from '../../../docs/ceremonies/generate-cmk.yaml?raw';
import importWrappingKey from '../../../docs/ceremonies/import-wrapping-key.yaml?raw';
import initialiseWorkstation from '../../../docs/ceremonies/initialise-workstation.yaml?raw';
import rehearsalAnswers from '../../../docs/ceremonies/rehearsal-answers.yaml?raw';
import removeOfficer from '../../../docs/ceremonies/remove-officer.yaml?raw';
import restore from '../../../docs/ceremonies/restore.yaml?raw';
import rotateCmk from '../../../docs/ceremonies/rotate-cmk.yaml?raw';
import suspendOfficer from '../../../docs/ceremonies/suspend-officer.yaml?raw';

/** Each file's text by its name in docs/ceremonies. */
export const ceremonyDocFiles: Readonly<Record<string, string>> = {
  'README.md': readme,
  'backup.yaml': backup,
  'change-hsm.yaml': changeHsm,
  'change-policy.yaml': changePolicy,
  'destroy-key.yaml': destroyKey,
  'disable-key.yaml': disableKey,
  'enable-key.yaml': enableKey,
  'enrol-officer.yaml': enrolOfficer,
  'export-audit.yaml': exportAudit,
  'export-key.yaml': exportKey,
  'generate-cmk.yaml': generateCmk,
  'import-wrapping-key.yaml': importWrappingKey,
  'initialise-workstation.yaml': initialiseWorkstation,
  'rehearsal-answers.yaml': rehearsalAnswers,
  'remove-officer.yaml': removeOfficer,
  'restore.yaml': restore,
  'rotate-cmk.yaml': rotateCmk,
  'suspend-officer.yaml': suspendOfficer,
};
