/** A provider's wrapping key onto the token (the SO logged in) and into the inventory, outside a ceremony, for tests of later steps. */
import type { HsmClient } from '../../src/main/hsm/client/client';
import { newObjectId } from '../../src/main/hsm/object-id';
import { wrappingKeyRecord } from '../../src/main/providers/import-wrapping-key';
import type { Change } from '../../src/main/store/inventory';
import type { WrappingKeys } from '../../src/main/store/wrapping-keys';
import type { WrappingKeyRecord } from '../../src/shared/inventory';
import type { ProviderImport } from '../../src/shared/providers';

export async function importProviderWrappingKey(
  client: HsmClient,
  uri: string,
  wrappingKeys: WrappingKeys,
  params: ProviderImport,
  label: string,
  change: Change,
): Promise<WrappingKeyRecord> {
  const token = await client.request('describeToken', { uri });
  const imported = await client.request('importWrappingKey', {
    uri,
    id: newObjectId(),
    label,
    spki: params.wrappingKeySpki,
    fingerprint: params.wrappingKeyFingerprint,
  });
  return wrappingKeys.add(wrappingKeyRecord(params, label, token.serial, imported.id), change);
}
