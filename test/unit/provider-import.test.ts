/** Each provider's import parameters: accepted as the provider gives them, refused with a precise reason otherwise. */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { payloadProblems, readProviderImport, specRefusal } from '../../src/main/providers/registry';

const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey;
const key2048 = rsa(2048);
const key3072 = rsa(3072);
const key4096 = rsa(4096);
const der = key2048.export({ type: 'spki', format: 'der' });
const pem = (k: typeof key2048) => Buffer.from(k.export({ type: 'spki', format: 'pem' }));
const now = new Date('2026-11-23T12:00:00Z');

describe('AWS KMS', () => {
  const token = randomBytes(32);
  it('takes the console download: DER wrapping key, ImportToken.bin and ParametersValidTo', () => {
    const params = readProviderImport(
      'aws-kms',
      { wrappingKey: der, importToken: token },
      {
        keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        parametersValidTo: '2026-11-24T12:00:00Z',
      },
      now,
    );
    expect(params).toMatchObject({
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      modulusBits: 2048,
      deadline: '2026-11-24T12:00:00.000Z',
      target: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
    });
    expect(Buffer.from(params.importToken ?? [])).toEqual(token);
  });
  it('takes GetParametersForImport JSON, with ParametersValidTo in epoch seconds', () => {
    const json = {
      KeyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      ImportToken: token.toString('base64'),
      PublicKey: der.toString('base64'),
      ParametersValidTo: 1795521600,
    };
    const params = readProviderImport(
      'aws-kms',
      { wrappingKey: Buffer.from(JSON.stringify(json)) },
      { algorithm: 'RSAES_OAEP_SHA_1' },
      now,
    );
    expect(params.deadline).toBe(new Date(1795521600 * 1000).toISOString());
    expect(params.target.keyId).toBe(json.KeyId);
  });
  it.each([
    [
      {
        keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        algorithm: 'RSAES_OAEP_SHA_1',
        parametersValidTo: '2026-11-23T11:00:00Z',
      },
      /import window closed at 2026-11-23T11:00:00.000Z/,
    ],
    [
      { keyId: 'not a key', algorithm: 'RSAES_OAEP_SHA_1', parametersValidTo: '2026-11-24T12:00:00Z' },
      /keyId "not a key" is not in the provider's format/,
    ],
    [
      {
        keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        algorithm: 'RSAES_PKCS1_V1_5',
        parametersValidTo: '2026-11-24T12:00:00Z',
      },
      /RSAES_PKCS1_V1_5 is not one AWS KMS offers/,
    ],
  ])('refuses %j', (fields, reason) => {
    expect(() => readProviderImport('aws-kms', { wrappingKey: der, importToken: token }, fields, now)).toThrow(reason);
  });
  it('refuses a download without its import token', () => {
    expect(() =>
      readProviderImport(
        'aws-kms',
        { wrappingKey: der },
        {
          keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
          algorithm: 'RSAES_OAEP_SHA_1',
          parametersValidTo: '2026-11-24T12:00:00Z',
        },
        now,
      ),
    ).toThrow(/import token is missing/);
  });
});

describe('the other providers', () => {
  it('Azure: the KEK and its kid; the key id must be a Key Vault or Managed HSM key URL', () => {
    const kid = `https://contoso.managedhsm.azure.net/keys/KEK/${'ab'.repeat(16)}`;
    expect(
      readProviderImport('azure-key-vault', { wrappingKey: pem(key3072) }, { kid, keyName: 'cmk' }, now),
    ).toMatchObject({
      algorithm: 'RSA_AES_KEY_WRAP_SHA_1',
      providerAlgorithm: 'CKM_RSA_AES_KEY_WRAP',
      target: { kid },
    });
    expect(() =>
      readProviderImport(
        'azure-key-vault',
        { wrappingKey: pem(key3072) },
        { kid: 'https://evil.example/keys/KEK/1', keyName: 'cmk' },
        now,
      ),
    ).toThrow(/kid .* is not in the provider's format/);
  });
  it('Google Cloud: the import method fixes the algorithm and the key size', () => {
    const fields = {
      importMethod: 'RSA_OAEP_4096_SHA256_AES_256',
      expireTime: '2026-11-26T12:00:00Z',
      importJob: 'projects/p/locations/global/keyRings/r/importJobs/j',
      cryptoKey: 'projects/p/locations/global/keyRings/r/cryptoKeys/k',
    };
    expect(readProviderImport('google-cloud-kms', { wrappingKey: pem(key4096) }, fields, now)).toMatchObject({
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      modulusBits: 4096,
    });
    expect(() => readProviderImport('google-cloud-kms', { wrappingKey: pem(key3072) }, fields, now)).toThrow(
      /RSA-3072, but it must be RSA-4096/,
    );
    expect(() =>
      readProviderImport('google-cloud-kms', { wrappingKey: pem(key4096) }, { ...fields, expireTime: undefined }, now),
    ).toThrow(/deadline \(expiry time\) is missing/);
  });
  it('Vault: an RSA-4096 wrapping key and a hash function Keyward can wrap with', () => {
    expect(readProviderImport('hashicorp-vault', { wrappingKey: pem(key4096) }, { keyName: 'k' }, now)).toMatchObject({
      algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
      target: { mount: 'transit', keyName: 'k' },
    });
    expect(() => readProviderImport('hashicorp-vault', { wrappingKey: pem(key2048) }, { keyName: 'k' }, now)).toThrow(
      /must be RSA-4096/,
    );
    expect(() =>
      readProviderImport(
        'hashicorp-vault',
        { wrappingKey: pem(key4096) },
        { keyName: 'k', hashFunction: 'SHA384' },
        now,
      ),
    ).toThrow(/hashFunction "SHA384" is not one it allows/);
  });
  it('Salesforce: only a certificate, and its expiry is the deadline', () => {
    expect(() => readProviderImport('salesforce-shield', { wrappingKey: pem(key4096) }, {}, now)).toThrow(
      /not a certificate/,
    );
    const certificate = execFileSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:4096',
      '-nodes',
      '-keyout',
      '/dev/null',
      '-subj',
      '/CN=BYOK',
      '-days',
      '2',
    ]);
    const params = readProviderImport('salesforce-shield', { wrappingKey: certificate }, {}, new Date());
    expect(params.algorithm).toBe('RSAES_OAEP_SHA_512'); // Salesforce recommends SHA-512
    expect(
      readProviderImport('salesforce-shield', { wrappingKey: certificate }, { hash: 'SHA1' }, new Date()).algorithm,
    ).toBe('RSAES_OAEP_SHA_1');
    expect(
      readProviderImport('salesforce-shield', { wrappingKey: certificate }, { secretType: 'search-index' }, new Date())
        .algorithm,
    ).toBe('RSA_AES_KEY_WRAP_SHA_512');
    expect(() =>
      readProviderImport(
        'salesforce-shield',
        { wrappingKey: certificate },
        { secretType: 'database-encryption', hash: 'SHA1' },
        new Date(),
      ),
    ).toThrow(/accepts SHA-1 only for OAEP-wrapped secrets/);
    expect(new Date(params.deadline ?? '').getTime()).toBeGreaterThan(Date.now());
  });
});

describe('what each provider takes', () => {
  it('refuses RSA and EC keys under RSA-OAEP, and specs the provider does not import', () => {
    const terms = (
      provider: 'aws-kms' | 'salesforce-shield',
      algorithm: 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1',
    ) => ({
      provider,
      algorithm,
      providerAlgorithm: algorithm,
      modulusBits: 4096,
      target: {},
    });
    expect(specRefusal('RSA_2048', terms('aws-kms', 'RSAES_OAEP_SHA_256'))).toMatch(
      /RSA private key material only under RSA_AES_KEY_WRAP/,
    );
    expect(specRefusal('AES_128', terms('salesforce-shield', 'RSAES_OAEP_SHA_1'))).toMatch(/does not import AES_128/);
    expect(specRefusal('AES_256', terms('aws-kms', 'RSAES_OAEP_SHA_1'))).toBeUndefined();
  });
  it('checks payload lengths: RSA part = modulus length, then 8*ceil(n/8)+8 bytes of KWP', () => {
    const params = {
      provider: 'google-cloud-kms' as const,
      algorithm: 'RSA_AES_KEY_WRAP_SHA_1' as const,
      providerAlgorithm: 'RSA_OAEP_3072_SHA1_AES_256',
      modulusBits: 3072,
      target: {},
    };
    const key = { spec: 'AES_256' as const, kcv: 'abcdef' };
    expect(payloadProblems(params, key, new Map([['wrapped-key.bin', Buffer.alloc(384 + 40)]]))).toEqual([]);
    expect(payloadProblems(params, key, new Map([['wrapped-key.bin', Buffer.alloc(384 + 48)]]))).toEqual([
      'wrapped-key.bin: its AES-KWP part is 48 bytes; an AES_256 key gives 40',
    ]);
    expect(payloadProblems(params, key, new Map())).toEqual(['wrapped-key.bin is missing or unreadable']);
  });
});
