/**
 * A provider's wrapping key onto the token (a trusted, WRAP-only object the security officer creates)
 * and into the inventory, with where it came from and the provider's deadline.
 */
import type { WrappingKeyRecord } from '../../shared/inventory';
import type { ProviderImport } from '../../shared/providers';
import type { HsmClient } from '../hsm/client';
import type { Change } from '../store/inventory';
import type { WrappingKeys } from '../store/wrapping-keys';

/** Needs the security officer's login on the token. */
export async function importProviderWrappingKey(client: HsmClient, uri: string, wrappingKeys: WrappingKeys, params: ProviderImport, label: string, change: Change): Promise<WrappingKeyRecord> {
  const token = await client.request('describeToken', { uri });
  const imported = await client.request('importWrappingKey', { uri, label, spki: params.wrappingKeySpki, fingerprint: params.wrappingKeyFingerprint });
  try {
    return wrappingKeys.add(
      {
        provider: params.provider,
        label,
        tokenSerial: token.serial,
        tokenObjectId: imported.id,
        fingerprint: params.wrappingKeyFingerprint,
        modulusBits: params.modulusBits,
        sourceFileSha256: params.sourceSha256,
        providerDeadline: params.deadline,
      },
      change,
    );
  } catch (error) {
    // Not in the inventory, so not on the token either.
    await client.request('destroyKey', { uri, id: imported.id }).catch(() => undefined);
    throw error;
  }
}
