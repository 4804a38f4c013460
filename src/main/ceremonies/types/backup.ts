/**
 * Backing up key versions: a fresh backup key from the token's random generator, split into Shamir shares
 * (M of N custodians, each share to its own drive), wraps each version in the token, then is destroyed;
 * the wrapped versions go into a package signed by the workstation key.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { rehearsing } from '../../../shared/settings';
import { wrapsExactly, wrapsWithRfc5649 } from '../../../shared/token-needs';
import { requireSeparateDrives } from '../../media/separate-drives';
import type { Inventory } from '../../store/inventory';
import { backupVersions } from '../backup-steps';
import { custodyQuorum, defineCeremony, keyVersion, officersPresent, type Planned } from '../ceremony-type';
import type { VersionRef } from '../steps';

export function planBackup(
  inventory: Inventory,
  versions: VersionRef[],
  threshold: number,
  packageFolder: string,
  shareFolders: string[],
  rehearsal: boolean,
): Planned {
  if (versions.length === 0)
    throw new KeywardError(
      'INVALID_REQUEST',
      'A backup names at least one key version.',
      'List the versions to back up.',
    );
  for (const ref of versions) {
    const found = inventory.get(ref.name).versions.find((v) => v.version === ref.version);
    if (!found || found.state === 'destroyed')
      throw new KeywardError(
        'INVALID_REQUEST',
        `${ref.name} v${ref.version} ${found ? 'is destroyed' : 'does not exist'}; it cannot be backed up.`,
        'Check the versions listed.',
      );
  }
  if (!Number.isInteger(threshold) || threshold < 2 || shareFolders.length < threshold || shareFolders.length > 16) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `A backup key is split into N shares of which M rebuild it: 2 <= M <= N <= 16 (here M=${threshold}, N=${shareFolders.length}).`,
      'Name one drive per custodian and a threshold of at least two.',
    );
  }
  requireSeparateDrives(packageFolder, shareFolders, rehearsal);
  // Names the backup key's label on the token, reserved before the step runs; each run of the step makes its own backup id.
  const kekLabelId = randomUUID();
  return {
    title: `Back up ${versions.map((v) => `${v.name} v${v.version}`).join(', ')} (${threshold} of ${shareFolders.length} custodians)`,
    steps: [
      backupVersions.plan(
        `Make a backup key in the token, split it into ${shareFolders.length} shares (any ${threshold} rebuild it), wrap ${versions.length} version(s) under it, destroy it, and write the signed package to ${packageFolder} and one share to each custodian's drive`,
        {
          kekLabelId,
          versions: versions.map((v) => ({ name: v.name, version: v.version })),
          threshold,
          packageFolder,
          shareFolders,
        },
      ),
    ],
  };
}

export const backup = defineCeremony({
  type: 'backup',
  title: 'Back up key versions',
  description: 'Key versions wrapped under a backup key whose shares go to custodians, one drive each.',
  policy: custodyQuorum,
  dualControl: true,
  cmk: true,
  form: [
    { kind: 'key-versions', path: 'keys', legend: 'Key versions to back up', include: 'not-destroyed' },
    {
      kind: 'text',
      path: 'threshold',
      id: 'backup-threshold',
      label: 'Shares needed to restore',
      initial: '2',
      number: { fallback: 2 },
    },
    { kind: 'drive', path: 'package', label: 'Drive for the backup package' },
    { kind: 'drives', path: 'shares', legend: "One drive per custodian's share" },
  ],
  plan: z
    .object({
      ceremony: z.literal('backup'),
      officers: officersPresent,
      keys: z.array(keyVersion).min(1),
      threshold: z.number().int().min(2).max(16),
      package: z.string().min(1),
      shares: z.array(z.string().min(1)).min(2).max(16),
    })
    .strict(),
  steps: [backupVersions],
  build: async (plan, { workstation, place }) => {
    const inventory = workstation.inventory().list();
    const specs = new Set(
      plan.keys.flatMap((k) => inventory.filter((key) => key.name === k.name).map((key) => key.spec)),
    );
    await workstation.hsm.requireCapable('backup', [wrapsWithRfc5649, ...[...specs].map(wrapsExactly)]);
    return planBackup(
      workstation.inventory(),
      plan.keys,
      plan.threshold,
      place(plan.package),
      plan.shares.map(place),
      rehearsing(workstation.settings()),
    );
  },
});
