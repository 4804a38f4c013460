/**
 * The registry: every ceremony type Keyward runs, one line each, in the order the app offers them. The
 * type names, the plan reader, the scripted types, the engine's steps, the planner, the default policies
 * and the app's list of ceremonies with their forms are all derived from it (../catalogue.ts).
 */
import type { CeremonyDeclaration } from '../ceremony-type';
import { backup } from './backup';
import { changeHsm } from './change-hsm';
import { changePolicy } from './change-policy';
import { destroyKey } from './destroy-key';
import { disableKey } from './disable-key';
import { enableKey } from './enable-key';
import { enrolOfficer } from './enrol-officer';
import { exportAudit } from './export-audit';
import { exportKey } from './export-key';
import { generateCmk } from './generate-cmk';
import { importWrappingKey } from './import-wrapping-key';
import { initialiseWorkstation } from './initialise-workstation';
import { removeOfficer } from './remove-officer';
import { restore } from './restore';
import { rotateCmk } from './rotate-cmk';
import { suspendOfficer } from './suspend-officer';

/** Each entry's key is its declaration's type: the compiler checks it. */
const registry = <R extends { [T in keyof R]: CeremonyDeclaration<T & string> }>(declarations: R): R => declarations;

export const ceremonyDeclarations = registry({
  'initialise-workstation': initialiseWorkstation,
  'generate-cmk': generateCmk,
  'import-wrapping-key': importWrappingKey,
  'export-key': exportKey,
  'rotate-cmk': rotateCmk,
  'disable-key': disableKey,
  'enable-key': enableKey,
  'destroy-key': destroyKey,
  backup,
  restore,
  'enrol-officer': enrolOfficer,
  'suspend-officer': suspendOfficer,
  'remove-officer': removeOfficer,
  'change-policy': changePolicy,
  'export-audit': exportAudit,
  'change-hsm': changeHsm,
});
