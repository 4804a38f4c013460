/**
 * Destroying a key version (crypto-shredding): its token objects destroyed and confirmed gone, then a
 * signed destruction certificate written to a drive.
 */
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import type { Inventory } from '../../store/inventory';
import { cmkQuorum, defineCeremony, keyVersion, officersPresent, type Planned } from '../ceremony-type';
import { destroyVersion, destructionCertificate, requireSettled, version } from '../lifecycle-steps';

export function planDestroyKey(
  inventory: Inventory,
  keyName: string,
  number: number,
  folder: string,
  /** Whether a ceremony has ended (completed or aborted), or is unknown: its pending versions are nobody's now. */
  ceremonyEnded: (id: string) => boolean = () => false,
): Planned {
  const current = version(inventory, keyName, number);
  if (current.state === 'destroyed')
    throw new KeywardError('INVALID_REQUEST', `${keyName} version ${number} is already destroyed.`, 'Nothing to do.');
  // A pending version its ended ceremony kept (its abort could not undo the generation) may only be destroyed.
  if (!(current.state === 'pending' && (current.stateCeremony === null || ceremonyEnded(current.stateCeremony))))
    requireSettled(keyName, current);
  return {
    title: `Destroy ${keyName} version ${number} (crypto-shredding)`,
    steps: [
      destroyVersion.plan(
        `Destroy "${current.tokenLabel}" (KCV ${current.kcv.toUpperCase()}, object ${current.tokenObjectId} on token ${current.tokenSerial}) in the HSM. Data encrypted under this version can no longer be decrypted unless a backup is restored.`,
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
    { kind: 'drive', path: 'destination.folder', label: 'Drive for the signed destruction certificate' },
  ],
  plan: z
    .object({
      ceremony: z.literal('destroy-key'),
      officers: officersPresent,
      key: keyVersion,
      destination: z.object({ folder: z.string().min(1) }).strict(),
    })
    .strict(),
  steps: [destroyVersion, destructionCertificate],
  build: ({ key, destination }, { workstation, place }) =>
    planDestroyKey(workstation.inventory(), key.name, key.version, place(destination.folder), (id) =>
      workstation.ceremonies().hasEnded(id),
    ),
});
