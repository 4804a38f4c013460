/**
 * Every wrap made in the token is unwrapped independently, with node:crypto and with the openssl CLI,
 * using a provider private key the test made; the recovered key's check value must equal the token's.
 */
import { execFileSync } from 'node:child_process';
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmClient } from '../../src/main/hsm/client/client';
import { newObjectId } from '../../src/main/hsm/object-id';
import { splitWraps } from '../../src/main/hsm/protocol';
import { parseWrappingKey } from '../../src/main/providers/wrapping-key-file';
import type { CmkSpec, KeyObject as TokenKey } from '../../src/shared/keys';
import { rejection } from '../helpers/rejection';
import { initToken, makeSoftHsmDir, softhsmClient, type TestTokens } from '../helpers/softhsm';

const uri = 'pkcs11:token=Wrap';
const userPin = ['4321'];
const soPin = ['so-4321'];
let tokens: TestTokens;
let client: HsmClient;

/** AES key check value (PKCS#11 CKA_CHECK_VALUE): the first 3 bytes of AES-ECB over a zero block. */
function aesKcv(key: Buffer): string {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()])
    .subarray(0, 3)
    .toString('hex');
}

function file(name: string, content: Buffer | string): string {
  const path = join(tokens.dir, name);
  writeFileSync(path, content);
  return path;
}

function openssl(args: string[]): Buffer {
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Provider {
  privateKey: KeyObject;
  privatePem: string;
  wrappingKeyId: string;
  fingerprint: string;
  bits: number;
}

async function importProvider(bits: number, label: string): Promise<Provider> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const parsed = parseWrappingKey(Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })));
  await client.request('login', { uri, role: 'security-officer', pinParts: soPin });
  const imported = await client.request('importWrappingKey', {
    uri,
    id: newObjectId(),
    label,
    spki: parsed.spki,
    fingerprint: parsed.fingerprint,
  });
  expect(imported.modulusBits).toBe(bits);
  return {
    privateKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    wrappingKeyId: imported.id,
    fingerprint: parsed.fingerprint,
    bits,
  };
}

let cmk: TokenKey;
let providers: Provider[];

beforeAll(async () => {
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Wrap', userPin.join(''), soPin.join(''));
  client = softhsmClient(tokens);
  providers = [
    await importProvider(2048, 'provider 2048'),
    await importProvider(3072, 'provider 3072'),
    await importProvider(4096, 'provider 4096'),
  ];
  await client.request('login', { uri, role: 'user', pinParts: userPin });
  cmk = await client.request('generateCmk', { uri, id: newObjectId(), label: 'CMK v1', spec: 'AES_256' });
}, 60_000);
afterAll(() => {
  client.close();
  tokens.cleanup();
});

describe('provider wrapping keys on the token', () => {
  it('can be destroyed by the security officer who imported them (public objects)', async () => {
    const provider = await importProvider(2048, 'provider to destroy');
    expect(await client.request('destroyKey', { uri, id: provider.wrappingKeyId })).toMatchObject({
      destroyed: 1,
      objects: [{ id: provider.wrappingKeyId, label: 'provider to destroy', kind: 'public key' }],
    });
    await client.request('login', { uri, role: 'user', pinParts: userPin });
  });
});

describe('RSA-OAEP wrapping of a CMK', () => {
  it.each([2048, 3072, 4096])(
    'SHA-1 under a %i-bit provider key unwraps with node:crypto and openssl to the same KCV',
    async (bits) => {
      const provider = providers.find((p) => p.bits === bits) as Provider;
      const wrapped = Buffer.from(
        await client.request('wrapOaep', {
          uri,
          targetId: cmk.id,
          kcv: cmk.kcv,
          wrappingKeyId: provider.wrappingKeyId,
          fingerprint: provider.fingerprint,
          hash: 'sha1',
        }),
      );
      expect(wrapped.length).toBe(bits / 8);
      const viaNode = privateDecrypt(
        { key: provider.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        wrapped,
      );
      expect(viaNode.length).toBe(32);
      expect(aesKcv(viaNode)).toBe(cmk.kcv);
      const viaOpenssl = openssl([
        'pkeyutl',
        '-decrypt',
        '-inkey',
        file('provider.pem', provider.privatePem),
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        'rsa_oaep_md:sha1',
        '-in',
        file('wrapped.bin', wrapped),
      ]);
      const kcvOpenssl = openssl([
        'enc',
        '-aes-256-ecb',
        '-nopad',
        '-K',
        viaOpenssl.toString('hex'),
        '-in',
        file('zero.bin', Buffer.alloc(16)),
      ]);
      expect(kcvOpenssl.subarray(0, 3).toString('hex')).toBe(cmk.kcv);
    },
  );

  it('wraps only the approved key under the approved wrapping key: another fingerprint or check value is refused in the token', async () => {
    const [first, second] = providers as [Provider, Provider];
    const otherKey = await rejection(
      client.request('wrapOaep', {
        uri,
        targetId: cmk.id,
        kcv: cmk.kcv,
        wrappingKeyId: second.wrappingKeyId,
        fingerprint: first.fingerprint,
        hash: 'sha1',
      }),
    );
    expect(otherKey.code).toBe('HSM_KEY_REJECTED');
    expect(otherKey.message).toContain('not the approved');
    const otherCmk = await rejection(
      client.request('wrapOaep', {
        uri,
        targetId: cmk.id,
        kcv: 'abcdef',
        wrappingKeyId: first.wrappingKeyId,
        fingerprint: first.fingerprint,
        hash: 'sha1',
      }),
    );
    expect(otherCmk.code).toBe('HSM_KEY_REJECTED');
    expect(otherCmk.message).toContain('check value');
  });

  it('refuses SHA-256 OAEP on SoftHSM 2.6 naming the mechanism, with no software fallback', async () => {
    const error = await rejection(
      client.request('wrapOaep', {
        uri,
        targetId: cmk.id,
        kcv: cmk.kcv,
        wrappingKeyId: providers[0]?.wrappingKeyId ?? '',
        fingerprint: providers[0]?.fingerprint ?? '',
        hash: 'sha256',
      }),
    );
    expect(error.code).toBe('HSM_MECHANISM_UNSUPPORTED');
    expect(error.message).toContain('CKM_RSA_PKCS_OAEP using SHA-256');
    expect(error.message).toContain('does not wrap in software');
  });
});

describe('RSA-AES key wrap, composed in the token', () => {
  it('needs the security officer to prepare it first', async () => {
    const error = await rejection(
      client.request('wrapRsaAes', {
        uri,
        targetId: cmk.id,
        kcv: cmk.kcv,
        wrappingKeyId: providers[0]?.wrappingKeyId ?? '',
        fingerprint: providers[0]?.fingerprint ?? '',
        hash: 'sha1',
      }),
    );
    expect(error.code).toBe('HSM_NOT_LOGGED_IN');
    expect(error.nextStep).toContain('security officer');
  });

  it.each([2048, 3072, 4096])(
    'under %i bits: RSA part = modulus length, then 8*ceil(n/8)+8 bytes of KWP; unwraps to the same KCV',
    async (bits) => {
      const provider = providers.find((p) => p.bits === bits) as Provider;
      await client.request('login', { uri, role: 'security-officer', pinParts: soPin });
      await client.request('prepareRsaAesWrap', { uri });
      await client.request('login', { uri, role: 'user', pinParts: userPin });
      const result = await client.request('wrapRsaAes', {
        uri,
        targetId: cmk.id,
        kcv: cmk.kcv,
        wrappingKeyId: provider.wrappingKeyId,
        fingerprint: provider.fingerprint,
        hash: 'sha1',
      });
      const wrapped = Buffer.from(result.wrapped);
      expect(result.rsaPartLength).toBe(bits / 8);
      expect(wrapped.length).toBe(bits / 8 + 8 * Math.ceil(32 / 8) + 8);
      const rsaPart = wrapped.subarray(0, bits / 8);
      const kwpPart = wrapped.subarray(bits / 8);

      const ephemeral = privateDecrypt(
        { key: provider.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        rsaPart,
      );
      const decipher = createDecipheriv('id-aes256-wrap-pad', ephemeral, Buffer.from('A65959A6', 'hex'));
      const target = Buffer.concat([decipher.update(kwpPart), decipher.final()]);
      expect(aesKcv(target)).toBe(cmk.kcv);

      const ephemeralOpenssl = openssl([
        'pkeyutl',
        '-decrypt',
        '-inkey',
        file('provider.pem', provider.privatePem),
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        'rsa_oaep_md:sha1',
        '-in',
        file('rsa.bin', rsaPart),
      ]);
      const targetOpenssl = openssl([
        'enc',
        '-d',
        '-id-aes256-wrap-pad',
        '-K',
        ephemeralOpenssl.toString('hex'),
        '-iv',
        'A65959A6',
        '-in',
        file('kwp.bin', kwpPart),
      ]);
      expect(targetOpenssl.equals(target)).toBe(true);

      // The ephemeral key was used once and destroyed.
      const again = await rejection(
        client.request('wrapRsaAes', {
          uri,
          targetId: cmk.id,
          kcv: cmk.kcv,
          wrappingKeyId: provider.wrappingKeyId,
          fingerprint: provider.fingerprint,
          hash: 'sha1',
        }),
      );
      expect(again.code).toBe('HSM_NOT_LOGGED_IN');
    },
  );
});

/**
 * As a backup and a restore ceremony do: the security officer loads a backup KEK (wraps only) and its restore
 * twin (unwraps only) from one value; the user generates a CMK and wraps it under the first. `kek`: the restore KEK.
 */
async function backUp(kekLabel: string, cmkLabel: string, spec: CmkSpec) {
  const value = randomBytes(32);
  await client.request('login', { uri, role: 'security-officer', pinParts: soPin });
  const backupKek = await client.request('kekFromValue', {
    uri,
    id: newObjectId(),
    label: `${kekLabel} (backup)`,
    value: Buffer.from(value),
    purpose: 'backup',
  });
  const kek = await client.request('kekFromValue', {
    uri,
    id: newObjectId(),
    label: `${kekLabel} (restore)`,
    value: Buffer.from(value),
    purpose: 'restore',
  });
  expect(kek.kcv).toBe(backupKek.kcv);
  await client.request('login', { uri, role: 'user', pinParts: userPin });
  const original = await client.request('generateCmk', { uri, id: newObjectId(), label: cmkLabel, spec });
  const [wrappedOnce] = splitWraps(
    await client.request('wrapKwp', { uri, targetIds: [original.id], kekId: backupKek.id }),
  );
  const wrapped = Buffer.from(wrappedOnce ?? []);
  return { kek, original, wrapped };
}

describe('backup under an AES KEK (AES-KWP) and restore', () => {
  it('wraps a whole backup in one request: each key in the order named, a key named twice wrapped alike, and a key the token lacks refuses the request', async () => {
    const { original } = await backUp('batch backup KEK', 'CMK batch 1', 'AES_256');
    const second = await client.request('generateCmk', {
      uri,
      id: newObjectId(),
      label: 'CMK batch 2',
      spec: 'AES_256',
    });
    // A backup KEK of this test's own (backUp returns the restore twin, which only unwraps).
    await client.request('login', { uri, role: 'security-officer', pinParts: soPin });
    const value = randomBytes(32);
    const batchKek = await client.request('kekFromValue', {
      uri,
      id: newObjectId(),
      label: 'batch KEK (backup)',
      value: Buffer.from(value),
      purpose: 'backup',
    });
    await client.request('login', { uri, role: 'user', pinParts: userPin });
    const wrapped = splitWraps(
      await client.request('wrapKwp', { uri, targetIds: [original.id, second.id, original.id], kekId: batchKek.id }),
    ).map((w) => Buffer.from(w));
    expect(wrapped).toHaveLength(3);
    expect(wrapped[0]?.equals(wrapped[2] ?? Buffer.alloc(0))).toBe(true); // AES-KWP is deterministic
    expect(wrapped[0]?.equals(wrapped[1] ?? Buffer.alloc(0))).toBe(false);
    const missing = await rejection(
      client.request('wrapKwp', { uri, targetIds: [original.id, newObjectId()], kekId: batchKek.id }),
    );
    expect(missing.code).toBe('HSM_KEY_NOT_FOUND');
  });

  it('wraps under a trusted KEK, restores after the CMK is destroyed, with the same KCV and protections', async () => {
    const { kek, original, wrapped } = await backUp('backup KEK', 'CMK to back up', 'AES_256');
    expect(wrapped.length).toBe(40);
    await client.request('destroyKey', { uri, id: original.id });
    const restored = await client.request('unwrapKwp', {
      uri,
      id: newObjectId(),
      kekId: kek.id,
      wrapped,
      spec: 'AES_256',
      label: 'CMK restored',
    });
    expect(restored.kcv).toBe(original.kcv);
    expect(restored.kcvSource).toBe('computed in the token');
    expect(restored.attributes).toEqual(original.attributes);
  });

  it('backs up and restores an RSA CMK (its private key under AES-KWP), with the same public-key KCV and protections', async () => {
    const { kek, original, wrapped } = await backUp('backup KEK rsa', 'RSA CMK to back up', 'RSA_2048');
    await client.request('destroyKey', { uri, id: original.id });
    const restored = await client.request('unwrapKwp', {
      uri,
      id: newObjectId(),
      kekId: kek.id,
      wrapped,
      spec: 'RSA_2048',
      label: 'RSA CMK restored',
    });
    expect(restored.kcv).toBe(original.kcv);
    expect(restored.kcvSource).toBe('SHA-256 of public key');
    expect(restored.attributes).toEqual(original.attributes);
    const wrongType = await rejection(
      client.request('unwrapKwp', {
        uri,
        id: newObjectId(),
        kekId: kek.id,
        wrapped,
        spec: 'RSA_3072',
        label: 'RSA CMK wrong type',
      }),
    );
    expect(wrongType.message).toContain('is RSA-2048, not the RSA_3072 recorded');
    // The public half is recreated beside the private key, as it was at generation.
    const publicHalf = await client.request('signingPublicKey', { uri, id: restored.id });
    expect(
      createPublicKey({ key: Buffer.from(publicHalf.publicKeySpki), format: 'der', type: 'spki' }).asymmetricKeyDetails
        ?.modulusLength,
    ).toBe(2048);
  });

  for (const spec of ['EC_P256', 'EC_P384'] as const) {
    it(`backs up and restores an ${spec} CMK: the token proves the private key matches the recorded public key`, async () => {
      const { kek, original, wrapped } = await backUp(`backup KEK ${spec}`, `${spec} CMK to back up`, spec);
      const recorded = (await client.request('signingPublicKey', { uri, id: original.id })).publicKeySpki;
      await client.request('destroyKey', { uri, id: original.id });

      const withoutRecord = await rejection(
        client.request('unwrapKwp', {
          uri,
          id: newObjectId(),
          kekId: kek.id,
          wrapped,
          spec,
          label: `${spec} restored`,
        }),
      );
      expect(withoutRecord.message).toContain('needs its public key as recorded at backup');

      const stranger = generateKeyPairSync('ec', {
        namedCurve: spec === 'EC_P256' ? 'prime256v1' : 'secp384r1',
      }).publicKey.export({ type: 'spki', format: 'der' });
      const mismatch = await rejection(
        client.request('unwrapKwp', {
          uri,
          id: newObjectId(),
          kekId: kek.id,
          wrapped,
          spec,
          label: `${spec} restored`,
          publicKeySpki: stranger,
        }),
      );
      expect(mismatch.code).toBe('HSM_KEY_REJECTED');
      expect(mismatch.message).toContain('does not belong to the public key recorded');
      await expect(client.request('signingPublicKey', { uri, id: original.id })).rejects.toMatchObject({
        code: 'HSM_KEY_NOT_FOUND',
      });

      const otherCurve = await rejection(
        client.request('unwrapKwp', {
          uri,
          id: newObjectId(),
          kekId: kek.id,
          wrapped,
          spec: spec === 'EC_P256' ? 'EC_P384' : 'EC_P256',
          label: `${spec} restored`,
          publicKeySpki: recorded,
        }),
      );
      expect(otherCurve.message).toContain('is not on the curve');

      const restored = await client.request('unwrapKwp', {
        uri,
        id: newObjectId(),
        kekId: kek.id,
        wrapped,
        spec,
        label: `${spec} restored`,
        publicKeySpki: recorded,
      });
      expect(restored.kcv).toBe(original.kcv);
      expect(restored.kcvSource).toBe('SHA-256 of public key');
      expect(restored.attributes).toEqual(original.attributes);
      expect(Buffer.from((await client.request('signingPublicKey', { uri, id: restored.id })).publicKeySpki)).toEqual(
        Buffer.from(recorded),
      );
    });
  }

  it('restores an HMAC key with its SHA-1 check value computed in the token', async () => {
    const { kek, original, wrapped } = await backUp('backup KEK 2', 'HMAC to back up', 'HMAC_SHA256');
    const restored = await client.request('unwrapKwp', {
      uri,
      id: newObjectId(),
      kekId: kek.id,
      wrapped,
      spec: 'HMAC_SHA256',
      label: 'HMAC restored',
    });
    expect(restored.kcv).toBe(original.kcv);
  });

  it('refuses a damaged backup and leaves no key behind', async () => {
    const { kek, wrapped } = await backUp('backup KEK 3', 'CMK to damage', 'AES_256');
    wrapped[5] = (wrapped[5] ?? 0) ^ 0x01;
    const error = await rejection(
      client.request('unwrapKwp', {
        uri,
        id: newObjectId(),
        kekId: kek.id,
        wrapped,
        spec: 'AES_256',
        label: 'CMK from damaged backup',
      }),
    );
    expect(error.code).toBe('HSM_DEVICE_ERROR');
    expect(error.message).toMatch(/CKR_(WRAPPED_KEY_INVALID|ENCRYPTED_DATA_INVALID|FUNCTION_FAILED|GENERAL_ERROR)/);
    await expect(client.request('keyCheckValue', { uri, label: 'CMK from damaged backup' })).rejects.toMatchObject({
      code: 'HSM_KEY_NOT_FOUND',
    });
  });

  it('refuses to wrap a CMK with a key the security officer did not mark trusted', async () => {
    const other = await client.request('generateCmk', { uri, id: newObjectId(), label: 'not a KEK', spec: 'AES_128' });
    const error = await rejection(client.request('wrapKwp', { uri, targetIds: [cmk.id], kekId: other.id }));
    expect(error.code).toBe('HSM_KEY_REJECTED');
    expect(error.message).toContain('is not marked trusted');
  });
});

describe('check values computed in the token, independently of CKA_CHECK_VALUE', () => {
  for (const spec of ['AES_256', 'AES_128', 'HMAC_SHA256'] as const) {
    it(`computes the ${spec} check value through a trusted check key the security officer prepared, used once`, async () => {
      await client.request('login', { uri, role: 'user', pinParts: userPin });
      const key = await client.request('generateCmk', { uri, id: newObjectId(), label: `checked ${spec}`, spec });
      expect(key.kcvSource).toBe('CKA_CHECK_VALUE');
      const unprepared = await rejection(client.request('keyCheckValueInToken', { uri, id: key.id }));
      expect(unprepared.code).toBe('HSM_NOT_LOGGED_IN');
      expect(unprepared.nextStep).toContain('security officer');

      await client.request('login', { uri, role: 'security-officer', pinParts: soPin });
      await client.request('prepareKeyCheck', { uri });
      await client.request('login', { uri, role: 'user', pinParts: userPin });
      expect(await client.request('keyCheckValueInToken', { uri, id: key.id })).toBe(key.kcv);
      // The check key was destroyed after its one use.
      await expect(client.request('keyCheckValueInToken', { uri, id: key.id })).rejects.toMatchObject({
        code: 'HSM_NOT_LOGGED_IN',
      });
    });
  }
});

describe('keys sent to the workstation, unwrapped under its transport key', () => {
  let transport: { id: string; publicKey: KeyObject };
  beforeAll(async () => {
    await client.request('login', { uri, role: 'user', pinParts: userPin });
    const generated = await client.request('generateTransportKey', { uri, id: newObjectId(), label: 'transport key' });
    transport = {
      id: generated.id,
      publicKey: createPublicKey({ key: Buffer.from(generated.publicKeySpki), format: 'der', type: 'spki' }),
    };
  });

  it("unwraps an RSA-OAEP (SHA-1) wrap made in software by the sender, with the CMK protections and the sender's KCV", async () => {
    const key = randomBytes(32);
    const wrapped = publicEncrypt(
      { key: transport.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      key,
    );
    const received = await client.request('unwrapOaep', {
      uri,
      id: newObjectId(),
      transportKeyId: transport.id,
      wrapped,
      hash: 'sha1',
      spec: 'AES_256',
      label: 'received by OAEP',
    });
    expect(received.kcv).toBe(aesKcv(key));
    expect(received.kcvSource).toBe('computed in the token');
    expect(received.attributes).toEqual(cmk.attributes);
  });

  it('unwraps an RSA-AES wrap (RSA-OAEP of an ephemeral key, then AES-KWP) made by the sender', async () => {
    const key = randomBytes(32);
    const ephemeral = randomBytes(32);
    const cipher = createCipheriv('id-aes256-wrap-pad', ephemeral, Buffer.from('A65959A6', 'hex'));
    const kwpPart = Buffer.concat([cipher.update(key), cipher.final()]);
    const rsaPart = publicEncrypt(
      { key: transport.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      ephemeral,
    );
    const received = await client.request('unwrapRsaAes', {
      uri,
      id: newObjectId(),
      transportKeyId: transport.id,
      wrapped: Buffer.concat([rsaPart, kwpPart]),
      hash: 'sha1',
      spec: 'AES_256',
      label: 'received by RSA-AES',
    });
    expect(received.kcv).toBe(aesKcv(key));
  });

  it('never passes off a key of another size as the one declared: refused, or told apart by its KCV', async () => {
    const key = randomBytes(16);
    const wrapped = publicEncrypt(
      { key: transport.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      key,
    );
    try {
      const received = await client.request('unwrapOaep', {
        uri,
        id: newObjectId(),
        transportKeyId: transport.id,
        wrapped,
        hash: 'sha1',
        spec: 'AES_256',
        label: 'wrong size',
      });
      // SoftHSM does not report CKA_VALUE_LEN after an unwrap: the note says so, and the KCV is the 16-byte key's.
      expect(received.notes.join(' ')).toContain('does not report the length');
      expect(received.kcv).toBe(aesKcv(key));
    } catch (error) {
      expect((error as Error).message).toContain('16 bytes, not the 32 bytes');
      await expect(client.request('keyCheckValue', { uri, label: 'wrong size' })).rejects.toMatchObject({
        code: 'HSM_KEY_NOT_FOUND',
      });
    }
  });

  it('refuses an RSA-AES blob too short to hold both parts', async () => {
    const error = await rejection(
      client.request('unwrapRsaAes', {
        uri,
        id: newObjectId(),
        transportKeyId: transport.id,
        wrapped: randomBytes(100),
        hash: 'sha1',
        spec: 'AES_256',
        label: 'short',
      }),
    );
    expect(error.code).toBe('HSM_KEY_REJECTED');
    expect(error.message).toContain('384-byte RSA part');
  });
});
