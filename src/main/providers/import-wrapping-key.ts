/** The inventory record of a provider's wrapping key once it is on the token: where it came from, and its deadline. */
import type { ProviderImport } from '../../shared/providers';
import type { NewWrappingKey } from '../store/wrapping-keys';

export function wrappingKeyRecord(
  params: ProviderImport,
  label: string,
  tokenSerial: string,
  tokenObjectId: string,
): NewWrappingKey {
  return {
    provider: params.provider,
    label,
    tokenSerial,
    tokenObjectId,
    fingerprint: params.wrappingKeyFingerprint,
    modulusBits: params.modulusBits,
    sourceFileSha256: params.sourceSha256,
    providerDeadline: params.deadline,
  };
}
