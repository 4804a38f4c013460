/**
 * Turns a validated plan (from a plan file or the app's ceremony form) into the engine's steps, by its
 * type's declaration. Shared by the CLI and the app, so a ceremony means the same thing whichever way it
 * is started. Every file or folder the plan names goes through `place`, which resolves it and, in the
 * app, keeps it on a drive.
 */
import { KeywardError } from '../../shared/errors';
import type { Workstation } from '../workstation';
import type { CeremonyDeclaration, Place, Planned } from './ceremony-type';
import type { PlanFile } from './plan-file';
import { ceremonyDeclarations } from './types';

export async function planSteps(
  workstation: Workstation,
  planFile: PlanFile,
  place: Place,
  id: string,
): Promise<Planned> {
  workstation.requireHsmApprovedFor(planFile.type);
  const declaration: CeremonyDeclaration = ceremonyDeclarations[planFile.type];
  if (!declaration.build)
    throw new KeywardError(
      'INVALID_REQUEST',
      'The initialisation has no ceremony plan of steps: it creates the officers who approve them.',
      "Initialise the workstation first (keyward ceremony run, or the app's Initialise screen).",
    );
  if (declaration.cmk) await workstation.hsm.requireEnforcing(planFile.type);
  const planned = await declaration.build(planFile.plan, { workstation, place, id });
  const own = new Set(declaration.steps.map((step) => step.action));
  const foreign = planned.steps.find((step) => !own.has(step.action));
  if (foreign)
    throw new KeywardError(
      'INTERNAL',
      `The ${planFile.type} ceremony planned a ${foreign.action} step, which its declaration does not list. Nothing was planned.`,
      'This is a defect in Keyward: report it.',
    );
  return planned;
}
