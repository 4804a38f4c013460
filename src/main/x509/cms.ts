/**
 * Detached CMS SignedData (RFC 5652) over a file: the signature of bundle manifests, audit exports and
 * transcripts. One signer, identified by issuer and serial number, with its certificate included and
 * the signed attributes contentType, signingTime and messageDigest. The signature comes from the HSM;
 * verification needs only node:crypto, for the connected side.
 */
import forge from 'node-forge';
import { X509Certificate, constants, createHash, verify } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import type { SigningKeySpec } from '../../shared/keys';
import {
  contentBytes,
  contextTag,
  derToOid,
  explicit,
  fromDer,
  octets,
  oid,
  oids,
  seq,
  set,
  smallInteger,
  time,
  toDer,
  type Asn1,
} from './asn1';
import { digestAlgorithm, hashOf, signatureAlgorithm, signatureValue, type Signer } from './signer';
import { VerifiedOnce } from './verified-once';

const specs = new Map<string, SigningKeySpec>([
  [oids.rsassaPss, 'RSA_PSS_3072'],
  [oids.ecdsaWithSha256, 'ECDSA_P256'],
  [oids.ecdsaWithSha384, 'ECDSA_P384'],
]);

const attribute = (type: string, value: Asn1): Asn1 => seq([oid(type), set([value])]);

/** DER SET OF: members sorted by their encodings. */
function derSet(items: Asn1[]): Asn1 {
  return set(
    items
      .map((item) => ({ item, der: toDer(item) }))
      .sort((a, b) => Buffer.compare(a.der, b.der))
      .map(({ item }) => item),
  );
}

function issuerAndSerial(certificateDer: Uint8Array): Asn1 {
  const [tbs] = fromDer(certificateDer).value as Asn1[];
  const fields = (tbs?.value ?? []) as Asn1[];
  const [, serial, , issuer] = fields;
  if (!serial || !issuer)
    throw new KeywardError(
      'INVALID_REQUEST',
      'The signer certificate is not a valid X.509 certificate.',
      'Check the workstation certificate.',
    );
  return seq([issuer, serial]);
}

/** The signed content, given as its digest (for large files, hashed while streaming). */
export type DigestOf = (hash: 'sha256' | 'sha384') => Buffer;
export const digestOfBytes =
  (content: Uint8Array): DigestOf =>
  (hash) =>
    createHash(hash).update(content).digest();

export async function signDetached(
  content: DigestOf,
  signer: Signer,
  certificateDer: Uint8Array,
  signingTime: Date,
): Promise<Buffer> {
  const certificate = new X509Certificate(Buffer.from(certificateDer));
  if (!certificate.publicKey.export({ type: 'spki', format: 'der' }).equals(Buffer.from(signer.spki))) {
    throw new KeywardError(
      'INVALID_REQUEST',
      'The signer certificate is not the certificate of the signing key.',
      'Use the workstation certificate that belongs to the workstation signing key.',
    );
  }
  const hash = hashOf(signer.spec);
  const attributes = [
    attribute(oids.contentType, oid(oids.data)),
    attribute(oids.signingTime, time(signingTime)),
    attribute(oids.messageDigest, octets(content(hash))),
  ];
  const signedAttributes = derSet(attributes);
  const signature = signatureValue(await signer.sign(toDer(signedAttributes)));
  const der = assemble(signer.spec, certificateDer, signedAttributes.value as Asn1[], signature);
  verifyDetached(der, content); // never hand out a signature that does not verify
  return der;
}

/** The one form Keyward writes; the verifier rebuilds it from the parts it read and requires the same bytes. */
function assemble(
  spec: SigningKeySpec,
  certificateDer: Uint8Array,
  signedAttributes: Asn1[],
  signature: Buffer,
): Buffer {
  const hash = hashOf(spec);
  const signerInfo = seq([
    smallInteger(1),
    issuerAndSerial(certificateDer),
    digestAlgorithm(hash),
    contextTag(0, true, signedAttributes), // [0] IMPLICIT SET OF Attribute
    signatureAlgorithm(spec),
    octets(signature),
  ]);
  const signedData = seq([
    smallInteger(1),
    set([digestAlgorithm(hash)]),
    seq([oid(oids.data)]), // detached: no eContent
    contextTag(0, true, [fromDer(certificateDer)]), // [0] IMPLICIT CertificateSet
    set([signerInfo]),
  ]);
  return toDer(seq([oid(oids.signedData), explicit(0, signedData)]));
}

/** Signatures found valid (made here and read back, say): verified-once.ts. */
const signatures = new VerifiedOnce();

export interface VerifiedSignature {
  certificateDer: Buffer;
  signingTime: Date | undefined;
}

const invalid = (why: string): KeywardError =>
  new KeywardError(
    'SIGNATURE_INVALID',
    `The signature file is not valid: ${why}.`,
    "Do not use these files. Fetch them again from the workstation's media, or ask the officers to produce them again.",
  );

function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw invalid(`${what} is missing`);
  return node.value;
}

/**
 * Checks a detached signature over `content` and returns the signer certificate. Whether that
 * certificate is trusted (pinned fingerprint, organisation CA) is the caller's decision.
 */
export function verifyDetached(cmsDer: Uint8Array, content: DigestOf): VerifiedSignature {
  let root: Asn1;
  try {
    root = fromDer(cmsDer);
  } catch {
    throw invalid('it is not DER-encoded CMS');
  }
  const [contentType, wrapper] = children(root, 'the ContentInfo');
  if (!contentType || derToOid(contentType) !== oids.signedData) throw invalid('it is not CMS SignedData');
  const [, , encapsulated, certificates, signerInfos] = children(
    children(wrapper, 'the SignedData')[0],
    'the SignedData',
  );
  const [eContentType, eContent] = children(encapsulated, 'the encapsulated content');
  if (!eContentType || derToOid(eContentType) !== oids.data || eContent)
    throw invalid('it is not a detached signature over data');
  const certificateList = children(certificates, 'the signer certificate');
  const signers = children(signerInfos, 'the signer');
  if (certificateList.length !== 1 || signers.length !== 1)
    throw invalid('it must hold exactly one certificate and one signer');
  const certificateDer = toDer(certificateList[0] as Asn1);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificateDer);
  } catch {
    throw invalid('its certificate cannot be read');
  }
  const [, sid, digestAlg, signedAttrs, sigAlg, signatureNode] = children(signers[0], 'the signer');
  if (!sid || !signedAttrs || !sigAlg || !signatureNode) throw invalid('the signer is incomplete');
  if (!toDer(sid).equals(toDer(issuerAndSerial(certificateDer))))
    throw invalid('the signer is not the included certificate');
  const digestOid = derToOid(children(digestAlg, 'the digest algorithm')[0] as Asn1);
  const hash = digestOid === oids.sha256 ? 'sha256' : digestOid === oids.sha384 ? 'sha384' : undefined;
  if (!hash) throw invalid(`its digest algorithm (${digestOid}) is not SHA-256 or SHA-384`);

  const attributes = new Map<string, Asn1>();
  for (const a of children(signedAttrs, 'the signed attributes')) {
    const [type, values] = children(a, 'an attribute');
    const [value] = children(values, 'an attribute value');
    if (type && value) attributes.set(derToOid(type), value);
  }
  const declaredType = attributes.get(oids.contentType);
  if (!declaredType || derToOid(declaredType) !== oids.data)
    throw invalid('its content type attribute is missing or wrong');
  const digest = attributes.get(oids.messageDigest);
  if (!digest || !contentBytes(digest).equals(content(hash))) {
    throw invalid('the signed file has changed since it was signed (its digest does not match)');
  }

  const signedBytes = toDer(set(signedAttrs.value as Asn1[])); // the signature covers the attributes as a DER SET
  const signature = contentBytes(signatureNode);
  const algorithm = derToOid(children(sigAlg, 'the signature algorithm')[0] as Asn1);
  const spec = specs.get(algorithm);
  if (!spec || hashOf(spec) !== hash) throw invalid(`its signature algorithm (${algorithm}) is not one Keyward uses`);
  if (!assemble(spec, certificateDer, signedAttrs.value as Asn1[], signature).equals(Buffer.from(cmsDer))) {
    throw invalid('it is not in the form Keyward writes (a field was changed or added)');
  }
  let valid: boolean;
  try {
    const key = certificate.publicKey;
    valid = signatures.check([certificateDer, signedBytes, signature, spec], () =>
      spec === 'RSA_PSS_3072'
        ? verify('sha256', signedBytes, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
        : verify(hash, signedBytes, { key, dsaEncoding: 'der' }, signature),
    );
  } catch {
    valid = false; // an unreadable key or a malformed signature value
  }
  if (!valid) throw invalid('the signature does not verify against the signer certificate');
  const timeNode = attributes.get(oids.signingTime);
  const signingTime = timeNode ? parseTime(timeNode) : undefined;
  return { certificateDer, signingTime };
}

function parseTime(node: Asn1): Date | undefined {
  try {
    return node.type === forge.asn1.Type.UTCTIME
      ? forge.asn1.utcTimeToDate(node.value as string)
      : forge.asn1.generalizedTimeToDate(node.value as string);
  } catch {
    return undefined;
  }
}
