/** Every step Keyward can perform in a ceremony, by action name: the steps the ceremony types declare. */
import { KeywardError } from '../../shared/errors';
import type { StepExecutor } from './steps';
import { ceremonyDeclarations } from './types';

function executorsOf(
  declarations: readonly { type: string; steps: readonly { action: string; executor: StepExecutor }[] }[],
) {
  const executors: Record<string, StepExecutor> = {};
  for (const { type, steps } of declarations)
    for (const step of steps) {
      // Two types may share a step (rotation and generation both activate a version), never an action name.
      if (executors[step.action] && executors[step.action] !== step.executor)
        throw new KeywardError(
          'INTERNAL',
          `The ${type} ceremony declares a ${step.action} step other than the one another type declares under that name.`,
          'This is a defect in Keyward: report it.',
        );
      executors[step.action] = step.executor;
    }
  return executors;
}

export const ceremonyExecutors: Record<string, StepExecutor> = executorsOf(Object.values(ceremonyDeclarations));
