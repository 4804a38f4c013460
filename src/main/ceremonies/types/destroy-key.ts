/**
 * Destroying a key version (crypto-shredding): its token objects destroyed and confirmed gone, then a
 * signed destruction certificate written to a drive.
 */
import { z } from 'zod';
import { custodyOf, custodyWords, isLastCopy } from '../../../shared/custody';
import { KeywardError } from '../../../shared/errors';
import type { VersionCustody } from '../../../shared/inventory';
import type { Inventory } from '../../store/inventory';
import { cmkQuorum, defineCeremony, keyVersion, officersPresent, type Planned } from '../ceremony-type';
import { destroyVersion, destructionCertificate, requireSettled, version } from '../lifecycle-steps';
import { versionCustody } from '../version-custody';

export function planDestroyKey(
  inventory: Inventory,
  keyName: string,
  number: number,
  folder: string,
  /** Whether a ceremony has ended (completed or aborted), or is unknown: its pending versions are nobody's now. */
  ceremonyEnded: (id: string) => boolean = () => false,
  /**
   * Its backups and exports, stated in the plan the officers sign, and the key name typed to confirm: the
   * last copy (no backup) is destroyed only when it was typed. Left out, the plan states neither.
   */
  known?: { custody: VersionCustody; confirm: string | undefined },
): Planned {
  const current = version(inventory, keyName, number);
  if (current.state === 'destroyed')
    throw new KeywardError('INVALID_REQUEST', `${keyName} version ${number} is already destroyed.`, 'Nothing to do.');
  // A pending version its ended ceremony kept (its abort could not undo the generation) may only be destroyed.
  if (!(current.state === 'pending' && (current.stateCeremony === null || ceremonyEnded(current.stateCeremony))))
    requireSettled(keyName, current);
  const last = known !== undefined && isLastCopy(known.custody);
  if (last && known.confirm !== keyName)
    throw new KeywardError(
      'INVALID_REQUEST',
      `No backup holds ${keyName} version ${number}: destroying it destroys the last copy, and data encrypted under it can never be decrypted again. ${known.confirm ? `"${known.confirm}" is not the key's name.` : 'The key name was not typed to confirm.'}`,
      `Back the version up first (a backup ceremony), or type the key name exactly ("${keyName}") to confirm the destruction of the last copy (in a plan file: confirm: ${keyName}).`,
      'confirm',
    );
  return {
    title: `Destroy ${keyName} version ${number} (crypto-shredding)`,
    steps: [
      destroyVersion.plan(
        [
          `Destroy "${current.tokenLabel}" (KCV ${current.kcv.toUpperCase()}, object ${current.tokenObjectId} on token ${current.tokenSerial}) in the HSM.`,
          ...(known ? custodyWords(current, known.custody) : []),
          last
            ? 'Data encrypted under this version can never be decrypted again.'
            : 'Data encrypted under this version can no longer be decrypted unless a backup is restored.',
        ].join(' '),
        { keyName, version: number, tokenObjectId: current.tokenObjectId, from: current.state },
      ),
      destructionCertificate.plan(`Write the signed destruction certificate to ${folder}`, {
        keyName,
        version: number,
        folder,
      }),
    ],
  };
}

export const destroyKey = defineCeremony({
  type: 'destroy-key',
  title: 'Destroy a key version',
  description:
    'The version is destroyed in the HSM (crypto-shredding) and a signed destruction certificate is written to a drive.',
  policy: cmkQuorum,
  dualControl: true,
  form: [
    { kind: 'key-version', path: 'key' },
    { kind: 'destroy-confirmation', path: 'confirm' },
    { kind: 'drive', path: 'destination.folder', label: 'Drive for the signed destruction certificate' },
  ],
  plan: z
    .object({
      ceremony: z.literal('destroy-key'),
      officers: officersPresent,
      key: keyVersion,
      /** The key's name typed again: needed when no backup holds the version (the last copy). */
      confirm: z.string().max(100).optional(),
      destination: z.object({ folder: z.string().min(1) }).strict(),
    })
    .strict(),
  steps: [destroyVersion, destructionCertificate],
  build: ({ key, confirm, destination }, { workstation, place }) =>
    planDestroyKey(
      workstation.inventory(),
      key.name,
      key.version,
      place(destination.folder),
      (id) => workstation.ceremonies().hasEnded(id),
      {
        custody: custodyOf(
          versionCustody(workstation.ceremonies(), workstation.stores().bundles),
          key.name,
          key.version,
        ),
        confirm,
      },
    ),
});
