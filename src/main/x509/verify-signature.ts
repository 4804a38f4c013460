/** Verifies, in software, a signature the workstation key made in the HSM (RSA-PSS or ECDSA as r||s). */
import { constants, createPublicKey, verify } from 'node:crypto';
import type { Signature } from '../../shared/keys';

export function signatureValid(
  spki: Uint8Array,
  body: Uint8Array,
  signature: Pick<Signature, 'hash' | 'scheme' | 'signature'>,
): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    const bytes = Buffer.from(signature.signature);
    return signature.scheme === 'rsa-pss'
      ? verify(signature.hash, body, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, bytes)
      : verify(signature.hash, body, { key, dsaEncoding: 'ieee-p1363' }, bytes);
  } catch {
    return false;
  }
}
