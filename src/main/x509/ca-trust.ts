/**
 * The organisation's CA as the trust anchor of a signature (`--ca FILE`), for bundles and audit exports
 * alike. Being issued by the CA is not enough: the CA certificate must be a CA allowed to sign
 * certificates, the signer certificate an end entity allowed to sign and issued to a Keyward workstation
 * (the Keyward workstation extended key usage: the CA also issues everyone's e-mail and code-signing
 * certificates), and both valid when the signature was made. Each problem is named in words an officer
 * can act on.
 */
import forge from 'node-forge';
import { X509Certificate } from 'node:crypto';
import { keywardWorkstationEku } from '../../shared/keyward-eku';
import { asn1Classes, contentBytes, derToOid, fromDer, oids, type Asn1 } from './asn1';

/** RFC 5280 KeyUsage bits, by position. */
const keyUsageBits = [
  'digitalSignature',
  'contentCommitment',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsage = (typeof keyUsageBits)[number];

/** What the trust decision needs from a certificate, read from its DER. */
export interface CertificateFacts {
  notBefore: Date;
  notAfter: Date;
  /** basicConstraints cA (false when the extension is absent). */
  isCa: boolean;
  /** basicConstraints pathLenConstraint, when given. */
  pathLength: number | undefined;
  /** The keyUsage bits set; undefined when the certificate has no keyUsage extension (no restriction). */
  keyUsage: ReadonlySet<KeyUsage> | undefined;
  /** The extendedKeyUsage purposes (OIDs); undefined when the certificate has no such extension. */
  extendedKeyUsage: readonly string[] | undefined;
}

const { Type } = forge.asn1;

function children(node: Asn1 | undefined): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error('not a certificate');
  return node.value;
}

function asn1Time(node: Asn1 | undefined): Date {
  if (!node || typeof node.value !== 'string') throw new Error('no validity');
  const date =
    node.type === Type.UTCTIME
      ? forge.asn1.utcTimeToDate(node.value)
      : node.type === Type.GENERALIZEDTIME
        ? forge.asn1.generalizedTimeToDate(node.value)
        : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new Error('no validity');
  return date;
}

/** An OID's dotted form from its DER content. Arcs of any size: forge stops at 32 bits, and UUID arcs (2.25) are 128. */
function oidText(content: Buffer): string {
  const arcs: bigint[] = [];
  let arc = 0n;
  for (const [i, byte] of content.entries()) {
    // DER encodes each arc in as few bytes as it takes: no leading 0x80.
    if (arc === 0n && byte === 0x80) throw new Error('an OID arc is not in DER');
    arc = (arc << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(arc);
      arc = 0n;
    } else if (i === content.length - 1) {
      throw new Error('an OID ends mid-arc');
    }
  }
  const [first, ...rest] = arcs;
  if (first === undefined) throw new Error('an OID is empty');
  const root = first < 40n ? 0n : first < 80n ? 1n : 2n;
  return [root, first - root * 40n, ...rest].join('.');
}

/** Reads validity, basicConstraints, keyUsage and extendedKeyUsage at the ASN.1 level (forge's certificate parser refuses EC keys). */
export function certificateFacts(certificate: X509Certificate): CertificateFacts {
  const tbs = children(children(fromDer(certificate.raw))[0]);
  const versioned = tbs[0]?.tagClass === asn1Classes.CONTEXT_SPECIFIC ? 1 : 0;
  const [notBefore, notAfter] = children(tbs[3 + versioned]);
  const extensions = new Map<string, Buffer>();
  const extensionsField = tbs.find(
    (field) => field.tagClass === asn1Classes.CONTEXT_SPECIFIC && (field.type as number) === 3,
  );
  for (const extension of extensionsField ? children(children(extensionsField)[0]) : []) {
    const parts = children(extension);
    const id = derToOid(parts[0] as Asn1);
    // A certificate saying the same thing twice may say two different things: RFC 5280 forbids it.
    if (extensions.has(id)) throw new Error(`extension ${id} appears twice`);
    extensions.set(id, contentBytes(parts[parts.length - 1] as Asn1));
  }
  const basicConstraints = extensions.get(oids.basicConstraints);
  const [caFlag, pathLengthField] = basicConstraints ? children(fromDer(basicConstraints)) : [];
  const keyUsageDer = extensions.get(oids.keyUsage);
  let keyUsage: Set<KeyUsage> | undefined;
  if (keyUsageDer) {
    const bits = contentBytes(fromDer(keyUsageDer)).subarray(1); // after the count of unused bits
    keyUsage = new Set(keyUsageBits.filter((_, i) => ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0));
  }
  const extendedKeyUsageDer = extensions.get(oids.extKeyUsage);
  const extendedKeyUsage = extendedKeyUsageDer
    ? children(fromDer(extendedKeyUsageDer)).map((purpose) => {
        if (purpose.type !== Type.OID) throw new Error('an extended key usage is not an OID');
        return oidText(contentBytes(purpose));
      })
    : undefined;
  return {
    notBefore: asn1Time(notBefore),
    notAfter: asn1Time(notAfter),
    isCa: caFlag?.type === Type.BOOLEAN && caFlag.value !== '\x00',
    pathLength:
      pathLengthField?.type === Type.INTEGER && typeof pathLengthField.value === 'string'
        ? forge.util.bytesToHex(pathLengthField.value).length > 0
          ? parseInt(forge.util.bytesToHex(pathLengthField.value), 16)
          : 0
        : undefined,
    keyUsage,
    extendedKeyUsage,
  };
}

const subjectOf = (certificate: X509Certificate): string => certificate.subject.replace(/\n/g, ', ');
// To the second, as certificates state their validity.
const instant = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function signedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return certificate.issuer === issuer.subject && certificate.verify(issuer.publicKey);
  } catch {
    return false; // a key of another type, or an unreadable signature
  }
}

/**
 * Everything that keeps `signer` from being trusted through the CA certificate `caCertificate` (PEM or
 * DER) for a signature made at `signedAt`; empty when it is trusted.
 */
export function caTrustProblems(
  signer: X509Certificate,
  caCertificate: Uint8Array,
  signedAt: Date | undefined,
): string[] {
  let ca: X509Certificate;
  let caFacts: CertificateFacts;
  try {
    ca = new X509Certificate(Buffer.from(caCertificate));
    caFacts = certificateFacts(ca);
  } catch {
    return ["the CA certificate given cannot be read: give the organisation's CA certificate as a PEM or DER file"];
  }
  const signerSubject = subjectOf(signer);
  let signerFacts: CertificateFacts;
  try {
    signerFacts = certificateFacts(signer);
  } catch {
    return [`the signer certificate (${signerSubject}) cannot be read as an X.509 certificate with valid extensions`];
  }
  const caSubject = subjectOf(ca);
  const problems: string[] = [];
  if (!caFacts.isCa)
    problems.push(
      `the certificate given as the CA (${caSubject}) is not a CA certificate (its basic constraints do not mark it as a CA), so it cannot vouch for a workstation`,
    );
  if (caFacts.keyUsage && !caFacts.keyUsage.has('keyCertSign'))
    problems.push(
      `the certificate given as the CA (${caSubject}) is not allowed to sign certificates (its key usage lacks keyCertSign)`,
    );
  if (signer.raw.equals(ca.raw)) {
    problems.push(
      `the signer certificate (${signerSubject}) is the certificate given as the CA: a workstation's own self-signed certificate is pinned with --signer-fingerprint, not given as a CA`,
    );
    return problems;
  }
  if (!signedBy(signer, ca)) {
    problems.push(`the signer certificate (${signerSubject}) was not issued by the CA given (${caSubject})`);
    return problems; // what else it says about itself is not the CA's word
  }
  // A Keyward workstation certifies its officers' approval keys (end entities only): a CA with path length 0.
  if (signerFacts.isCa && signerFacts.pathLength !== 0)
    problems.push(
      `the signer certificate (${signerSubject}) is a CA certificate that may issue further CAs (no path length of 0): the CA issued it to sign certificates, not bundles or audit exports`,
    );
  if (signerFacts.keyUsage && !signerFacts.keyUsage.has('digitalSignature'))
    problems.push(
      `the signer certificate (${signerSubject}) is not allowed to make signatures (its key usage lacks digitalSignature)`,
    );
  // Anything else the CA issued (an employee's e-mail or code-signing certificate) must not pass for a workstation.
  if (!signerFacts.extendedKeyUsage?.includes(keywardWorkstationEku)) {
    problems.push(
      `the signer certificate (${signerSubject}) lacks the Keyward workstation extended key usage (${keywardWorkstationEku}): the CA issued it for another purpose, not to a Keyward workstation. A workstation's certificate is trusted through the CA only when the CA includes the extended key usage ${keywardWorkstationEku} in it`,
    );
  }
  if (!signedAt) {
    problems.push(
      "what was signed does not say when it was signed, so the certificates' validity at that time cannot be checked",
    );
    return problems;
  }
  const validity = (what: string, facts: CertificateFacts): string | undefined =>
    signedAt < facts.notBefore
      ? `${what} was not yet valid when the signature was made (${instant(signedAt)}; valid from ${instant(facts.notBefore)} to ${instant(facts.notAfter)})`
      : signedAt > facts.notAfter
        ? `${what} had expired when the signature was made (${instant(signedAt)}; valid from ${instant(facts.notBefore)} to ${instant(facts.notAfter)})`
        : undefined;
  for (const problem of [
    validity(`the signer certificate (${signerSubject})`, signerFacts),
    validity(`the CA certificate (${caSubject})`, caFacts),
  ]) {
    if (problem) problems.push(problem);
  }
  return problems;
}
