/** Small builders over node-forge's ASN.1 encoder, so certificates and CMS read like their RFC structures. */
import forge from 'node-forge';

export type Asn1 = forge.asn1.Asn1;
const { asn1 } = forge;
export const asn1Classes = asn1.Class;

export const oids = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  mgf1: '1.2.840.113549.1.1.8',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
} as const;

const universal = asn1.Class.UNIVERSAL;
const bytes = (value: Uint8Array): string => Buffer.from(value).toString('binary');

export const seq = (items: Asn1[]): Asn1 => asn1.create(universal, asn1.Type.SEQUENCE, true, items);
export const set = (items: Asn1[]): Asn1 => asn1.create(universal, asn1.Type.SET, true, items);
export const oid = (value: string): Asn1 =>
  asn1.create(universal, asn1.Type.OID, false, asn1.oidToDer(value).getBytes());
export const nullValue = (): Asn1 => asn1.create(universal, asn1.Type.NULL, false, '');
export const bool = (value: boolean): Asn1 => asn1.create(universal, asn1.Type.BOOLEAN, false, value ? '\xff' : '\x00');
export const utf8 = (value: string): Asn1 =>
  asn1.create(universal, asn1.Type.UTF8, false, forge.util.encodeUtf8(value));
export const octets = (value: Uint8Array): Asn1 => asn1.create(universal, asn1.Type.OCTETSTRING, false, bytes(value));
/** A BIT STRING whose first content byte is the count of unused bits. */
export const bitString = (unusedBits: number, value: Uint8Array): Asn1 =>
  asn1.create(universal, asn1.Type.BITSTRING, false, String.fromCharCode(unusedBits) + bytes(value));
/** A context-specific [tag]. forge types every tag number as a universal type; here it is only a number. */
export const contextTag = (tag: number, constructed: boolean, value: Asn1[] | string): Asn1 =>
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- context-specific tag numbers are not universal types
  asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, constructed, value);
export const explicit = (tag: number, inner: Asn1): Asn1 => contextTag(tag, true, [inner]);

/** A non-negative INTEGER from big-endian bytes (a leading zero is added where the top bit is set). */
export function unsignedInteger(value: Uint8Array): Asn1 {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start += 1;
  const trimmed = Buffer.from(value.subarray(start));
  const content = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return asn1.create(universal, asn1.Type.INTEGER, false, bytes(content));
}

export const smallInteger = (value: number): Asn1 =>
  asn1.create(universal, asn1.Type.INTEGER, false, asn1.integerToDer(value).getBytes());

/** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(universal, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(universal, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

export const toDer = (value: Asn1): Buffer => Buffer.from(asn1.toDer(value).getBytes(), 'binary');
// forge takes an options object here; its type declarations know only the older boolean form.
const parseDer = asn1.fromDer as unknown as (
  der: string,
  options: { strict: boolean; decodeBitStrings: boolean; parseAllBytes: boolean },
) => Asn1;
/** Strict DER, whole input; BIT STRINGs are kept as bytes so re-encoding reproduces them exactly. */
export const fromDer = (der: Uint8Array): Asn1 =>
  parseDer(bytes(der), { strict: true, decodeBitStrings: false, parseAllBytes: true });
export const derToOid = (value: Asn1): string => asn1.derToOid(value.value as string);
export const contentBytes = (value: Asn1): Buffer => Buffer.from(value.value as string, 'binary');

export interface DistinguishedName {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
}

export function name(dn: DistinguishedName): Asn1 {
  const rdn = (type: string, value: string) => set([seq([oid(type), utf8(value)])]);
  return seq([
    ...(dn.organization ? [rdn(oids.organizationName, dn.organization)] : []),
    ...(dn.organizationalUnit ? [rdn(oids.organizationalUnitName, dn.organizationalUnit)] : []),
    rdn(oids.commonName, dn.commonName),
  ]);
}
