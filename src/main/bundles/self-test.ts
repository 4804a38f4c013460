/**
 * The known-answer test before every export: the token wraps a throw-away test key with the export's
 * own wrap functions under a throw-away RSA key made here; it is unwrapped here in software and its
 * check value must equal the token's. If the token's wrap is wrong, no bundle is made.
 */
import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import { wrapMethods, type WrapAlgorithm } from '../../shared/providers';
import type { HsmClient } from '../hsm/client/client';

const aesKcv = (key: Buffer): string => {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()])
    .subarray(0, 3)
    .toString('hex');
};

export async function wrapSelfTest(
  client: HsmClient,
  uri: string,
  algorithm: WrapAlgorithm,
  modulusBits: number,
): Promise<void> {
  const { kind, hash } = wrapMethods[algorithm];
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: modulusBits });
  const result = await client.request('selfTestWrap', {
    uri,
    kind,
    hash,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
  });
  const wrapped = Buffer.from(result.wrapped);
  let recovered: Buffer;
  try {
    const oaep = (bytes: Buffer) =>
      privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, bytes);
    if (kind === 'oaep') {
      recovered = oaep(wrapped);
    } else {
      const rsaBytes = modulusBits / 8;
      const decipher = createDecipheriv(
        'id-aes256-wrap-pad',
        oaep(wrapped.subarray(0, rsaBytes)),
        Buffer.from('A65959A6', 'hex'),
      );
      recovered = Buffer.concat([decipher.update(wrapped.subarray(rsaBytes)), decipher.final()]);
    }
  } catch {
    recovered = Buffer.alloc(0);
  }
  if (recovered.length !== 32 || aesKcv(recovered) !== result.kcv) {
    throw new KeywardError(
      'SELF_TEST_FAILED',
      `The wrapping self-test failed: the token's ${algorithm} wrap of a test key under a test RSA-${modulusBits} key did not unwrap to the same key. No bundle was made.`,
      'Do not export with this token. Run the capability probe, check the HSM with its vendor tools, and report the failure.',
    );
  }
  recovered.fill(0);
}
