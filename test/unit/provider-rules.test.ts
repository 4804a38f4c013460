/** Each provider's rules, as its module declares them: hosts, key types, kinds of upload, and the commands written. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readProviderImport, settleImport, specRefusal, uploadGuide } from '../../src/main/providers/registry';
import type { CmkSpec } from '../../src/shared/keys';
import type { ProviderImport } from '../../src/shared/providers';

const pem = (bits: number) =>
  Buffer.from(generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'pem' }));
const rsa3072 = pem(3072);
const rsa4096 = pem(4096);
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' });
const inADay = () => new Date(Date.now() + 86_400_000).toISOString();
const key = (spec: CmkSpec) => ({ name: 'cmk', version: 1, spec, kcv: 'abcdef' });
const guideOf = (params: ProviderImport, spec: CmkSpec, version = 1) =>
  uploadGuide(settleImport(spec, params, version), key(spec), []);

describe('Azure Key Vault and Managed HSM', () => {
  const azure = (host: string) =>
    readProviderImport(
      'azure-key-vault',
      { wrappingKey: rsa3072 },
      { kid: `https://${host}/keys/KEK/${randomBytes(16).toString('hex')}`, keyName: 'cmk' },
    );
  it.each([
    'contoso.vault.azure.net',
    'contoso.managedhsm.azure.net',
    'contoso.vault.azure.cn',
    'contoso.managedhsm.azure.cn',
    'contoso.vault.usgovcloudapi.net',
    'contoso.managedhsm.usgovcloudapi.net',
  ])('takes a KEK on %s', (host) => {
    expect(azure(host).target.kid).toContain(host);
  });
  it('refuses hosts of no Azure cloud, and the retired German cloud', () => {
    expect(() => azure('contoso.vault.microsoftazure.de')).toThrow(/kid .* is not in the provider's format/);
    expect(() => azure('contoso.vault.azure.net.evil.example')).toThrow(/kid .* is not in the provider's format/);
  });
  it('writes --kty RSA|EC|oct (az adds -HSM) with --curve for EC, --vault-name or --hsm-name, and az cloud set', () => {
    expect(guideOf(azure('contoso.vault.azure.net'), 'RSA_4096').steps).toEqual([
      'az keyvault key import --vault-name contoso --name cmk --byok-file cmk.byok --kty RSA',
    ]);
    expect(guideOf(azure('contoso.managedhsm.azure.net'), 'EC_P521').steps).toEqual([
      'az keyvault key import --hsm-name contoso --name cmk --byok-file cmk.byok --kty EC --curve P-521',
    ]);
    expect(guideOf(azure('contoso.managedhsm.azure.net'), 'EC_SECP256K1').steps[0]).toMatch(/--curve P-256K$/);
    expect(guideOf(azure('contoso.managedhsm.usgovcloudapi.net'), 'AES_128').steps).toEqual([
      'az cloud set --name AzureUSGovernment',
      'az keyvault key import --hsm-name contoso --name cmk --byok-file cmk.byok --kty oct',
    ]);
  });
  it('takes AES keys on Managed HSM only, and no HMAC keys', () => {
    expect(specRefusal('AES_256', azure('contoso.vault.azure.cn'))).toMatch(/on Managed HSM only/);
    expect(specRefusal('AES_256', azure('contoso.managedhsm.azure.cn'))).toBeUndefined();
    expect(specRefusal('HMAC_SHA256', azure('contoso.managedhsm.azure.net'))).toMatch(/does not import HMAC_SHA256/);
  });
  it('checks an AES key after upload by AES-CBC of a zero block against the check value', () => {
    expect(guideOf(azure('contoso.managedhsm.azure.net'), 'AES_192').check.join('\n')).toMatch(
      /--algorithm A192CBC --value AAAAAAAAAAAAAAAAAAAAAA== --iv 0{32}[\s\S]*must be ABCDEF/,
    );
  });
});

describe('AWS KMS', () => {
  const aws = (fields: Record<string, string> = {}) =>
    readProviderImport(
      'aws-kms',
      { wrappingKey: rsa2048, importToken: randomBytes(32) },
      {
        keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        algorithm: 'RSAES_OAEP_SHA_256',
        parametersValidTo: inADay(),
        ...fields,
      },
    );
  it('makes version 1 the first import, and a later AES version new key material for a rotation', () => {
    expect(settleImport('AES_256', aws(), 1).target.importAs).toBe('first-import');
    expect(settleImport('AES_256', aws(), 2).target.importAs).toBe('new-key-material');
    expect(settleImport('HMAC_SHA256', aws(), 2).target.importAs).toBe('first-import');
    expect(guideOf(aws(), 'AES_256', 2).steps).toEqual([
      'aws kms import-key-material --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --encrypted-key-material fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE --import-type NEW_KEY_MATERIAL',
      'aws kms rotate-key-on-demand --key-id 1234abcd-12ab-34cd-56ef-1234567890ab   (makes the new key material current)',
    ]);
    expect(guideOf(aws(), 'AES_256', 2).permission).toMatch(/kms:ImportKeyMaterial.*kms:RotateKeyOnDemand/);
  });
  it('refuses new key material, and its description, for keys other than symmetric encryption keys', () => {
    expect(specRefusal('HMAC_SHA256', aws({ importAs: 'new-key-material' }))).toMatch(/symmetric encryption keys only/);
    expect(specRefusal('HMAC_SHA256', aws({ keyMaterialDescription: 'x' }))).toMatch(/description for symmetric/);
    expect(specRefusal('AES_256', aws({ importAs: 'reimport' }))).toBeUndefined();
  });
  it('refuses an unknown kind of upload and a description AWS would refuse', () => {
    expect(() => aws({ importAs: 'replace' })).toThrow(/"replace" is not a kind of upload/);
    expect(() => aws({ keyMaterialDescription: "it's" })).toThrow(/may hold only letters/);
  });
  it('checks a key pair after upload by the SHA-256 of its public key, and says AES keys show nothing comparable', () => {
    expect(guideOf(aws(), 'AES_256').check.join('\n')).toMatch(/shows nothing to compare/);
  });
});

describe('Google Cloud KMS', () => {
  const google = (fields: Record<string, string> = {}) =>
    readProviderImport(
      'google-cloud-kms',
      { wrappingKey: rsa3072 },
      {
        importMethod: 'RSA_OAEP_3072_SHA256_AES_256',
        importJob: 'projects/p/locations/l/keyRings/r/importJobs/j',
        cryptoKey: 'projects/p/locations/l/keyRings/r/cryptoKeys/k',
        expireTime: inADay(),
        ...fields,
      },
    );
  it('settles the usual algorithm of the key type, and refuses one of another type', () => {
    expect(settleImport('RSA_3072', google(), 1).target.algorithm).toBe('rsa-sign-pss-3072-sha256');
    expect(settleImport('HMAC_SHA384', google(), 1).target.algorithm).toBe('hmac-sha384');
    expect(specRefusal('RSA_3072', google({ algorithm: 'ec-sign-p256-sha256' }))).toMatch(/not ec-sign-p256-sha256/);
    expect(specRefusal('EC_P256', google({ algorithm: 'ec-sign-p256-sha256' }))).toBeUndefined();
  });
  it('imports RSA keys only through RSA-AES import jobs', () => {
    expect(specRefusal('RSA_3072', google({ importMethod: 'RSA_OAEP_3072_SHA256' }))).toMatch(/cannot import RSA keys/);
    expect(specRefusal('EC_P384', google({ importMethod: 'RSA_OAEP_3072_SHA256' }))).toBeUndefined();
  });
  it('makes a new version of the same key, primary for symmetric encryption; raw AES checked by a zero block', () => {
    const steps = guideOf(google(), 'AES_256').steps;
    expect(steps[0]).toBe(
      'gcloud kms keys versions import --import-job projects/p/locations/l/keyRings/r/importJobs/j --key k --keyring r --location l --algorithm google-symmetric-encryption --wrapped-key-file wrapped-key.bin',
    );
    expect(steps[1]).toMatch(/^gcloud kms keys set-primary-version k /);
    expect(guideOf(google({ algorithm: 'aes-256-cbc' }), 'AES_256').check.join('\n')).toMatch(/raw-encrypt/);
  });
});

describe('HashiCorp Vault', () => {
  const vault = (fields: Record<string, string> = {}) =>
    readProviderImport('hashicorp-vault', { wrappingKey: rsa4096 }, { keyName: 'cmk', ...fields });
  it('imports version 1 as a new transit key and a later one with import_version', () => {
    expect(guideOf(vault(), 'AES_256').steps).toEqual([
      'vault write transit/keys/cmk/import ciphertext=@ciphertext.b64 hash_function=SHA256 type=aes256-gcm96',
    ]);
    expect(guideOf(vault({ hashFunction: 'SHA512' }), 'EC_P521', 2).steps).toEqual([
      'vault write transit/keys/cmk/import_version ciphertext=@ciphertext.b64 hash_function=SHA512',
    ]);
  });
  it("refuses what Vault's transit does not import", () => {
    expect(specRefusal('HMAC_SHA224', vault())).toMatch(/32 to 512 bytes/);
    expect(specRefusal('EC_SECP256K1', vault())).toMatch(/does not import EC_SECP256K1/);
    expect(specRefusal('AES_192', vault())).toMatch(/does not import AES_192/);
  });
});
