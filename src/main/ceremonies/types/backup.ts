/**
 * Backing up key versions: a fresh backup key from the token's random generator, split into Shamir shares
 * (M of N custodians, each share to its own drive), wraps each version in the token, then is destroyed;
 * the wrapped versions go into a package signed by the workstation key.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { allOfRoles, anyOfRoles, keyHolderRoles, roleNames } from '../../../shared/officers';
import { rehearsing } from '../../../shared/settings';
import { wrapsExactly, wrapsWithRfc5649 } from '../../../shared/token-needs';
import { requireSeparateDrives } from '../../media/separate-drives';
import type { Inventory } from '../../store/inventory';
import type { Workstation } from '../../workstation';
import { backupVersions, type ShareHolder } from '../backup-steps';
import {
  custodyQuorum,
  defineCeremony,
  keyVersion,
  officerName,
  officersPresent,
  type Planned,
} from '../ceremony-type';
import type { VersionRef } from '../steps';

/**
 * Each share's custodian, checked against the officers: a named person, present to take the drive, who
 * may hold key material, and never two shares (two shares in one hand defeat M of N).
 */
export function shareHoldersOf(
  workstation: Workstation,
  present: string[],
  shares: { custodian: string; folder: string }[],
): ShareHolder[] {
  const officers = workstation.officers().list();
  const refuse = (message: string, nextStep: string) =>
    new KeywardError('INVALID_REQUEST', message, nextStep, 'shares');
  const seen = new Set<string>();
  return shares.map(({ custodian, folder }, i) => {
    const officer = officers.find((o) => o.id === custodian);
    const share = `Share ${i + 1} of ${shares.length}`;
    if (!officer)
      throw refuse(
        `${share} names "${custodian}", who is not an officer here.`,
        'Name an enrolled officer as its custodian.',
      );
    if (officer.state !== 'active')
      throw refuse(
        `${share} names ${officer.displayName} (${custodian}), who is ${officer.state}: a share goes only to an active officer.`,
        'Name another custodian.',
      );
    if (!keyHolderRoles.includes(officer.role))
      throw refuse(
        `${share} names ${officer.displayName} (${custodian}), who is an ${roleNames[officer.role]}: only ${allOfRoles(keyHolderRoles)} hold shares.`,
        `Name ${anyOfRoles(keyHolderRoles)}.`,
      );
    if (!present.includes(custodian))
      throw refuse(
        `${share} names ${officer.displayName} (${custodian}), who is not among the officers present: each custodian takes their share's drive at the ceremony.`,
        'Add them to the officers present, or name a custodian who is.',
      );
    if (seen.has(custodian))
      throw refuse(
        `${officer.displayName} (${custodian}) is named for more than one share: one person holding two shares defeats the rule that several custodians are needed to restore.`,
        'Name a different custodian for each share.',
      );
    seen.add(custodian);
    return { custodian, name: officer.displayName, folder };
  });
}

export function planBackup(
  inventory: Inventory,
  versions: VersionRef[],
  threshold: number,
  packageFolder: string,
  shares: ShareHolder[],
  rehearsal: boolean,
): Planned {
  const shareFolders = shares.map((s) => s.folder);
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
      'Name one custodian and drive per share, and a threshold of at least two.',
      'threshold',
    );
  }
  requireSeparateDrives(packageFolder, shareFolders, rehearsal);
  // Names the backup key's label on the token, reserved before the step runs; each run of the step makes its own backup id.
  const kekLabelId = randomUUID();
  return {
    title: `Back up ${versions.map((v) => `${v.name} v${v.version}`).join(', ')} (${threshold} of ${shares.length} custodians)`,
    steps: [
      backupVersions.plan(
        `Make a backup key in the token, split it into ${shares.length} shares (any ${threshold} rebuild it), wrap ${versions.length} version(s) under it, destroy it, write the signed package to ${packageFolder} and each share to its custodian's drive (${shares.map((s) => s.name).join(', ')})`,
        {
          kekLabelId,
          versions: versions.map((v) => ({ name: v.name, version: v.version })),
          threshold,
          packageFolder,
          shares: shares.map((s) => ({ custodian: s.custodian, name: s.name, folder: s.folder })),
        },
      ),
    ],
  };
}

export const backup = defineCeremony({
  type: 'backup',
  title: 'Back up key versions',
  description: 'Key versions wrapped under a backup key whose shares go to named custodians, each on their own drive.',
  policy: custodyQuorum,
  dualControl: true,
  cmk: true,
  form: [
    { kind: 'key-versions', path: 'keys', legend: 'Key versions to back up', include: 'not-destroyed' },
    { kind: 'drive', path: 'package', label: 'Drive for the backup package' },
    {
      kind: 'share-holders',
      path: 'shares',
      legend: 'Custodians: each takes one share, on their own drive',
      // A fixed rule, whatever the backup policy says.
      roles: [...keyHolderRoles],
    },
    {
      kind: 'text',
      path: 'threshold',
      id: 'backup-threshold',
      label: 'Shares needed to restore (at least 2, at most the number of custodians)',
      initial: '2',
      number: { fallback: 2 },
    },
  ],
  plan: z
    .object({
      ceremony: z.literal('backup'),
      officers: officersPresent,
      keys: z.array(keyVersion).min(1),
      threshold: z.number().int().min(2).max(16),
      package: z.string().min(1),
      shares: z
        .array(
          // One person and one drive per share: a share is handed to someone, not left on a drive.
          z.object({ custodian: officerName, drive: z.string().min(1) }).strict(),
        )
        .min(2, 'give at least two custodians a drive each')
        .max(16),
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
      shareHoldersOf(
        workstation,
        plan.officers,
        plan.shares.map((s) => ({ custodian: s.custodian, folder: place(s.drive) })),
      ),
      rehearsing(workstation.settings()),
    );
  },
});
