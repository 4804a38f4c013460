/**
 * The registry: every ceremony type Keyward runs, one line each. The plan reader, the scripted types, the
 * engine's steps and the planner are all derived from it; a type missing here fails to compile.
 */
import type { CeremonyType } from '../../../shared/ceremony-types';
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

export const ceremonyDeclarations = {
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
} satisfies { [T in CeremonyType]: CeremonyDeclaration<T> };
