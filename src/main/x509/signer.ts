/**
 * The signature side of certificates and CMS: a key in the HSM that signs data and hands back a
 * signature already verified against its public key (see src/main/hsm/host/signing.ts).
 */
import { createHash } from 'node:crypto';
import type { Signature, SigningKeySpec } from '../../shared/keys';
import {
  contentBytes,
  explicit,
  fromDer,
  nullValue,
  oid,
  oids,
  seq,
  smallInteger,
  toDer,
  unsignedInteger,
  type Asn1,
} from './asn1';

export interface Signer {
  spec: SigningKeySpec;
  /** DER SubjectPublicKeyInfo of the signing key. */
  spki: Uint8Array;
  sign(data: Uint8Array): Promise<Signature>;
}

export const hashOf = (spec: SigningKeySpec): 'sha256' | 'sha384' => (spec === 'ECDSA_P384' ? 'sha384' : 'sha256');

export function digestAlgorithm(hash: 'sha256' | 'sha384'): Asn1 {
  return seq([oid(hash === 'sha256' ? oids.sha256 : oids.sha384), nullValue()]);
}

/** The AlgorithmIdentifier of a signature: RSASSA-PSS with its parameters (RFC 4055), or ECDSA with SHA-2 (RFC 5758). */
export function signatureAlgorithm(spec: SigningKeySpec): Asn1 {
  if (spec === 'RSA_PSS_3072') {
    return seq([
      oid(oids.rsassaPss),
      seq([
        explicit(0, digestAlgorithm('sha256')),
        explicit(1, seq([oid(oids.mgf1), digestAlgorithm('sha256')])),
        explicit(2, smallInteger(32)),
      ]),
    ]);
  }
  return seq([oid(spec === 'ECDSA_P384' ? oids.ecdsaWithSha384 : oids.ecdsaWithSha256)]);
}

/** X.509 and CMS carry ECDSA signatures as DER SEQUENCE { r, s }; the token returns r || s. */
export function signatureValue(signature: Signature): Buffer {
  const raw = Buffer.from(signature.signature);
  if (signature.scheme === 'rsa-pss') return raw;
  const half = raw.length / 2;
  return toDer(seq([unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half))]));
}

/** RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits. */
export function keyIdentifier(spki: Uint8Array): Buffer {
  const [, subjectPublicKey] = fromDer(spki).value as Asn1[];
  if (!subjectPublicKey) throw new Error('not a SubjectPublicKeyInfo');
  return createHash('sha256').update(contentBytes(subjectPublicKey).subarray(1)).digest().subarray(0, 20);
}
