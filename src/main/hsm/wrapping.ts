/**
 * Wrapping a CMK for a provider, and backup wrapping under a KEK, all inside the token. The CMK carries
 * CKA_WRAP_WITH_TRUSTED, so every key that wraps it must be marked trusted, which only the security
 * officer can do: importing a provider key, preparing the ephemeral key of an RSA-AES wrap, and creating
 * a KEK are SO steps; the wrap itself is a user step. Nothing falls back to software.
 */
import { createPublicKey } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../shared/errors';
import type { CmkSpec, KeyObject, OaepHash, RsaAesWrapped, WrappingKeyInfo } from '../../shared/keys';
import type { Keys } from './keys';
import type { Pkcs11Module } from './module';
import { findObjects, publicKeySpki, readAttributes } from './objects';
import { toHsmError } from './pkcs11-errors';
import { oaepParameter } from './probe';
import type { Sessions, TokenSession } from './sessions';
import { cmkTemplates, type Template } from './templates';

type Handle = Buffer;

const kwp: pkcs11js.Mechanism = { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD };

export class Wrapping {
  /** SO-prepared ephemeral keys by token serial, used once by the next RSA-AES wrap. */
  private readonly ephemeral = new Map<string, Handle>();

  constructor(
    private readonly module: Pkcs11Module,
    private readonly sessions: Sessions,
    private readonly keys: Keys,
  ) {}

  private get lib(): pkcs11js.PKCS11 {
    return this.module.lib;
  }

  /** SO step: the provider's RSA public key becomes a trusted, WRAP-only token object. */
  importWrappingKey(uri: string, label: string, spki: Uint8Array, fingerprint: string): WrappingKeyInfo {
    const session = this.sessions.require(uri, 'security-officer');
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    const details = key.asymmetricKeyDetails;
    if (key.asymmetricKeyType !== 'rsa' || !details?.modulusLength || details.modulusLength < 2048 || details.publicExponent !== 65537n) {
      throw new KeywardError('HSM_KEY_REJECTED', 'The wrapping key is not an RSA key of at least 2048 bits with exponent 65537.', 'Ask the provider for its current wrapping key.');
    }
    this.keys.assertLabelFree(session, label);
    const jwk = key.export({ format: 'jwk' });
    const id = this.keys.newId(session);
    const template: Template = [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_TOKEN, value: true }, // kept until the provider's import window closes
      { type: pkcs11js.CKA_PRIVATE, value: false }, // public key; the SO cannot create private objects anyway
      { type: pkcs11js.CKA_TRUSTED, value: true }, // may wrap keys marked WRAP_WITH_TRUSTED: the SO vouches for it
      { type: pkcs11js.CKA_WRAP, value: true }, // its only use
      { type: pkcs11js.CKA_ENCRYPT, value: false }, // not for data
      { type: pkcs11js.CKA_VERIFY, value: false }, // not for signatures
      { type: pkcs11js.CKA_MODIFIABLE, value: false }, // nobody can later widen its uses
      { type: pkcs11js.CKA_MODULUS, value: Buffer.from(jwk.n ?? '', 'base64url') },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from(jwk.e ?? '', 'base64url') },
    ];
    this.module.guard(session.where, () => this.lib.C_CreateObject(session.handle, template));
    return { id: id.toString('hex'), label, modulusBits: details.modulusLength, fingerprint };
  }

  /** SO step of an RSA-AES wrap on a token without CKM_RSA_AES_KEY_WRAP: a trusted AES-256 session key. */
  prepareEphemeral(uri: string): void {
    const session = this.sessions.require(uri, 'security-officer');
    this.discardEphemeral(session);
    const handle = this.module.guard(session.where, () =>
      this.lib.C_GenerateKey(session.handle, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_TOKEN, value: false }, // a session object: gone with the session at the latest
        { type: pkcs11js.CKA_PRIVATE, value: false }, // survives the SO's logout, for the user's wrap step
        { type: pkcs11js.CKA_SENSITIVE, value: true }, // its value is never readable
        { type: pkcs11js.CKA_EXTRACTABLE, value: true }, // leaves only under RSA-OAEP, to the provider
        { type: pkcs11js.CKA_TRUSTED, value: true }, // may wrap the CMK (WRAP_WITH_TRUSTED)
        { type: pkcs11js.CKA_WRAP, value: true }, // wraps the CMK...
        { type: pkcs11js.CKA_ENCRYPT, value: false }, // ...and nothing else
        { type: pkcs11js.CKA_DECRYPT, value: false },
        { type: pkcs11js.CKA_UNWRAP, value: false },
      ]),
    );
    this.ephemeral.set(session.serial, handle);
  }

  wrapOaep(uri: string, targetId: string, wrappingKeyId: string, hash: OaepHash): Uint8Array {
    const session = this.sessions.require(uri, 'user');
    const target = this.findKey(session, targetId, [pkcs11js.CKO_SECRET_KEY]);
    const wrappingKey = this.findTrusted(session, wrappingKeyId, pkcs11js.CKO_PUBLIC_KEY, 'wrapping key');
    return this.oaep(session, wrappingKey, target, hash);
  }

  /** RSA-OAEP(ephemeral) || AES-KWP(target), the layout of CKM_RSA_AES_KEY_WRAP; the ephemeral is destroyed either way. */
  wrapRsaAes(uri: string, targetId: string, wrappingKeyId: string, hash: OaepHash): RsaAesWrapped {
    const session = this.sessions.require(uri, 'user');
    const target = this.findKey(session, targetId, [pkcs11js.CKO_SECRET_KEY, pkcs11js.CKO_PRIVATE_KEY]);
    const wrappingKey = this.findTrusted(session, wrappingKeyId, pkcs11js.CKO_PUBLIC_KEY, 'wrapping key');
    const ephemeral = this.ephemeral.get(session.serial);
    if (!ephemeral) {
      throw new KeywardError(
        'HSM_NOT_LOGGED_IN',
        `${session.where} has no CKM_RSA_AES_KEY_WRAP, so the wrap is composed in the token, and its ephemeral key must first be prepared by the security officer.`,
        'Have the security officer log in and prepare the wrap, then log in as user and wrap again.',
      );
    }
    try {
      const kwpPart = this.module.guard(session.where, () => this.lib.C_WrapKey(session.handle, kwp, ephemeral, target, Buffer.alloc(8192)));
      const rsaPart = this.oaep(session, wrappingKey, ephemeral, hash);
      return { wrapped: Buffer.concat([rsaPart, kwpPart]), rsaPartLength: rsaPart.length, method: 'composed-in-token' };
    } finally {
      this.discardEphemeral(session);
    }
  }

  /** SO step: a backup KEK, trusted so that it may wrap CMKs; it never leaves the token. */
  generateKek(uri: string, label: string): { id: string; kcv: string } {
    const session = this.sessions.require(uri, 'security-officer');
    this.keys.assertLabelFree(session, label);
    const id = this.keys.newId(session);
    const handle = this.module.guard(session.where, () =>
      this.lib.C_GenerateKey(session.handle, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_TOKEN, value: true }, // persists
        { type: pkcs11js.CKA_PRIVATE, value: false }, // SO-created objects are public; SENSITIVE keeps the value in
        { type: pkcs11js.CKA_SENSITIVE, value: true }, // never readable
        { type: pkcs11js.CKA_EXTRACTABLE, value: false }, // never leaves the token
        { type: pkcs11js.CKA_TRUSTED, value: true }, // may wrap CMKs
        { type: pkcs11js.CKA_WRAP, value: true }, // backup...
        { type: pkcs11js.CKA_UNWRAP, value: true }, // ...and restore
        { type: pkcs11js.CKA_ENCRYPT, value: false },
        { type: pkcs11js.CKA_DECRYPT, value: false },
        { type: pkcs11js.CKA_MODIFIABLE, value: false },
      ]),
    );
    return { id: id.toString('hex'), kcv: this.keys.checkValue(session, handle) };
  }

  wrapKwp(uri: string, targetId: string, kekId: string): Uint8Array {
    const session = this.sessions.require(uri, 'user');
    // Secret CMKs, and the private half of RSA/EC CMKs (wrapped as PKCS#8 under AES-KWP).
    const target = this.findKey(session, targetId, [pkcs11js.CKO_SECRET_KEY, pkcs11js.CKO_PRIVATE_KEY]);
    const kek = this.findTrusted(session, kekId, pkcs11js.CKO_SECRET_KEY, 'backup KEK');
    return this.module.guard(session.where, () => this.lib.C_WrapKey(session.handle, kwp, kek, target, Buffer.alloc(8192)));
  }

  /** Restores a secret CMK from its backup with the CMK's own protections, re-read and with its KCV. */
  unwrapKwp(uri: string, kekId: string, wrapped: Uint8Array, spec: CmkSpec, label: string): KeyObject {
    const session = this.sessions.require(uri, 'user');
    const kek = this.findKey(session, kekId, [pkcs11js.CKO_SECRET_KEY]);
    if (spec.startsWith('RSA_')) return this.unwrapRsaPrivate(session, kek, Buffer.from(wrapped), spec, label);
    return this.unwrapInto(session, kwp, kek, Buffer.from(wrapped), spec, label);
  }

  /**
   * Restores the private half of an RSA CMK. Its KCV, SHA-256 of the public key, is computed from the
   * modulus and exponent, which an RSA private key object carries as public attributes.
   */
  private unwrapRsaPrivate(session: TokenSession, kek: Handle, wrapped: Buffer, spec: CmkSpec, label: string): KeyObject {
    this.keys.assertLabelFree(session, label);
    const id = this.keys.newId(session);
    const template: Template = [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      ...(cmkTemplates(spec, { id, label }, false).privateKey ?? []),
    ];
    const handle = this.module.guard(session.where, () => this.lib.C_UnwrapKey(session.handle, kwp, kek, wrapped, template));
    try {
      const bits = this.module.guard(session.where, () => (readAttributes(this.lib, session.handle, handle, [pkcs11js.CKA_MODULUS]).get(pkcs11js.CKA_MODULUS)?.length ?? 0) * 8);
      if (`RSA_${bits}` !== spec) {
        throw new KeywardError('HSM_KEY_REJECTED', `The restored key is RSA-${bits}, not the ${spec} recorded for it; it was destroyed.`, 'Check the key type recorded for this backup.');
      }
      const spki = this.module.guard(session.where, () => publicKeySpki(this.lib, session.handle, handle));
      return this.keys.verifyCreated(session, spec, id, label, { main: handle, spki, requested: template }, []);
    } catch (error) {
      this.keys.destroyHandles(session, [handle]);
      throw error;
    }
  }

  /** A key pair whose private half unwraps keys sent to this workstation (RSA-OAEP or RSA-AES); the public half is exported. */
  async generateTransportKey(uri: string, label: string): Promise<{ id: string; publicKeySpki: Uint8Array }> {
    const session = this.sessions.require(uri, 'user');
    this.keys.assertLabelFree(session, label);
    const id = this.keys.newId(session);
    const common: Template = [
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_TOKEN, value: true }, // persists
    ];
    let pair: { publicKey: Handle; privateKey: Handle };
    try {
      pair = await this.lib.C_GenerateKeyPairAsync(
        session.handle,
        { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          ...common,
          { type: pkcs11js.CKA_PRIVATE, value: false }, // the public half is public
          { type: pkcs11js.CKA_MODULUS_BITS, value: 3072 },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          { type: pkcs11js.CKA_WRAP, value: false }, // it is given to the sender, not used here
          { type: pkcs11js.CKA_ENCRYPT, value: false },
          { type: pkcs11js.CKA_VERIFY, value: false },
        ],
        [
          ...common,
          { type: pkcs11js.CKA_PRIVATE, value: true }, // needs a user login
          { type: pkcs11js.CKA_SENSITIVE, value: true }, // never readable
          { type: pkcs11js.CKA_EXTRACTABLE, value: false }, // never leaves the token
          { type: pkcs11js.CKA_UNWRAP, value: true }, // its only use
          { type: pkcs11js.CKA_DECRYPT, value: false }, // no plain decryption: unwrapped keys stay in the token
          { type: pkcs11js.CKA_SIGN, value: false },
          { type: pkcs11js.CKA_DERIVE, value: false },
        ],
      );
    } catch (error) {
      throw toHsmError(error, session.where);
    }
    return { id: id.toString('hex'), publicKeySpki: this.module.guard(session.where, () => publicKeySpki(this.lib, session.handle, pair.publicKey)) };
  }

  /** The matching unwrap of an RSA-OAEP wrap, into a CMK with every protection. */
  unwrapOaep(uri: string, transportKeyId: string, wrapped: Uint8Array, hash: OaepHash, spec: CmkSpec, label: string): KeyObject {
    const session = this.sessions.require(uri, 'user');
    const transport = this.findKey(session, transportKeyId, [pkcs11js.CKO_PRIVATE_KEY]);
    return this.unwrapInto(session, { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: oaepParameter(hash) }, transport, Buffer.from(wrapped), spec, label);
  }

  /** The matching unwrap of an RSA-AES wrap: the ephemeral key is unwrapped into a session key, used, destroyed. */
  unwrapRsaAes(uri: string, transportKeyId: string, wrapped: Uint8Array, hash: OaepHash, spec: CmkSpec, label: string): KeyObject {
    const session = this.sessions.require(uri, 'user');
    const transport = this.findKey(session, transportKeyId, [pkcs11js.CKO_PRIVATE_KEY]);
    const rsaBytes = this.module.guard(session.where, () => readAttributes(this.lib, session.handle, transport, [pkcs11js.CKA_MODULUS]).get(pkcs11js.CKA_MODULUS)?.length ?? 0);
    const bytes = Buffer.from(wrapped);
    if (rsaBytes === 0 || bytes.length <= rsaBytes + 8) {
      throw new KeywardError('HSM_KEY_REJECTED', `The RSA-AES wrapped key is ${bytes.length} bytes; it must be the ${rsaBytes}-byte RSA part followed by an AES-KWP part.`, 'Check that the file was wrapped for this transport key.');
    }
    const ephemeral = this.module.guard(session.where, () =>
      this.lib.C_UnwrapKey(session.handle, { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: oaepParameter(hash) }, transport, bytes.subarray(0, rsaBytes), [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_TOKEN, value: false }, // a session object, destroyed below
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_UNWRAP, value: true }, // its one use: the KWP part
        { type: pkcs11js.CKA_ENCRYPT, value: false },
        { type: pkcs11js.CKA_DECRYPT, value: false },
      ]),
    );
    try {
      return this.unwrapInto(session, kwp, ephemeral, bytes.subarray(rsaBytes), spec, label);
    } finally {
      this.keys.destroyHandles(session, [ephemeral]);
    }
  }

  /**
   * Unwraps into a secret CMK with the CMK template, re-reads it and takes its KCV (computed in the token
   * where the token leaves CKA_CHECK_VALUE empty). A key that fails any check is destroyed.
   */
  private unwrapInto(session: TokenSession, mechanism: pkcs11js.Mechanism, unwrappingKey: Handle, wrapped: Buffer, spec: CmkSpec, label: string): KeyObject {
    if (!spec.startsWith('AES_') && spec !== 'HMAC_SHA256') {
      throw new KeywardError(
        'INVALID_REQUEST',
        `Unwrapping a ${spec} key this way is not supported yet; AES and HMAC keys are, and RSA keys from an AES-KWP backup.`,
        'For EC keys, use the HSM vendor procedure until Keyward supports them.',
      );
    }
    this.keys.assertLabelFree(session, label);
    const id = this.keys.newId(session);
    // The unwrapped value sets the length; the rest is the CMK template.
    const template = (cmkTemplates(spec, { id, label }, false).secret ?? []).filter((a) => a.type !== pkcs11js.CKA_VALUE_LEN);
    const handle = this.module.guard(session.where, () => this.lib.C_UnwrapKey(session.handle, mechanism, unwrappingKey, wrapped, template));
    try {
      const key = this.keys.verifyCreated(session, spec, id, label, { main: handle, requested: template }, [], () =>
        this.checkValueOfWrapped(session, mechanism, unwrappingKey, wrapped, spec),
      );
      const expectedBytes = spec === 'HMAC_SHA256' ? 32 : Number(spec.slice(4)) / 8;
      const valueLength = this.module.guard(session.where, () => readAttributes(this.lib, session.handle, handle, [pkcs11js.CKA_VALUE_LEN]).get(pkcs11js.CKA_VALUE_LEN)?.readUIntLE(0, 4));
      if (!valueLength) {
        // SoftHSM leaves CKA_VALUE_LEN empty on unwrapped keys; the KCV, compared with the inventory, still identifies the key.
        return { ...key, notes: [...key.notes, 'The token does not report the length of unwrapped keys (CKA_VALUE_LEN), so only the check value identifies this key: compare it with the inventory.'] };
      }
      if (valueLength !== expectedBytes) {
        throw new KeywardError('HSM_KEY_REJECTED', `The unwrapped key is ${valueLength} bytes, not the ${expectedBytes} bytes of a ${spec} key; it was destroyed.`, 'Check the key type recorded for this backup or transfer.');
      }
      return key;
    } catch (error) {
      this.keys.destroyHandles(session, [handle]);
      throw error;
    }
  }

  /**
   * The KCV of a wrapped key, computed in the token: the same bytes are unwrapped once more into a
   * session key that may encrypt (AES) or be digested (HMAC), never extractable, destroyed at once.
   * The restored CMK itself keeps every protection.
   */
  private checkValueOfWrapped(session: TokenSession, mechanism: pkcs11js.Mechanism, unwrappingKey: Handle, wrapped: Buffer, spec: CmkSpec): string {
    const aes = spec !== 'HMAC_SHA256';
    return this.module.guard(session.where, () => {
      const probe = this.lib.C_UnwrapKey(session.handle, mechanism, unwrappingKey, wrapped, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: aes ? pkcs11js.CKK_AES : pkcs11js.CKK_GENERIC_SECRET },
        { type: pkcs11js.CKA_TOKEN, value: false }, // a session object, destroyed below
        { type: pkcs11js.CKA_PRIVATE, value: true }, // only this login sees it
        { type: pkcs11js.CKA_SENSITIVE, value: true }, // its value is never readable
        { type: pkcs11js.CKA_EXTRACTABLE, value: false }, // and never leaves the token
        { type: pkcs11js.CKA_ENCRYPT, value: aes }, // its one use: encrypting the zero block
      ]);
      try {
        if (aes) {
          this.lib.C_EncryptInit(session.handle, { mechanism: pkcs11js.CKM_AES_ECB }, probe);
          return this.lib.C_Encrypt(session.handle, Buffer.alloc(16), Buffer.alloc(16)).subarray(0, 3).toString('hex');
        }
        this.lib.C_DigestInit(session.handle, { mechanism: pkcs11js.CKM_SHA_1 });
        this.lib.C_DigestKey(session.handle, probe);
        return this.lib.C_DigestFinal(session.handle, Buffer.alloc(20)).subarray(0, 3).toString('hex');
      } finally {
        this.lib.C_DestroyObject(session.handle, probe);
      }
    });
  }

  private oaep(session: TokenSession, wrappingKey: Handle, target: Handle, hash: OaepHash): Buffer {
    try {
      return this.lib.C_WrapKey(session.handle, { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: oaepParameter(hash) }, wrappingKey, target, Buffer.alloc(1024));
    } catch (error) {
      const ckr = error instanceof Error ? error.message : '';
      if (['CKR_ARGUMENTS_BAD', 'CKR_MECHANISM_PARAM_INVALID', 'CKR_MECHANISM_INVALID'].includes(ckr)) {
        throw new KeywardError(
          'HSM_MECHANISM_UNSUPPORTED',
          `${session.where} cannot wrap with CKM_RSA_PKCS_OAEP using ${hash === 'sha1' ? 'SHA-1' : 'SHA-256'} and MGF1-${hash === 'sha1' ? 'SHA-1' : 'SHA-256'} (${ckr}). Keyward does not wrap in software instead.`,
          'Choose a wrapping algorithm this token supports (see the capability probe), or use an HSM that offers it.',
        );
      }
      throw toHsmError(error, session.where);
    }
  }

  private findKey(session: TokenSession, idHex: string, classes: number[]): Handle {
    const id = Buffer.from(idHex, 'hex');
    for (const cls of classes) {
      const found = this.module.guard(session.where, () =>
        findObjects(this.lib, session.handle, [
          { type: pkcs11js.CKA_ID, value: id },
          { type: pkcs11js.CKA_CLASS, value: cls },
        ]),
      );
      const [first] = found;
      if (first) return first;
    }
    throw new KeywardError('HSM_KEY_NOT_FOUND', `${session.where} holds no key with id ${idHex}.`, 'Check the key id in the inventory.');
  }

  /** A key that may wrap a CMK: the token would refuse an untrusted one; Keyward says why first. */
  private findTrusted(session: TokenSession, idHex: string, cls: number, what: string): Handle {
    const key = this.findKey(session, idHex, [cls]);
    const trusted = this.module.guard(session.where, () => readAttributes(this.lib, session.handle, key, [pkcs11js.CKA_TRUSTED]).get(pkcs11js.CKA_TRUSTED));
    if (trusted?.[0] !== 1) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        `The ${what} ${idHex} on ${session.where} is not marked trusted, so the token would refuse to wrap a CMK with it.`,
        what === 'wrapping key'
          ? 'Import the provider key again through the wrapping-key ceremony, where the security officer marks it trusted.'
          : 'Use the backup KEK the security officer created for backups.',
      );
    }
    return key;
  }

  private discardEphemeral(session: TokenSession): void {
    const handle = this.ephemeral.get(session.serial);
    if (!handle) return;
    this.ephemeral.delete(session.serial);
    try {
      this.lib.C_DestroyObject(session.handle, handle);
    } catch {
      // A session key that is already gone (session reset) is what we want.
    }
  }
}
