/** Login, CMK generation, check values, signing and destruction on a real SoftHSM2 token. */
import { execFileSync } from 'node:child_process';
import { constants, createHash, createPublicKey, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmClient } from '../../src/main/hsm/client/client';
import { newObjectId } from '../../src/main/hsm/object-id';
import { cmkSpecs, signingKeySpecs, type CmkSpec } from '../../src/shared/keys';
import { rejection } from '../helpers/rejection';
import { initToken, makeSoftHsmDir, softhsmClient, softhsmModule, type TestTokens } from '../helpers/softhsm';

const uri = 'pkcs11:token=Keys';
let tokens: TestTokens;
let client: HsmClient;

beforeAll(() => {
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Keys', '1234-5678', 'so-pin-1234');
  client = softhsmClient(tokens);
});
afterAll(() => {
  client.close();
  tokens.cleanup();
});

describe('login', () => {
  it('refuses key work before login, naming the role needed', async () => {
    const error = await rejection(
      client.request('generateCmk', { uri, id: newObjectId(), label: 'too early', spec: 'AES_256' }),
    );
    expect(error.code).toBe('HSM_NOT_LOGGED_IN');
    expect(error.message).toContain('token "Keys"');
  });

  it("names the token on a wrong PIN and warns from the token's own flags", async () => {
    const error = await rejection(client.request('login', { uri, role: 'user', pinParts: ['1234', '0000'] }));
    expect(error.code).toBe('HSM_PIN_INCORRECT');
    expect(error.message).toMatch(/The user PIN entered for token "Keys" \(serial \w+\) is not correct\./);
    expect(error.message).toContain('recorded a wrong user PIN');
  });

  it('joins PIN parts typed by different officers inside the HSM process', async () => {
    const result = await client.request('login', { uri, role: 'user', pinParts: ['1234', '-', '5678'] });
    expect(result.role).toBe('user');
    const status = await client.request('describeToken', { uri });
    expect(status.loginState).toBe('user');
    expect(status.pin.userPinCountLow).toBe(false); // a good login clears the wrong-entry flag
  });
});

describe('CMK generation inside the token', () => {
  it.each(cmkSpecs.filter((s) => s !== 'RSA_4096'))(
    '%s: protected attributes, re-read from the token, and a check value',
    async (spec) => {
      const key = await client.request('generateCmk', { uri, id: newObjectId(), label: `cmk ${spec}`, spec });
      expect(key.id).toMatch(/^[0-9a-f]{32}$/);
      expect(key.kcv).toMatch(/^[0-9a-f]{6}$/);
      expect(key.kcvSource).toBe(
        spec.startsWith('RSA') || spec.startsWith('EC') ? 'SHA-256 of public key' : 'CKA_CHECK_VALUE',
      );
      expect(key.attributes).toEqual({
        token: true,
        private: true,
        sensitive: true,
        extractable: true,
        wrapWithTrusted: true,
        modifiable: false,
        copyable: false,
        encrypt: false,
        decrypt: false,
        sign: false,
        verify: false,
        wrap: false,
        unwrap: false,
        derive: false,
      });
      expect(key.notes).toEqual([]);
    },
  );

  it('refuses a label already on the token', async () => {
    const error = await rejection(
      client.request('generateCmk', { uri, id: newObjectId(), label: 'cmk AES_256', spec: 'AES_256' }),
    );
    expect(error.code).toBe('HSM_LABEL_TAKEN');
    expect(error.message).toContain('"cmk AES_256"');
  });

  it('gives distinct keys distinct ids and check values', async () => {
    const a = await client.request('generateCmk', { uri, id: newObjectId(), label: 'distinct a', spec: 'AES_256' });
    const b = await client.request('generateCmk', { uri, id: newObjectId(), label: 'distinct b', spec: 'AES_256' });
    expect(a.id).not.toBe(b.id);
    expect(a.kcv).not.toBe(b.kcv);
  });

  it('reads the check value the token computes, equal to AES-ECB of a zero block computed by openssl', async () => {
    const value = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
    const file = join(tokens.dir, 'known.key');
    writeFileSync(file, Buffer.from(value, 'hex'));
    execFileSync(
      'pkcs11-tool',
      [
        '--module',
        softhsmModule,
        '--token-label',
        'Keys',
        '--login',
        '--pin',
        '1234-5678',
        '--write-object',
        file,
        '--type',
        'secrkey',
        '--key-type',
        'AES:32',
        '--label',
        'known value',
        '--id',
        'aa01',
      ],
      { env: { ...process.env, ...tokens.env }, stdio: 'pipe' },
    );
    const expected = execFileSync('openssl', ['enc', '-aes-256-ecb', '-nopad', '-K', value], {
      input: Buffer.alloc(16),
    })
      .subarray(0, 3)
      .toString('hex');
    expect(await client.request('keyCheckValue', { uri, label: 'known value' })).toBe(expected);
  });
});

describe('a long generation (RSA-4096)', () => {
  it("runs on the module's thread and reports progress while it runs", async () => {
    const progress: number[] = [];
    const started = Date.now();
    const key = await client.request(
      'generateCmk',
      { uri, id: newObjectId(), label: 'cmk RSA_4096', spec: 'RSA_4096' },
      (p) => progress.push(p.elapsedMs),
    );
    const took = Date.now() - started;
    expect(key.attributes.sensitive).toBe(true);
    expect(key.kcvSource).toBe('SHA-256 of public key');
    // Progress is sent every 250 ms while the module works; only a generation that finished sooner has none.
    if (took > 600) expect(progress.length).toBeGreaterThan(0);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });
});

describe('destruction', () => {
  it('destroys every object of a key and confirms it is gone; its label is free again', async () => {
    const pair = await client.request('generateCmk', { uri, id: newObjectId(), label: 'to shred', spec: 'EC_P256' });
    // A key pair's fingerprint is the SHA-256 of its public key as the token gives it; its check value, the first 3 bytes.
    const { publicKeySpki } = await client.request('signingPublicKey', { uri, id: pair.id });
    const fingerprint = createHash('sha256').update(publicKeySpki).digest('hex');
    expect(pair.publicKeySha256).toBe(fingerprint);
    expect(pair.kcv).toBe(fingerprint.slice(0, 6));
    expect(await client.request('destroyKey', { uri, id: pair.id })).toMatchObject({
      destroyed: 2,
      objects: [{ id: pair.id }, { id: pair.id }],
    });
    const again = await rejection(client.request('destroyKey', { uri, id: pair.id }));
    expect(again.code).toBe('HSM_KEY_NOT_FOUND');
    const listed = execFileSync(
      'pkcs11-tool',
      ['--module', softhsmModule, '--token-label', 'Keys', '--login', '--pin', '1234-5678', '--list-objects'],
      {
        env: { ...process.env, ...tokens.env },
        encoding: 'utf8',
      },
    );
    expect(listed).not.toContain('to shred');
    await client.request('generateCmk', { uri, id: newObjectId(), label: 'to shred', spec: 'AES_128' });
  });
});

describe('workstation signing keys', () => {
  it.each(signingKeySpecs)('%s: generated in the token, signatures verify independently', async (spec) => {
    const key = await client.request('generateSigningKey', { uri, id: newObjectId(), label: `signer ${spec}`, spec });
    const publicKey = createPublicKey({ key: Buffer.from(key.publicKeySpki), format: 'der', type: 'spki' });
    const data = Buffer.from(`manifest for ${spec}`);
    const signed = await client.request('sign', { uri, id: key.id, data });
    const signature = Buffer.from(signed.signature);
    if (spec === 'RSA_PSS_3072') {
      expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
      expect(
        verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature),
      ).toBe(true);
      // And with the openssl CLI.
      const dir = tokens.dir;
      writeFileSync(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
      writeFileSync(join(dir, 'data'), data);
      writeFileSync(join(dir, 'sig'), signature);
      const out = execFileSync(
        'openssl',
        [
          'dgst',
          '-sha256',
          '-sigopt',
          'rsa_padding_mode:pss',
          '-sigopt',
          'rsa_pss_saltlen:32',
          '-verify',
          join(dir, 'pub.pem'),
          '-signature',
          join(dir, 'sig'),
          join(dir, 'data'),
        ],
        { encoding: 'utf8' },
      );
      expect(out.trim()).toBe('Verified OK');
    } else {
      expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe(spec === 'ECDSA_P256' ? 'prime256v1' : 'secp384r1');
      expect(verify(signed.hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
      expect(
        verify(signed.hash, Buffer.from('other data'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature),
      ).toBe(false);
    }
    const exported = await client.request('signingPublicKey', { uri, id: key.id });
    expect(Buffer.from(exported.publicKeySpki).equals(Buffer.from(key.publicKeySpki))).toBe(true);
    expect(exported.spec).toBe(spec);
  });
});

describe('capability probe', () => {
  it('reports what SoftHSM 2.6 can and cannot do, with the missing mechanism named', async () => {
    const caps = await client.request('probe', { uri });
    expect(caps.cmkSpecs).toEqual(
      expect.arrayContaining<CmkSpec>([
        'AES_256',
        'AES_192',
        'AES_128',
        'HMAC_SHA224',
        'HMAC_SHA256',
        'HMAC_SHA384',
        'HMAC_SHA512',
        'RSA_2048',
        'RSA_4096',
        'EC_P256',
        'EC_P384',
        'EC_P521',
        'EC_SECP256K1', // SoftHSM makes keys on any curve its OpenSSL knows
      ]),
    );
    expect(caps.signingKeySpecs).toEqual(['RSA_PSS_3072', 'ECDSA_P256', 'ECDSA_P384']);
    expect(caps.wrapping).toEqual({
      rsaOaepSha1: true,
      rsaOaepSha256: false,
      rsaOaepSha512: false,
      oaepPrivateKeys: false, // SoftHSM wraps only secret keys with RSA-OAEP, as PKCS#11 defines it
      rsaAesKeyWrapNative: false,
      rsaAesKeyWrapComposed: true,
      aesKeyWrapPad: true,
    });
    expect(caps.missing.rsaOaepSha256).toContain('CKR_ARGUMENTS_BAD');
    expect(caps.missing.oaepPrivateKeys).toContain('CKR_KEY_NOT_WRAPPABLE');
    expect(caps.missing.rsaAesKeyWrapNative).toContain('CKM_RSA_AES_KEY_WRAP');
    expect(caps.mechanisms.map((m) => m.name)).toContain('CKM_AES_KEY_WRAP_PAD');
  });
});
