/**
 * Workstation signing keys: generated in the token, used to sign digests of bundles and audit
 * checkpoints. Every signature is verified in software against the exported public key before it is
 * returned, so a faulty token cannot hand out a bad signature.
 */
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import type { Signature, SigningKey, SigningKeySpec } from '../../../shared/keys';
import { findKey } from './key-lookup';
import type { Keys } from './keys';
import type { Pkcs11Module } from './module';
import { publicKeySpki, readAttributes } from './objects';
import { toHsmError } from './pkcs11-errors';
import type { Sessions, TokenSession } from './sessions';
import { signingKeyExpected, signingKeyTemplates } from './templates';

type Handle = Buffer;

/** RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt, over a SHA-256 digest. */
const pssSha256: pkcs11js.RsaPSS = {
  type: pkcs11js.CK_PARAMS_RSA_PSS,
  hashAlg: pkcs11js.CKM_SHA256,
  mgf: pkcs11js.CKG_MGF1_SHA256,
  saltLen: 32,
};

export class Signing {
  /** Public keys by token serial and key id: read once, since every signature is checked against them. */
  private readonly publicKeys = new Map<string, SigningKey>();
  /** Each signing key's public key as node:crypto verifies with it, by its SPKI. */
  private readonly verifiers = new Map<string, KeyObject>();

  constructor(
    private readonly module: Pkcs11Module,
    private readonly sessions: Sessions,
    private readonly keys: Keys,
  ) {}

  async generate(uri: string, idHex: string, label: string, spec: SigningKeySpec): Promise<SigningKey> {
    const session = this.sessions.require(uri, 'user');
    this.keys.assertLabelFree(session, label);
    const id = this.keys.reserveId(session, idHex);
    const t = signingKeyTemplates(spec, { id, label });
    let pair: { publicKey: Handle; privateKey: Handle };
    try {
      pair = await this.module.lib.C_GenerateKeyPairAsync(
        session.handle,
        { mechanism: t.mechanism },
        t.publicKey,
        t.privateKey,
      );
    } catch (error) {
      throw toHsmError(error, session.where);
    }
    // Read back, as a token may set other values than asked (tpm2-pkcs11 couples some uses): a key that
    // could decrypt, unwrap or leave the token is destroyed, never used.
    const read = this.module.guard(session.where, () =>
      readAttributes(
        this.module.lib,
        session.handle,
        pair.privateKey,
        signingKeyExpected.map(([type]) => type),
      ),
    );
    const wrong = signingKeyExpected.filter(([type, , expected]) => (read.get(type)?.[0] === 1) !== expected);
    if (wrong.length) {
      for (const handle of [pair.privateKey, pair.publicKey]) {
        try {
          this.module.lib.C_DestroyObject(session.handle, handle);
        } catch {
          // Reported below: the key is not used either way.
        }
      }
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        `${session.where} made the workstation key with ${wrong.map(([, name, expected]) => `${name}=${String(!expected)}`).join(', ')}, though Keyward asked for ${wrong.map(([, name, expected]) => `${name}=${String(expected)}`).join(', ')}; the key pair was destroyed, and nothing signs with it.`,
        'Use another signing key type (--spec), or an HSM that keeps the attributes it is given.',
      );
    }
    const spki = this.module.guard(session.where, () => publicKeySpki(this.module.lib, session.handle, pair.publicKey));
    return { id: id.toString('hex'), label, spec, publicKeySpki: spki };
  }

  publicKey(uri: string, idHex: string): SigningKey {
    return this.publicKeyIn(this.sessions.require(uri, 'user'), idHex);
  }

  /** A public key object needs no login to be read: used to check which token holds the workstation key before anyone logs in to it. */
  publicKeyWithoutLogin(uri: string, idHex: string): SigningKey {
    return this.publicKeyIn(this.sessions.session(uri), idHex);
  }

  private publicKeyIn(session: TokenSession, idHex: string): SigningKey {
    const publicKey = this.find(session, idHex, pkcs11js.CKO_PUBLIC_KEY);
    const spki = this.module.guard(session.where, () => publicKeySpki(this.module.lib, session.handle, publicKey));
    const label = this.module.guard(
      session.where,
      () =>
        readAttributes(this.module.lib, session.handle, publicKey, [pkcs11js.CKA_LABEL])
          .get(pkcs11js.CKA_LABEL)
          ?.toString('utf8') ?? '',
    );
    return { id: idHex, label, spec: specOf(spki), publicKeySpki: spki };
  }

  sign(uri: string, idHex: string, data: Uint8Array): Signature {
    const session = this.sessions.require(uri, 'user');
    const cacheKey = `${session.serial}/${idHex}`;
    const key = this.publicKeys.get(cacheKey) ?? this.publicKey(uri, idHex);
    this.publicKeys.set(cacheKey, key);
    const privateKey = this.find(session, idHex, pkcs11js.CKO_PRIVATE_KEY);
    const hash = key.spec === 'ECDSA_P384' ? 'sha384' : 'sha256';
    const digest = createHash(hash).update(data).digest();
    const rsa = key.spec === 'RSA_PSS_3072';
    const mechanism: pkcs11js.Mechanism = rsa
      ? {
          mechanism: pkcs11js.CKM_RSA_PKCS_PSS,
          parameter: pssSha256,
        }
      : { mechanism: pkcs11js.CKM_ECDSA };
    const signature = this.module.guard(session.where, () => {
      this.module.lib.C_SignInit(session.handle, mechanism, privateKey);
      return Buffer.from(this.module.lib.C_Sign(session.handle, digest, Buffer.alloc(rsa ? 512 : 132)));
    });
    const publicKey = this.verifierOf(key);
    const valid = rsa
      ? verify(hash, data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
      : verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    if (!valid) {
      throw new KeywardError(
        'HSM_SIGNATURE_INVALID',
        `${session.where} produced a signature that does not verify against its own public key (${idHex}). Nothing was signed.`,
        'Stop the ceremony. Check the token with the vendor tools; do not use this signing key until the fault is understood.',
      );
    }
    return { hash, scheme: rsa ? 'rsa-pss' : 'ecdsa-p1363', signature };
  }

  private verifierOf(key: SigningKey): KeyObject {
    const spki = Buffer.from(key.publicKeySpki);
    const cacheKey = spki.toString('base64');
    const verifier = this.verifiers.get(cacheKey) ?? createPublicKey({ key: spki, format: 'der', type: 'spki' });
    this.verifiers.set(cacheKey, verifier);
    return verifier;
  }

  /** The signing key's object of this class, found through the session's known objects. */
  private find(session: TokenSession, idHex: string, cls: number): Handle {
    try {
      return findKey(this.module, session, idHex, [cls]);
    } catch (error) {
      if (!(error instanceof KeywardError) || error.code !== 'HSM_KEY_NOT_FOUND') throw error;
      throw new KeywardError(
        'HSM_KEY_NOT_FOUND',
        `${session.where} holds no signing key with id ${idHex}.`,
        'Check the workstation signing key in Settings.',
      );
    }
  }
}

function specOf(spki: Buffer): SigningKeySpec {
  const details = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  if (details.asymmetricKeyType === 'rsa') return 'RSA_PSS_3072';
  return details.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ECDSA_P384' : 'ECDSA_P256';
}
