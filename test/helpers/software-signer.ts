/** A real signer with the HSM's output format (RSA-PSS salt 32, ECDSA as r||s), for encoding tests without a token. */
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import type { Signer } from '../../src/main/x509/signer';
import type { SigningKeySpec } from '../../src/shared/keys';

export function softwareSigner(spec: SigningKeySpec): Signer {
  const { publicKey, privateKey } =
    spec === 'RSA_PSS_3072'
      ? generateKeyPairSync('rsa', { modulusLength: 3072 })
      : generateKeyPairSync('ec', { namedCurve: spec === 'ECDSA_P256' ? 'prime256v1' : 'secp384r1' });
  const hash = spec === 'ECDSA_P384' ? 'sha384' : 'sha256';
  return {
    spec,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    sign: (data) =>
      Promise.resolve(
        spec === 'RSA_PSS_3072'
          ? {
              hash,
              scheme: 'rsa-pss',
              signature: sign(hash, data, {
                key: privateKey,
                padding: constants.RSA_PKCS1_PSS_PADDING,
                saltLength: 32,
              }),
            }
          : {
              hash,
              scheme: 'ecdsa-p1363',
              signature: sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
            },
      ),
  };
}
