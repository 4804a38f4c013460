/**
 * A wrap opened in software, as the provider opens it: RSA-OAEP with the private key, and for RSA-AES
 * key wrap the AES key it carries then unwrapping RFC 5649 (RSA-OAEP(ephemeral) || AES-KWP(key)). Used
 * only with published test keys: the pre-export self-test and the known answer of a token's own
 * CKM_RSA_AES_KEY_WRAP. Undefined when it does not open at all.
 */
import { constants, createDecipheriv, privateDecrypt, type KeyObject } from 'node:crypto';
import type { OaepHash } from '../../shared/keys';

export function openWrapped(
  kind: 'oaep' | 'rsa-aes',
  hash: OaepHash,
  privateKey: KeyObject,
  modulusBits: number,
  wrapped: Buffer,
): Buffer | undefined {
  try {
    const oaep = (bytes: Buffer) =>
      privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, bytes);
    if (kind === 'oaep') return oaep(wrapped);
    const rsaBytes = modulusBits / 8;
    // RFC 5649's alternative initial value; node's id-aes256-wrap-pad is RFC 5649.
    const decipher = createDecipheriv(
      'id-aes256-wrap-pad',
      oaep(wrapped.subarray(0, rsaBytes)),
      Buffer.from('A65959A6', 'hex'),
    );
    return Buffer.concat([decipher.update(wrapped.subarray(rsaBytes)), decipher.final()]);
  } catch {
    return undefined;
  }
}
