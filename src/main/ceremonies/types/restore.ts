/**
 * Restoring destroyed key versions from a backup package: M custodians give their shares, the backup key
 * is rebuilt and checked against its recorded check value, each version is unwrapped with every CMK
 * protection, and its KCV must equal the inventory's before it is recorded as restored.
 */
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { wrapsWithRfc5649 } from '../../../shared/token-needs';
import type { Inventory } from '../../store/inventory';
import { readBackupPackage, restoreVersions } from '../backup-steps';
import { custodyQuorum, defineCeremony, keyVersion, officersPresent, type Planned } from '../ceremony-type';
import type { VersionRef } from '../steps';

export function planRestore(
  inventory: Inventory,
  workstationCertificate: Uint8Array,
  packageFolder: string,
  versions: VersionRef[],
): Planned {
  const backup = readBackupPackage(packageFolder, workstationCertificate);
  const restores = versions.map((ref) => {
    const entry = backup.versions.find((v) => v.name === ref.name && v.version === ref.version);
    const recorded = inventory.get(ref.name).versions.find((v) => v.version === ref.version);
    if (!entry)
      throw new KeywardError(
        'INVALID_REQUEST',
        `The backup ${backup.backupId} does not hold ${ref.name} v${ref.version}.`,
        'Check the package or the version.',
      );
    if (!recorded || recorded.state !== 'destroyed')
      throw new KeywardError(
        'INVALID_REQUEST',
        `${ref.name} v${ref.version} is ${recorded?.state ?? 'not in the inventory'}; only a destroyed version is restored.`,
        'Check the inventory.',
      );
    if (recorded.kcv !== entry.kcv)
      throw new KeywardError(
        'INVALID_REQUEST',
        `The backup's ${ref.name} v${ref.version} has KCV ${entry.kcv.toUpperCase()}, the inventory ${recorded.kcv.toUpperCase()}: not the same key.`,
        'Stop and investigate: the package or the inventory is not what it should be.',
      );
    return {
      name: ref.name,
      version: ref.version,
      label: `${ref.name} v${ref.version} restored ${backup.backupId.slice(0, 8)}`,
    };
  });
  return {
    title: `Restore ${restores.map((r) => `${r.name} v${r.version}`).join(', ')} from backup ${backup.backupId.slice(0, 8)}`,
    steps: [
      restoreVersions.plan(
        `Rebuild the backup key from ${backup.threshold} custodians' shares (check value ${backup.kekKcv.toUpperCase()}), unwrap ${restores.length} version(s) into the token with every CMK protection, and check each KCV against the inventory`,
        { packageFolder, backupId: backup.backupId, versions: restores },
      ),
    ],
  };
}

export const restore = defineCeremony({
  type: 'restore',
  title: 'Restore key versions',
  description: "Key versions unwrapped from a backup package, with the custodians' shares; every KCV checked.",
  policy: custodyQuorum,
  dualControl: true,
  cmk: true,
  form: [
    { kind: 'folder', path: 'package', label: 'The backup package folder' },
    { kind: 'key-versions', path: 'keys', legend: 'Key versions to restore', include: 'all' },
  ],
  plan: z
    .object({
      ceremony: z.literal('restore'),
      officers: officersPresent,
      package: z.string().min(1),
      keys: z.array(keyVersion).min(1),
    })
    .strict(),
  steps: [restoreVersions],
  build: async (plan, { workstation, place }) => {
    await workstation.hsm.requireCapable('restore', [wrapsWithRfc5649]);
    return planRestore(
      workstation.inventory(),
      workstation.identities().require().certificateDer,
      place(plan.package),
      plan.keys,
    );
  },
});
