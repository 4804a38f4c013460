/**
 * Turns a validated plan (from a plan file or the app's ceremony form) into the engine's steps. Shared by
 * the CLI and the app, so a ceremony means the same thing whichever way it is started. Every file or
 * folder the plan names goes through `place`, which resolves it and, in the app, keeps it on a drive.
 */
import { KeywardError } from '../../shared/errors';
import type { QuorumPolicy } from '../../shared/officers';
import { readSmallFile } from '../files/read-small';
import { requireStillSelfGoverning } from '../officers/founding';
import { readProviderImport } from '../providers/import-parameters';
import { maxWrappingKeyFileBytes } from '../providers/wrapping-key-file';
import type { Workstation } from '../workstation';
import { planBackup, planRestore } from './backup-steps';
import type { StepPlan } from './engine';
import { planGenerateCmk } from './generate-cmk';
import { planChangeHsm } from './hsm-steps';
import { planDestroyKey, planRotateCmk, planSetVersionState } from './lifecycle';
import { planChangePolicy, planEnrolOfficer, planExportAudit, planOfficerState } from './officer-steps';
import type { PlanFile } from './plan-file';
import { planExportKey, planImportWrappingKey } from './provider-steps';

/** The officers who can approve now: neither suspended nor removed. */
const activeOfficers = (workstation: Workstation) =>
  workstation
    .officers()
    .list()
    .filter((o) => o.state === 'active');

/** Resolves a path a plan names (relative to the plan file, or as given in the app) and checks where it is. */
export type Place = (name: string) => string;

export async function planSteps(
  workstation: Workstation,
  planFile: PlanFile,
  place: Place,
  id: string,
): Promise<{ title: string; steps: StepPlan[] }> {
  workstation.requireHsmApprovedFor(planFile.type);
  switch (planFile.type) {
    case 'initialise-workstation':
      throw new KeywardError(
        'INVALID_REQUEST',
        'The initialisation has no ceremony plan of steps: it creates the officers who approve them.',
        "Initialise the workstation first (keyward ceremony run, or the app's Initialise screen).",
      );
    case 'generate-cmk':
      return planGenerateCmk(workstation.inventory(), planFile.request);
    case 'rotate-cmk':
      return planRotateCmk(workstation.inventory(), planFile.keyName, planFile.reason);
    case 'disable-key':
    case 'enable-key':
      return planSetVersionState(workstation.inventory(), planFile.keyName, planFile.version, planFile.state);
    case 'destroy-key':
      return planDestroyKey(workstation.inventory(), planFile.keyName, planFile.version, place(planFile.folder), (id) =>
        workstation.ceremonies().hasEnded(id),
      );
    case 'enrol-officer':
      return planEnrolOfficer(
        workstation.officers(),
        planFile.officer.id,
        planFile.officer.name,
        planFile.officer.role,
      );
    case 'suspend-officer':
    case 'remove-officer': {
      if (planFile.change === 'remove')
        requireStillSelfGoverning(activeOfficers(workstation), (type) => workstation.policy(type), {
          removing: planFile.officer,
        });
      return planOfficerState(workstation.officers(), planFile.officer, planFile.change);
    }
    case 'change-policy': {
      const current = workstation.policy(planFile.ceremonyType);
      const policy: QuorumPolicy = {
        ...planFile.policy,
        approvalLifetimeHours: planFile.policy.approvalLifetimeHours ?? current.approvalLifetimeHours,
      };
      requireStillSelfGoverning(activeOfficers(workstation), (type) => workstation.policy(type), {
        type: planFile.ceremonyType,
        policy,
      });
      return planChangePolicy(planFile.ceremonyType, current, planFile.policy);
    }
    case 'export-audit':
      return planExportAudit(place(planFile.file));
    case 'backup':
      return planBackup(
        workstation.inventory(),
        planFile.keys,
        planFile.threshold,
        place(planFile.packageFolder),
        planFile.shareFolders.map(place),
        workstation.settings().mode === 'rehearsal',
      );
    case 'restore':
      return planRestore(
        workstation.inventory(),
        workstation.identities().require().certificateDer,
        place(planFile.packageFolder),
        planFile.keys,
      );
    case 'change-hsm':
      return planChangeHsm(workstation.hsmSelection(), planFile.modulePath, planFile.tokenUri);
    case 'import-wrapping-key':
    case 'export-key': {
      const read = (name: string, what: string) => readSmallFile(place(name), maxWrappingKeyFileBytes, what);
      const files = {
        wrappingKey: read(planFile.files.wrappingKey, "provider's wrapping key file"),
        ...(planFile.files.importToken
          ? { importToken: read(planFile.files.importToken, "provider's import token file") }
          : {}),
      };
      const params = readProviderImport(planFile.provider, files, planFile.fields);
      if (planFile.type === 'import-wrapping-key')
        return planImportWrappingKey(workstation.wrappingKeys(), params, planFile.label);
      return planExportKey({ inventory: workstation.inventory(), wrappingKeys: workstation.wrappingKeys() }, id, {
        keyName: planFile.key.name,
        version: planFile.key.version,
        params,
        destination: { parent: place(planFile.destination.folder), drive: planFile.destination.drive },
      });
    }
  }
}
