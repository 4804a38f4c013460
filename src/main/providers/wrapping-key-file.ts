/**
 * Reads a provider's wrapping public key from a file brought over the air gap: PEM (SPKI, PKCS#1 or an
 * X.509 certificate), DER (SPKI or certificate) or a JWK. Everything is checked and refused with a
 * precise reason; node:crypto does the parsing.
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { KeywardError } from '../../shared/errors';

export type WrappingKeySource = 'pem-spki' | 'pem-pkcs1' | 'pem-certificate' | 'der-spki' | 'der-certificate' | 'jwk';

export interface ParsedWrappingKey {
  spki: Buffer;
  modulusBits: number;
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex. */
  fingerprint: string;
  source: WrappingKeySource;
  /** For a certificate: its subject and validity, which the officers check too. */
  certificate?: { subject: string; notBefore: string; notAfter: string };
}

export const maxWrappingKeyFileBytes = 64 * 1024;

function refuse(
  why: string,
  nextStep = 'Ask the provider for its wrapping public key as a PEM or DER file, a certificate, or a JWK.',
): KeywardError {
  return new KeywardError('HSM_KEY_REJECTED', `The wrapping key file was refused: ${why}.`, nextStep);
}

interface Decoded {
  key: KeyObject;
  source: WrappingKeySource;
  certificate?: X509Certificate;
}

function fromPem(text: string): Decoded {
  const labels = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]);
  if (labels.length !== 1)
    throw refuse(
      labels.length === 0 ? 'it holds no PEM block' : `it holds ${labels.length} PEM blocks; give exactly one key`,
    );
  const label = labels[0];
  if (label?.includes('PRIVATE')) {
    throw refuse(
      'it contains a PRIVATE key',
      'Do not bring private keys to this workstation. Destroy this copy as your policy requires and ask the provider for the public key.',
    );
  }
  try {
    if (label === 'CERTIFICATE') {
      const certificate = new X509Certificate(text);
      return { key: certificate.publicKey, source: 'pem-certificate', certificate };
    }
    if (label === 'PUBLIC KEY') return { key: createPublicKey({ key: text, format: 'pem' }), source: 'pem-spki' };
    if (label === 'RSA PUBLIC KEY')
      return { key: createPublicKey({ key: text, format: 'pem', type: 'pkcs1' }), source: 'pem-pkcs1' };
  } catch (error) {
    throw refuse(`its ${label} block does not decode (${error instanceof Error ? error.message : String(error)})`);
  }
  throw refuse(`a "${label ?? ''}" block is not a public key or certificate`);
}

function fromJwk(text: string): Decoded {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw refuse('it starts like JSON but is not valid JSON');
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw refuse('the JSON is not a JWK object');
  const fields = jwk as Record<string, unknown>;
  if ('d' in fields || 'p' in fields) {
    throw refuse(
      'the JWK contains private key fields',
      'Do not bring private keys to this workstation. Ask the provider for the public JWK only.',
    );
  }
  if (fields.kty !== 'RSA' || typeof fields.n !== 'string' || typeof fields.e !== 'string')
    throw refuse('the JWK is not an RSA public key (kty "RSA" with n and e)');
  try {
    return { key: createPublicKey({ key: { kty: 'RSA', n: fields.n, e: fields.e }, format: 'jwk' }), source: 'jwk' };
  } catch (error) {
    throw refuse(`the JWK does not decode (${error instanceof Error ? error.message : String(error)})`);
  }
}

function fromDer(der: Buffer): Decoded {
  try {
    const certificate = new X509Certificate(der);
    return { key: certificate.publicKey, source: 'der-certificate', certificate };
  } catch {
    // Not a certificate; try a bare key next.
  }
  try {
    return { key: createPublicKey({ key: der, format: 'der', type: 'spki' }), source: 'der-spki' };
  } catch {
    throw refuse('it is neither PEM, JSON (JWK), a DER public key (SPKI) nor a DER certificate');
  }
}

export function parseWrappingKey(bytes: Uint8Array): ParsedWrappingKey {
  if (bytes.length === 0) throw refuse('the file is empty');
  if (bytes.length > maxWrappingKeyFileBytes)
    throw refuse(`the file is ${bytes.length} bytes; a public key file is at most ${maxWrappingKeyFileBytes}`);
  const buffer = Buffer.from(bytes);
  const text = buffer.toString('utf8').trim();
  const parsed: Decoded = text.startsWith('{')
    ? fromJwk(text)
    : text.includes('-----BEGIN')
      ? fromPem(text)
      : fromDer(buffer);
  const { key } = parsed;
  if (key.asymmetricKeyType !== 'rsa')
    throw refuse(`the key is ${key.asymmetricKeyType ?? 'of an unknown type'}, not RSA`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw refuse(`the RSA key has ${bits} bits; at least 2048 are required`);
  const exponent = key.asymmetricKeyDetails?.publicExponent;
  if (exponent !== 65537n) throw refuse(`the RSA public exponent is ${String(exponent)}; only 65537 is accepted`);
  const spki = key.export({ type: 'spki', format: 'der' });
  const cert = parsed.certificate;
  const certificate = cert
    ? {
        subject: cert.subject,
        notBefore: new Date(cert.validFrom).toISOString(),
        notAfter: new Date(cert.validTo).toISOString(),
      }
    : undefined;
  return {
    spki,
    modulusBits: bits,
    fingerprint: createHash('sha256').update(spki).digest('hex'),
    source: parsed.source,
    ...(certificate ? { certificate } : {}),
  };
}
