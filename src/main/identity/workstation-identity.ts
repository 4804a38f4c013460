/**
 * The workstation's signing identity: a key pair generated in the HSM and a self-signed certificate for
 * it, also signed in the HSM. It signs audit checkpoints and exports, bundles and transcripts, and
 * certifies the officers' approval keys.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import type { WorkstationIdentity } from '../../shared/inventory';
import type { SigningKey, SigningKeySpec } from '../../shared/keys';
import type { HsmClient } from '../hsm/client/client';
import { newObjectId } from '../hsm/object-id';
import type { Identities } from '../store/identity';
import type { Change } from '../store/inventory';
import type { DistinguishedName } from '../x509/asn1';
import { issueCertificate } from '../x509/certificate';
import type { Signer } from '../x509/signer';

/** How long the workstation certificate is valid: the life of the workstation, renewed by a ceremony. */
export const workstationCertificateYears = 10;

export function hsmSigner(
  client: HsmClient,
  uri: string,
  key: Pick<SigningKey, 'id' | 'spec' | 'publicKeySpki'>,
): Signer {
  return { spec: key.spec, spki: key.publicKeySpki, sign: (data) => client.request('sign', { uri, id: key.id, data }) };
}

export interface NewIdentity {
  subject: DistinguishedName;
  spec: SigningKeySpec;
}

/** Needs a user login. A key generated for an identity that is then not recorded is destroyed again. */
export async function createIdentity(
  client: HsmClient,
  uri: string,
  identities: Identities,
  request: NewIdentity,
  change: Change,
  now = new Date(),
): Promise<WorkstationIdentity> {
  const token = await client.request('describeToken', { uri });
  const key = await client.request('generateSigningKey', {
    uri,
    id: newObjectId(),
    label: `Keyward workstation key ${now.toISOString().slice(0, 19)}Z`,
    spec: request.spec,
  });
  try {
    const notAfter = new Date(now);
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + workstationCertificateYears);
    const certificateDer = await issueCertificate(
      {
        profile: 'workstation',
        subject: request.subject,
        subjectSpki: key.publicKeySpki,
        serial: randomBytes(16),
        notBefore: now,
        notAfter,
      },
      hsmSigner(client, uri, key),
    );
    return identities.adopt(
      { tokenSerial: token.serial, tokenObjectId: key.id, spec: request.spec, certificateDer },
      change,
    );
  } catch (error) {
    // Audited like every destruction, and so is a failure to destroy it (the key is then left on the token).
    const why = 'a workstation signing key whose certificate was not made or recorded';
    const destroyed = await client.request('destroyKey', { uri, id: key.id }).then(
      ({ objects }) => ({ objects }),
      (destroyError: unknown) => ({ error: destroyError }),
    );
    identities.recordDiscardedKey(key.id, why, destroyed, change);
    throw error;
  }
}

/**
 * The signer of the current identity, after checking that the key on the token is the certified one
 * (a token swapped or re-initialised since is refused before anything is signed).
 */
export async function identitySigner(client: HsmClient, uri: string, identity: WorkstationIdentity): Promise<Signer> {
  const token = await client.request('describeToken', { uri });
  if (token.serial !== identity.tokenSerial) {
    throw new KeywardError(
      'WORKSTATION_NOT_INITIALISED',
      `The workstation signing key is on the token with serial ${identity.tokenSerial}, but the selected token is ${token.serial}.`,
      "Connect the workstation's own HSM token, or re-initialise the workstation on this one.",
    );
  }
  const key = await client.request('signingPublicKey', { uri, id: identity.tokenObjectId });
  const certified = new X509Certificate(Buffer.from(identity.certificateDer)).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  if (!certified.equals(Buffer.from(key.publicKeySpki))) {
    throw new KeywardError(
      'SIGNATURE_INVALID',
      'The signing key on the token is not the one the workstation certificate names.',
      'Stop. Check the token with the vendor tools; re-initialise the workstation only after the cause is understood.',
    );
  }
  return hsmSigner(client, uri, { ...key, id: identity.tokenObjectId });
}
