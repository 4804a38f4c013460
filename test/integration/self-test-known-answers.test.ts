/**
 * The pre-export self-test wraps a published test key of the CMK's own type and size, in the token, with
 * the export's own wrap, and opens it in software: it must give back exactly the test key. SoftHSM wraps
 * AES and HMAC keys exactly, but zero-pads a private key's PKCS#8 to whole 8-octet blocks first: treated as
 * a production token, the export of an EC P-256 or RSA CMK is refused naming that; on the rehearsal token it
 * goes on with the finding. (An EC P-384 key's PKCS#8 is whole blocks already: it comes out exact.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapSelfTest } from '../../src/main/bundles/self-test';
import type { HsmClient } from '../../src/main/hsm/client/client';
import type { CmkSpec } from '../../src/shared/keys';
import { rejection } from '../helpers/rejection';
import { initToken, makeSoftHsmDir, softhsmClient, type TestTokens } from '../helpers/softhsm';

const uri = 'pkcs11:token=Self%20test';
let tokens: TestTokens;
let client: HsmClient;

beforeAll(async () => {
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Self test', '4321', 'so-4321');
  client = softhsmClient(tokens);
  await client.request('login', { uri, role: 'user', pinParts: ['4321'] });
});

afterAll(() => {
  client.close();
  tokens.cleanup();
});

describe('the self-test with known answers, per key type', () => {
  it.each([
    ['AES_256', 'RSAES_OAEP_SHA_1', 2048],
    ['AES_128', 'RSAES_OAEP_SHA_1', 3072],
    ['AES_256', 'RSA_AES_KEY_WRAP_SHA_1', 4096],
    ['AES_192', 'RSA_AES_KEY_WRAP_SHA_1', 2048],
    ['HMAC_SHA256', 'RSA_AES_KEY_WRAP_SHA_1', 3072],
    // Its PKCS#8 (RFC 5915, no public key) is 80 octets: whole blocks, so SoftHSM's padding adds nothing.
    ['EC_P384', 'RSA_AES_KEY_WRAP_SHA_1', 2048],
  ] as const)('%s under %s (RSA-%i) is exact on SoftHSM', async (spec, algorithm, bits) => {
    await expect(wrapSelfTest(client, uri, algorithm, bits, spec, false)).resolves.toBeUndefined();
  });

  it.each([
    ['EC_P256', /the 67-octet PKCS#8 private key followed by 5 zero octets/],
    ['RSA_2048', /PKCS#8 private key followed by \d zero octets?/],
  ] as [CmkSpec, RegExp][])(
    "%s: SoftHSM's zero padding is found; refused on a production token, recorded on the rehearsal token",
    async (spec, padding) => {
      const refused = await rejection(wrapSelfTest(client, uri, 'RSA_AES_KEY_WRAP_SHA_1', 2048, spec, false));
      expect(refused.code).toBe('SELF_TEST_FAILED');
      expect(refused.message).toMatch(padding);
      expect(refused.message).toContain('No bundle was made');
      const finding = await wrapSelfTest(client, uri, 'RSA_AES_KEY_WRAP_SHA_1', 2048, spec, true);
      expect(finding).toMatch(padding);
      expect(finding).toContain('only because this is the rehearsal token');
    },
  );

  it('a provider key size with no test key is refused before the token is asked', async () => {
    const refused = await rejection(wrapSelfTest(client, uri, 'RSAES_OAEP_SHA_1', 1024, 'AES_256', false));
    expect(refused.code).toBe('SELF_TEST_FAILED');
    expect(refused.message).toContain('no test key of 1024 bits');
  });
});
