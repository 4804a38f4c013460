/**
 * Key templates, one comment per security attribute. The CMK is never usable for anything but being
 * wrapped for its provider (or a backup), and only by a key the security officer marked trusted.
 */
import pkcs11js from 'pkcs11js';
import { cmkShapes, type CmkSpec, type EcCurve, type SigningKeySpec } from '../../../shared/keys';

export type Template = pkcs11js.Template;

/** DER OIDs for CKA_EC_PARAMS (namedCurve). */
/** CKA_EC_PARAMS: the curve's named-curve OID, DER. */
export const curveParams: Record<EcCurve, Buffer> = {
  'P-256': Buffer.from('06082a8648ce3d030107', 'hex'), // 1.2.840.10045.3.1.7 prime256v1
  'P-384': Buffer.from('06052b81040022', 'hex'), // 1.3.132.0.34 secp384r1
  'P-521': Buffer.from('06052b81040023', 'hex'), // 1.3.132.0.35 secp521r1
  secp256k1: Buffer.from('06052b8104000a', 'hex'), // 1.3.132.0.10 secp256k1
};

/** The curve CKA_EC_PARAMS names, if it is one Keyward knows. */
export const curveOfParams = (params: Buffer | undefined): EcCurve | undefined =>
  (Object.keys(curveParams) as EcCurve[]).find((curve) => params?.equals(curveParams[curve]));

/** Bytes of one coordinate on each curve. */
export const coordinateBytes: Record<EcCurve, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66, secp256k1: 32 };

/** A DER OCTET STRING around bytes (CKA_EC_POINT): P-521's point needs the long length form. */
export function derOctetString(bytes: Buffer): Buffer {
  const length =
    bytes.length < 0x80
      ? Buffer.from([bytes.length])
      : bytes.length < 0x100
        ? Buffer.from([0x81, bytes.length])
        : Buffer.from([0x82, bytes.length >> 8, bytes.length & 0xff]);
  return Buffer.concat([Buffer.from([0x04]), length, bytes]);
}

const rsaExponent = Buffer.from([0x01, 0x00, 0x01]); // 65537

interface Identity {
  id: Buffer;
  label: string;
}

/** Attributes every CMK object (secret key or private key) carries. */
function cmkProtection({ id, label }: Identity): Template {
  return [
    { type: pkcs11js.CKA_ID, value: id },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_TOKEN, value: true }, // persists on the token
    { type: pkcs11js.CKA_PRIVATE, value: true }, // invisible and unusable without a user login
    { type: pkcs11js.CKA_SENSITIVE, value: true }, // the value can never be read in clear
    { type: pkcs11js.CKA_EXTRACTABLE, value: true }, // may leave the token, but only wrapped...
    { type: pkcs11js.CKA_WRAP_WITH_TRUSTED, value: true }, // ...and only by a key the SO marked trusted
    { type: pkcs11js.CKA_DERIVE, value: false }, // no keys derived from the CMK
  ];
}

/**
 * How a CMK is sealed: once created, no attribute can be changed and no copy made. What a token refuses is
 * left out, and said (keys.ts): CKA_COPYABLE alone (NSS refuses it on token objects), or both (a pre-v2.40 token).
 */
export type Sealing = 'sealed' | 'no-copyable' | 'none';

/** Always last: SoftHSM applies an unwrap template in order and refuses what follows CKA_MODIFIABLE=false. */
function sealed(template: Template, sealing: Sealing): Template {
  return [
    ...template,
    ...(sealing === 'sealed'
      ? [{ type: pkcs11js.CKA_COPYABLE, value: false }] // no copies in the token: a copy could be given uses the CMK never has
      : []),
    ...(sealing === 'none' ? [] : [{ type: pkcs11js.CKA_MODIFIABLE, value: false }]),
  ];
}

/** The CMK does no cryptography itself: it is a key to hand over, not a key to use here. */
const noUse = (attrs: number[]): Template => attrs.map((type) => ({ type, value: false }));

export interface CmkTemplates {
  mechanism: number;
  /** For a secret key. */
  secret?: Template;
  /** For a key pair. */
  publicKey?: Template;
  privateKey?: Template;
}

export function cmkTemplates(spec: CmkSpec, identity: Identity, sealing: Sealing): CmkTemplates {
  const protection = cmkProtection(identity);
  const publicPart = (extra: Template): Template => [
    { type: pkcs11js.CKA_ID, value: identity.id },
    { type: pkcs11js.CKA_LABEL, value: identity.label },
    { type: pkcs11js.CKA_TOKEN, value: true }, // kept beside the private key, for its KCV and for providers
    { type: pkcs11js.CKA_PRIVATE, value: false }, // a public key is public
    ...noUse([pkcs11js.CKA_ENCRYPT, pkcs11js.CKA_VERIFY, pkcs11js.CKA_WRAP]), // not used on this workstation
    ...extra,
  ];
  const privateNoUse = noUse([pkcs11js.CKA_DECRYPT, pkcs11js.CKA_SIGN, pkcs11js.CKA_UNWRAP]);
  const shape = cmkShapes[spec];
  switch (shape.kind) {
    case 'aes':
    case 'hmac': {
      const aes = shape.kind === 'aes';
      return {
        mechanism: aes ? pkcs11js.CKM_AES_KEY_GEN : pkcs11js.CKM_GENERIC_SECRET_KEY_GEN,
        secret: sealed(
          [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
            { type: pkcs11js.CKA_KEY_TYPE, value: aes ? pkcs11js.CKK_AES : pkcs11js.CKK_GENERIC_SECRET },
            { type: pkcs11js.CKA_VALUE_LEN, value: shape.bytes },
            ...protection,
            ...noUse([
              pkcs11js.CKA_ENCRYPT,
              pkcs11js.CKA_DECRYPT,
              pkcs11js.CKA_SIGN,
              pkcs11js.CKA_VERIFY,
              pkcs11js.CKA_WRAP,
              pkcs11js.CKA_UNWRAP,
            ]),
          ],
          sealing,
        ),
      };
    }
    case 'rsa':
      return {
        mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN,
        publicKey: publicPart([
          { type: pkcs11js.CKA_MODULUS_BITS, value: shape.bits },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: rsaExponent },
        ]),
        privateKey: sealed([...protection, ...privateNoUse], sealing),
      };
    case 'ec':
      return {
        mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN,
        publicKey: publicPart([{ type: pkcs11js.CKA_EC_PARAMS, value: curveParams[shape.curve] }]),
        privateKey: sealed([...protection, ...privateNoUse], sealing),
      };
  }
}

/** Workstation signing keys: they sign bundles and audit checkpoints, and never leave the token. */
/** What a workstation signing key's private half must read back as after generation (a token may couple uses). */
export const signingKeyExpected: [number, string, boolean][] = [
  [pkcs11js.CKA_SIGN, 'CKA_SIGN', true],
  [pkcs11js.CKA_SENSITIVE, 'CKA_SENSITIVE', true],
  [pkcs11js.CKA_EXTRACTABLE, 'CKA_EXTRACTABLE', false],
  [pkcs11js.CKA_DECRYPT, 'CKA_DECRYPT', false],
  [pkcs11js.CKA_UNWRAP, 'CKA_UNWRAP', false],
  [pkcs11js.CKA_DERIVE, 'CKA_DERIVE', false],
];

export function signingKeyTemplates(
  spec: SigningKeySpec,
  { id, label }: Identity,
): Required<Omit<CmkTemplates, 'secret'>> {
  const common = (isPrivate: boolean): Template => [
    { type: pkcs11js.CKA_ID, value: id },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_TOKEN, value: true }, // persists on the token
    { type: pkcs11js.CKA_PRIVATE, value: isPrivate }, // the private half needs a login; the public half is public
  ];
  const privateKey: Template = [
    ...common(true),
    { type: pkcs11js.CKA_SENSITIVE, value: true }, // never readable in clear
    { type: pkcs11js.CKA_EXTRACTABLE, value: false }, // never leaves the token, not even wrapped
    { type: pkcs11js.CKA_SIGN, value: true }, // its only use
    ...noUse([pkcs11js.CKA_DECRYPT, pkcs11js.CKA_UNWRAP, pkcs11js.CKA_DERIVE]),
  ];
  // Anyone can verify or encrypt with a public key in software, so its uses are not set beyond refusing
  // wraps: tpm2-pkcs11 refuses CKA_ENCRYPT=false, and given CKA_VERIFY=true lets the private half decrypt.
  const publicKey: Template = [...common(false), ...noUse([pkcs11js.CKA_WRAP])];
  if (spec === 'RSA_PSS_3072') {
    return {
      mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN,
      publicKey: [
        ...publicKey,
        { type: pkcs11js.CKA_MODULUS_BITS, value: 3072 },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: rsaExponent },
      ],
      privateKey,
    };
  }
  return {
    mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN,
    publicKey: [
      ...publicKey,
      { type: pkcs11js.CKA_EC_PARAMS, value: spec === 'ECDSA_P256' ? curveParams['P-256'] : curveParams['P-384'] },
    ],
    privateKey,
  };
}

// ---- Nested templates (CKA_UNWRAP_TEMPLATE) and keys that cannot be copied ----

/** An attribute inside a nested template: what the patched pkcs11js passes (CK_BBOOL, CK_ULONG, bytes). */
export interface NestedAttribute {
  type: number;
  value: boolean | number | Buffer;
}

/** An attribute whose value is a template of its own (CKF_ARRAY_ATTRIBUTE). */
export interface TemplateAttribute {
  type: number;
  value: readonly NestedAttribute[];
}

/** A template that may hold nested templates; only C_GenerateKey and C_CreateObject are declared to take one. */
export type TemplateWithNested = (pkcs11js.Attribute | TemplateAttribute)[];

/**
 * pkcs11js 2.1.7 takes no nested template (an Array value crashed the process); patches/pkcs11js+2.1.7.patch,
 * applied at npm install, teaches it to. Its types stay as published: these overloads declare what the patch
 * adds, for the two calls Keyward makes with an unwrap template.
 */
declare module 'pkcs11js' {
  interface PKCS11 {
    C_GenerateKey(session: Handle, mechanism: Mechanism, template: TemplateWithNested): Handle;
    C_CreateObject(session: Handle, template: TemplateWithNested): Handle;
  }
}

/**
 * CKA_UNWRAP_TEMPLATE: every key unwrapped with the key carrying it has these values. SoftHSM refuses
 * (CKR_TEMPLATE_INCONSISTENT) an unwrap whose own template omits one or asks for another value.
 */
export function unwrapTemplate(attributes: NestedAttribute[]): TemplateAttribute {
  return { type: pkcs11js.CKA_UNWRAP_TEMPLATE, value: attributes };
}

/**
 * Makes a key with CKA_COPYABLE=false in its template (`noCopies`), or, where the token does not know the
 * attribute (CKR_ATTRIBUTE_TYPE_INVALID: older than PKCS#11 v2.40), once more without it. Nothing else is
 * dropped: CKA_MODIFIABLE=false (v2.20) still fixes the key's uses, and a refused unwrap template fails both.
 */
export function withNoCopiesWhereKnown<T>(create: (noCopies: Template) => T): T {
  try {
    return create([{ type: pkcs11js.CKA_COPYABLE, value: false }]);
  } catch (error) {
    if (!(error instanceof Error) || error.message !== 'CKR_ATTRIBUTE_TYPE_INVALID') throw error;
    return create([]);
  }
}
