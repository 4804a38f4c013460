/**
 * X.509 v3 certificates signed in the HSM: the workstation's own (self-signed, a CA for the officers'
 * approval keys) and the officers' approval-key certificates it issues. The TBSCertificate is built here,
 * its signature comes from the token, and the finished certificate is verified before it is returned.
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import {
  asn1Classes,
  bitString,
  bool,
  contextTag,
  explicit,
  fromDer,
  name,
  octets,
  oid,
  oids,
  seq,
  smallInteger,
  time,
  toDer,
  unsignedInteger,
  type Asn1,
  type DistinguishedName,
} from './asn1';
import { keyIdentifier, signatureAlgorithm, signatureValue, type Signer } from './signer';

export type CertificateProfile =
  /** The workstation key: signs bundles, checkpoints and transcripts, and certifies approval keys. */
  | 'workstation'
  /** An officer's approval key: signs approvals of ceremony steps. */
  | 'approval';

export interface CertificateRequest {
  profile: CertificateProfile;
  subject: DistinguishedName;
  subjectSpki: Uint8Array;
  /** Absent for a self-signed certificate; the issuer's name is copied from its certificate, byte for byte. */
  issuer?: { certificateDer: Uint8Array };
  serial: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

const forgeContext = asn1Classes.CONTEXT_SPECIFIC;

const extension = (id: string, critical: boolean, value: Asn1): Asn1 =>
  seq([oid(id), ...(critical ? [bool(true)] : []), octets(toDer(value))]);

function extensions(request: CertificateRequest, issuerSpki: Uint8Array): Asn1 {
  const ca = request.profile === 'workstation';
  const authorityKeyId = contextTag(0, false, keyIdentifier(issuerSpki).toString('binary')); // [0] IMPLICIT KeyIdentifier
  return explicit(
    3,
    seq([
      // A CA that may certify only end entities (path length 0); an approval key certifies nothing.
      extension(oids.basicConstraints, true, seq(ca ? [bool(true), smallInteger(0)] : [])),
      // workstation: digitalSignature, keyCertSign, cRLSign; approval: digitalSignature, contentCommitment.
      extension(oids.keyUsage, true, ca ? bitString(1, Buffer.from([0x86])) : bitString(6, Buffer.from([0xc0]))),
      extension(oids.subjectKeyIdentifier, false, octets(keyIdentifier(request.subjectSpki))),
      extension(oids.authorityKeyIdentifier, false, seq([authorityKeyId])),
    ]),
  );
}

/** The subject Name of a certificate, as encoded there (chain building compares names byte for byte). */
function subjectNameOf(certificateDer: Uint8Array): Asn1 {
  const [tbs] = fromDer(certificateDer).value as Asn1[];
  const fields = (tbs?.value ?? []) as Asn1[];
  const subject = fields[0]?.tagClass === forgeContext ? fields[5] : fields[4];
  if (!subject)
    throw new KeywardError(
      'INVALID_REQUEST',
      'The issuer certificate cannot be read.',
      'Check the workstation certificate.',
    );
  return subject;
}

export async function issueCertificate(request: CertificateRequest, signer: Signer): Promise<Buffer> {
  const issuerCertificate = request.issuer
    ? new X509Certificate(Buffer.from(request.issuer.certificateDer))
    : undefined;
  const issuerSpki = issuerCertificate
    ? issuerCertificate.publicKey.export({ type: 'spki', format: 'der' })
    : Buffer.from(request.subjectSpki);
  if (!Buffer.from(signer.spki).equals(issuerSpki)) {
    throw new KeywardError(
      'INVALID_REQUEST',
      "The certificate would be signed by a key other than its issuer's.",
      'Sign with the workstation signing key named in the issuer certificate.',
    );
  }
  if (request.serial.length === 0 || request.serial.length > 19 || request.serial.every((b) => b === 0)) {
    // 19 bytes at most: with the sign byte an INTEGER may need, RFC 5280 allows 20 octets.
    throw new KeywardError(
      'INVALID_REQUEST',
      'A certificate serial number must be 1 to 19 bytes and not zero.',
      'Use 16 random bytes.',
    );
  }
  const algorithm = signatureAlgorithm(signer.spec);
  const tbs = seq([
    explicit(0, smallInteger(2)), // version 3
    unsignedInteger(request.serial),
    algorithm,
    request.issuer ? subjectNameOf(request.issuer.certificateDer) : name(request.subject),
    seq([time(request.notBefore), time(request.notAfter)]),
    name(request.subject),
    fromDer(request.subjectSpki),
    extensions(request, issuerSpki),
  ]);
  const signature = await signer.sign(toDer(tbs));
  const der = toDer(seq([tbs, signatureAlgorithm(signer.spec), bitString(0, signatureValue(signature))]));
  const issued = new X509Certificate(der);
  if (!issued.verify(createPublicKey({ key: issuerSpki, format: 'der', type: 'spki' }))) {
    throw new KeywardError(
      'HSM_SIGNATURE_INVALID',
      'The certificate the HSM signed does not verify against the issuer key. Nothing was written.',
      'Stop and check the workstation signing key and the HSM.',
    );
  }
  return der;
}
