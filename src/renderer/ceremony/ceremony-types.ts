/** The ceremonies officers can start from the app, in their words, and each provider's import fields. */
import type { CeremonyType } from '../../shared/officers';
import type { ProviderId } from '../../shared/providers';

export type FormType = Exclude<CeremonyType, 'initialise-workstation'>;

export const ceremonyChoices: { type: FormType; title: string; description: string }[] = [
  {
    type: 'generate-cmk',
    title: 'Generate a key (CMK)',
    description:
      'A new customer master key generated inside the HSM; its key check value is recorded for every later comparison.',
  },
  {
    type: 'import-wrapping-key',
    title: "Import a provider's wrapping key",
    description:
      "The provider's public wrapping key, read from a drive; the officers compare its fingerprint with the provider's console, read aloud.",
  },
  {
    type: 'export-key',
    title: 'Export a key to a provider',
    description:
      'Wrap a key version for the provider and write the signed upload bundle to a drive; it is read back and verified.',
  },
  {
    type: 'rotate-cmk',
    title: 'Rotate a key',
    description: 'A new version becomes active; the previous one decrypts only.',
  },
  {
    type: 'disable-key',
    title: 'Disable a key version',
    description: 'The version stays in the HSM but may not be used until enabled again.',
  },
  {
    type: 'enable-key',
    title: 'Enable a key version',
    description: 'A disabled version becomes active or decrypt-only again.',
  },
  {
    type: 'destroy-key',
    title: 'Destroy a key version',
    description:
      'The version is destroyed in the HSM (crypto-shredding) and a signed destruction certificate is written to a drive.',
  },
  {
    type: 'backup',
    title: 'Back up key versions',
    description: 'Key versions wrapped under a backup key whose shares go to custodians, one drive each.',
  },
  {
    type: 'restore',
    title: 'Restore key versions',
    description: "Key versions unwrapped from a backup package, with the custodians' shares; every KCV checked.",
  },
  {
    type: 'enrol-officer',
    title: 'Enrol an officer',
    description: 'A new officer chooses a passphrase; their approval key is certified by the workstation.',
  },
  {
    type: 'suspend-officer',
    title: 'Suspend, reinstate or unlock an officer',
    description: "Nobody's approval counts for their own standing.",
  },
  {
    type: 'remove-officer',
    title: 'Remove an officer',
    description: 'The officer can no longer check in or approve. Names are never reused.',
  },
  {
    type: 'change-policy',
    title: 'Change a quorum policy',
    description: 'How many approvals, from which roles, a ceremony type needs.',
  },
  {
    type: 'export-audit',
    title: 'Export the audit log',
    description: 'The whole log with its checkpoints, signed by the workstation key, to a drive.',
  },
  {
    type: 'change-hsm',
    title: 'Change the HSM module',
    description:
      "Which PKCS#11 module and token address the workstation uses; the module's SHA-256 is read aloud and the security officers approve it.",
  },
];

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
