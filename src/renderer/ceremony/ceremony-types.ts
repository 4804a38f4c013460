/** The ceremonies officers can start from the app, in their words (src/shared/ceremony-types.ts), and each provider's import fields. */
import { ceremonyAbout, ceremonyTypes, type CeremonyType } from '../../shared/ceremony-types';
import type { ProviderId } from '../../shared/providers';

export type FormType = Exclude<CeremonyType, 'initialise-workstation'>;

const isFormType = (type: CeremonyType): type is FormType => type !== 'initialise-workstation';

/** Every type but the initialisation (its own form, shown while the workstation has no signing key), in the order declared. */
export const ceremonyChoices: { type: FormType; title: string; description: string }[] = ceremonyTypes
  .filter(isFormType)
  .map((type) => ({ type, title: ceremonyAbout[type].title, description: ceremonyAbout[type].description }));

export const providerFields: Record<ProviderId, { name: string; label: string; hint?: string }[]> = {
  'aws-kms': [
    { name: 'algorithm', label: 'Wrapping algorithm chosen in AWS' },
    {
      name: 'keyId',
      label: 'AWS KMS key id or ARN',
      hint: 'Read from the parameters file when it is the GetParametersForImport JSON.',
    },
    {
      name: 'parametersValidTo',
      label: 'Parameters valid until (ISO time)',
      hint: 'Read from the parameters file when it is the JSON.',
    },
  ],
  'azure-key-vault': [
    { name: 'kid', label: 'Key exchange key id (kid)', hint: 'https://contoso.vault.azure.net/keys/KEK/0123…' },
    { name: 'keyName', label: 'Name of the key to import as' },
    { name: 'deadline', label: 'Import deadline (ISO time, optional)' },
  ],
  'google-cloud-kms': [
    { name: 'importMethod', label: 'Import method', hint: 'RSA_OAEP_3072_SHA256_AES_256, …' },
    { name: 'importJob', label: 'Import job', hint: 'projects/…/locations/…/keyRings/…/importJobs/…' },
    { name: 'cryptoKey', label: 'Crypto key', hint: 'projects/…/locations/…/keyRings/…/cryptoKeys/…' },
    { name: 'expireTime', label: 'Import job expiry (ISO time)' },
  ],
  'hashicorp-vault': [
    { name: 'keyName', label: 'Transit key name' },
    { name: 'mount', label: 'Transit mount', hint: 'transit unless your Vault uses another' },
    { name: 'hashFunction', label: 'Hash function', hint: 'SHA256 unless the import uses another' },
    { name: 'deadline', label: 'Import deadline (ISO time, optional)' },
  ],
  'salesforce-shield': [{ name: 'deadline', label: 'Upload deadline (ISO time, optional)' }],
  generic: [
    { name: 'algorithm', label: 'Wrapping algorithm' },
    { name: 'deadline', label: 'Import deadline (ISO time, optional)' },
  ],
};
