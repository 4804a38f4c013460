/** Every step Keyward can perform in a ceremony, by action name. */
import { backupSteps } from './backup-steps';
import { generateCmkSteps } from './generate-cmk';
import { hsmSteps } from './hsm-steps';
import { lifecycleSteps } from './lifecycle';
import { officerSteps } from './officer-steps';
import { providerSteps } from './provider-steps';
import type { StepExecutor } from './steps';

export const ceremonyExecutors: Record<string, StepExecutor> = {
  ...generateCmkSteps,
  ...providerSteps,
  ...lifecycleSteps,
  ...officerSteps,
  ...backupSteps,
  ...hsmSteps,
};
