/**
 * Wrapping a CMK for a provider, and backup wrapping under a KEK, all inside the token. The CMK carries
 * CKA_WRAP_WITH_TRUSTED, so every key that wraps it must be marked trusted, which only the security
 * officer can do: importing a provider key, preparing the ephemeral key of an RSA-AES wrap, and loading
 * a backup KEK from its value are SO steps; the wrap itself is a user step. Nothing falls back to software.
 */
import { createHash, createPublicKey } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import type { OaepHash, RsaAesWrapped, WrappingKeyInfo } from '../../../shared/keys';
import { oaepHashWords } from '../../../shared/providers';
import type { EphemeralKeys, EphemeralPurpose } from './ephemeral';
import { findKey, findKeyReading, findTrusted, findTrustedReading } from './key-lookup';
import type { Keys } from './keys';
import type { Pkcs11Module } from './module';
import { nativeRsaAes, nativeRsaAesOf } from './native-rsa-aes';
import { publicKeySpki, readAttributes, reportedCheckValue, rsaSpki, spkiCheckValue } from './objects';
import { toHsmError } from './pkcs11-errors';
import { oaepParameter } from './probe';
import { kwpOf } from './rfc5649';
import type { Sessions, TokenSession } from './sessions';
import { type NestedAttribute, type Template, unwrapTemplate, withNoCopiesWhereKnown } from './templates';

type Handle = Buffer;

/** A wrap the officers approved: this key (its check value) under this wrapping key (its fingerprint). */
export interface ApprovedWrap {
  uri: string;
  targetId: string;
  kcv: string;
  wrappingKeyId: string;
  fingerprint: string;
  hash: OaepHash;
}

/**
 * What every key unwrapped under a restore KEK has, whoever asks: the CMK's protections and those of its
 * "no use" attributes every restore unwrap shares. The restored CMK (token object, secret or private key)
 * and restore's session probes come from the same blob, so uses a probe needs stay open (ENCRYPT for an
 * AES check value, SIGN for the proof that an EC key matches its public key), and so does CKA_TOKEN; nor
 * can a template name ENCRYPT, VERIFY or WRAP, which private keys do not have.
 */
const underBackupKek: NestedAttribute[] = [
  { type: pkcs11js.CKA_PRIVATE, value: true }, // seen and used only after a user login, as the CMK
  { type: pkcs11js.CKA_SENSITIVE, value: true }, // no unwrapped copy is ever readable
  // Not EXTRACTABLE=false: a restored CMK must still be wrapped for its provider...
  { type: pkcs11js.CKA_WRAP_WITH_TRUSTED, value: true }, // ...so it leaves the token only under a key the SO trusted
  { type: pkcs11js.CKA_DECRYPT, value: false }, // no copy decrypts what was encrypted under the CMK
  { type: pkcs11js.CKA_UNWRAP, value: false }, // nor opens keys wrapped under it
  { type: pkcs11js.CKA_DERIVE, value: false }, // nor derives keys from it
];

export class Wrapping {
  constructor(
    private readonly module: Pkcs11Module,
    private readonly sessions: Sessions,
    private readonly keys: Keys,
    private readonly ephemerals: EphemeralKeys,
  ) {}

  private get lib(): pkcs11js.PKCS11 {
    return this.module.lib;
  }

  /** SO step: the provider's RSA public key becomes a trusted, WRAP-only token object. */
  importWrappingKey(uri: string, idHex: string, label: string, spki: Uint8Array, fingerprint: string): WrappingKeyInfo {
    const session = this.sessions.requireOfficer(uri);
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    const details = key.asymmetricKeyDetails;
    if (
      key.asymmetricKeyType !== 'rsa' ||
      !details?.modulusLength ||
      details.modulusLength < 2048 ||
      details.publicExponent !== 65537n
    ) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        'The wrapping key is not an RSA key of at least 2048 bits with exponent 65537.',
        'Ask the provider for its current wrapping key.',
      );
    }
    this.keys.assertLabelFree(session, label);
    const jwk = key.export({ format: 'jwk' });
    const id = this.keys.reserveId(session, idHex);
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

  /**
   * SO step before a user step that needs a trusted session key: the ephemeral key of a composed RSA-AES
   * wrap (tokens without CKM_RSA_AES_KEY_WRAP), or the check key of an in-token key check.
   */
  prepare(uri: string, purpose: EphemeralPurpose): void {
    this.ephemerals.prepare(this.sessions.requireOfficer(uri), purpose);
  }

  wrapOaep(request: ApprovedWrap): Uint8Array {
    const session = this.sessions.require(request.uri, 'user');
    const { target, wrappingKey } = this.approvedPair(session, request, [pkcs11js.CKO_SECRET_KEY]);
    return oaepWrap(this.module, session, wrappingKey, target, request.hash);
  }

  /** RSA-OAEP(ephemeral) || AES-KWP(target), the layout of CKM_RSA_AES_KEY_WRAP; the ephemeral is destroyed either way. */
  wrapRsaAes(request: ApprovedWrap): RsaAesWrapped {
    const { hash } = request;
    const session = this.sessions.require(request.uri, 'user');
    const { target, wrappingKey } = this.approvedPair(session, request, [
      pkcs11js.CKO_SECRET_KEY,
      pkcs11js.CKO_PRIVATE_KEY,
    ]);
    const ephemeral = this.ephemerals.take(session, 'rsa-aes');
    if (nativeRsaAesOf(this.module, session).use) {
      // The token's own mechanism, proven by known answer: the composed wrap's ephemeral is not needed.
      if (ephemeral) this.ephemerals.destroy(session, ephemeral);
      return nativeRsaAes(
        this.module,
        session,
        wrappingKey,
        target,
        hash,
        modulusBytesOf(this.module, session, wrappingKey),
      );
    }
    if (!ephemeral) {
      throw new KeywardError(
        'HSM_NOT_LOGGED_IN',
        `${session.where} has no CKM_RSA_AES_KEY_WRAP, so the wrap is composed in the token, and its ephemeral key must first be prepared by the security officer.`,
        'Have the security officer log in and prepare the wrap, then log in as user and wrap again.',
      );
    }
    try {
      return composedRsaAes(this.module, session, wrappingKey, target, ephemeral, hash);
    } finally {
      this.ephemerals.destroy(session, ephemeral);
    }
  }

  /**
   * The key and wrapping key the officers approved, as the token holds them: the wrapping key is trusted
   * and its public key has the approved fingerprint; the key has the approved check value where the token
   * can tell it (CKA_CHECK_VALUE, or the public half of a key pair). A record changed in the database
   * cannot send another key, or send it to another key.
   */
  private approvedPair(
    session: TokenSession,
    request: ApprovedWrap,
    classes: number[],
  ): { target: Handle; wrappingKey: Handle } {
    const wrappingKey = this.approvedWrappingKey(session, request);
    const { target, kcv } = this.targetWithCheckValue(session, request.targetId, classes);
    if (kcv !== undefined && kcv !== request.kcv) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        `The key ${request.targetId} on ${session.where} has the check value ${kcv.toUpperCase()}, not the approved ${request.kcv.toUpperCase()}; nothing was wrapped.`,
        'Stop: the inventory does not match the token. Keep the database for investigation and verify the audit log.',
      );
    }
    return { target, wrappingKey };
  }

  /** The trusted wrapping key, its fingerprint (SHA-256 of its SPKI, from the modulus read now) the approved one. */
  private approvedWrappingKey(session: TokenSession, request: ApprovedWrap): Handle {
    const { handle, attributes } = findTrustedReading(
      this.module,
      session,
      request.wrappingKeyId,
      pkcs11js.CKO_PUBLIC_KEY,
      'wrapping key',
      [pkcs11js.CKA_MODULUS, pkcs11js.CKA_PUBLIC_EXPONENT],
    );
    const modulus = attributes.get(pkcs11js.CKA_MODULUS) ?? Buffer.alloc(0);
    const exponent = attributes.get(pkcs11js.CKA_PUBLIC_EXPONENT) ?? Buffer.alloc(0);
    const publicNumbers = `${modulus.toString('hex')}:${exponent.toString('hex')}`;
    // Derived again only when the numbers read differ from those last derived from (a handle names one object).
    const fingerprint =
      session.known.fact(handle, 'public-numbers') === publicNumbers
        ? session.known.fact(handle, 'fingerprint')
        : createHash('sha256').update(rsaSpki(modulus, exponent)).digest('hex');
    if (fingerprint !== request.fingerprint) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        `The wrapping key ${request.wrappingKeyId} on ${session.where} has the fingerprint ${fingerprint?.slice(0, 16) ?? '?'}…, not the approved ${request.fingerprint.slice(0, 16)}…; nothing was wrapped.`,
        'Stop: the inventory does not match the token. Keep the database for investigation and verify the audit log.',
      );
    }
    session.known.verified(handle, 'public-numbers', publicNumbers);
    session.known.verified(handle, 'fingerprint', fingerprint);
    return handle;
  }

  /**
   * The key to wrap and its check value as the token gives it: CKA_CHECK_VALUE (read with the key's lookup
   * once the token has shown it has one), or for a private key without it, its public key's.
   */
  private targetWithCheckValue(
    session: TokenSession,
    idHex: string,
    classes: number[],
  ): { target: Handle; kcv: string | undefined } {
    const cached = classes.map((cls) => session.known.handle(cls, idHex)).find((h) => h !== undefined);
    if (cached && session.known.fact(cached, 'has-check-value')) {
      const { handle, attributes } = findKeyReading(this.module, session, idHex, classes, [pkcs11js.CKA_CHECK_VALUE]);
      const value = attributes.get(pkcs11js.CKA_CHECK_VALUE);
      if (value && value.length > 0) return { target: handle, kcv: value.toString('hex') };
    }
    const target = findKey(this.module, session, idHex, classes);
    return { target, kcv: this.tokenCheckValue(session, idHex, target) };
  }

  private tokenCheckValue(session: TokenSession, idHex: string, key: Handle): string | undefined {
    try {
      const value = readAttributes(this.lib, session.handle, key, [pkcs11js.CKA_CHECK_VALUE]).get(
        pkcs11js.CKA_CHECK_VALUE,
      );
      if (value && value.length > 0) {
        session.known.verified(key, 'has-check-value', 'yes');
        return value.toString('hex');
      }
    } catch {
      // No CKA_CHECK_VALUE on this object or token.
    }
    try {
      return spkiCheckValue(
        publicKeySpki(this.lib, session.handle, findKey(this.module, session, idHex, [pkcs11js.CKO_PUBLIC_KEY])),
      );
    } catch {
      return undefined;
    }
  }

  /**
   * SO step: a backup KEK from its value, for a backup whose KEK is split into Shamir shares (the value
   * exists outside the token only as those shares, and briefly while they are made or combined). A
   * trusted session object: gone with the session at the latest, destroyed by the ceremony after use.
   */
  kekFromValue(
    uri: string,
    idHex: string,
    label: string,
    value: Uint8Array,
    purpose: 'backup' | 'restore',
  ): { id: string; kcv: string } {
    const session = this.sessions.requireOfficer(uri);
    if (value.length !== 32)
      throw new KeywardError(
        'INVALID_REQUEST',
        `A backup KEK is 32 bytes (AES-256), not ${value.length}.`,
        'Check the shares given.',
      );
    this.keys.assertLabelFree(session, label);
    const id = this.keys.reserveId(session, idHex);
    // The value's copies in this process (the request's, the template's) are zeroed once the token holds it.
    const copies: Buffer[] = [];
    const valueCopy = (): Buffer => {
      const copy = Buffer.from(value);
      copies.push(copy);
      return copy;
    };
    try {
      const handle = this.module.guard(session.where, () =>
        withNoCopiesWhereKnown((noCopies) =>
          this.lib.C_CreateObject(session.handle, [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
            { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
            { type: pkcs11js.CKA_ID, value: id },
            { type: pkcs11js.CKA_LABEL, value: label },
            { type: pkcs11js.CKA_TOKEN, value: false }, // a session object, destroyed after the backup or restore
            { type: pkcs11js.CKA_PRIVATE, value: false }, // survives the SO's logout, for the user's wrap or unwrap steps
            { type: pkcs11js.CKA_SENSITIVE, value: true }, // never readable again
            { type: pkcs11js.CKA_EXTRACTABLE, value: false }, // never leaves the token
            { type: pkcs11js.CKA_TRUSTED, value: true }, // may wrap CMKs (WRAP_WITH_TRUSTED)
            { type: pkcs11js.CKA_WRAP, value: purpose === 'backup' }, // backup: wraps the CMKs...
            { type: pkcs11js.CKA_UNWRAP, value: purpose === 'restore' }, // ...restore: unwraps them
            // Restore: whoever holds a backup blob unwraps it only into a key with the CMK's protections.
            unwrapTemplate(underBackupKek),
            { type: pkcs11js.CKA_ENCRYPT, value: false },
            { type: pkcs11js.CKA_DECRYPT, value: false },
            { type: pkcs11js.CKA_VALUE, value: valueCopy() },
            ...noCopies, // no copy: a copy stays trusted and could be given new uses
            { type: pkcs11js.CKA_MODIFIABLE, value: false }, // last: a backup KEK never gets UNWRAP, nor a restore KEK WRAP
          ]),
        ),
      );
      return { id: id.toString('hex'), kcv: this.kcvOfValue(session, handle, valueCopy) };
    } finally {
      for (const copy of copies) copy.fill(0);
      value.fill(0);
    }
  }

  /**
   * The check value of a key created from its value (`valueCopy`: a copy of it the caller zeroes): CKA_CHECK_VALUE where the token sets it on created
   * objects; otherwise (SoftHSM) computed in the token by a probe made from the same value, which may
   * only encrypt the zero block and is destroyed at once.
   */
  private kcvOfValue(session: TokenSession, key: Handle, valueCopy: () => Buffer): string {
    const reported = this.module.guard(session.where, () => reportedCheckValue(this.lib, session.handle, key));
    if (reported) return reported.toString('hex');
    return this.module.guard(session.where, () => {
      const probe = this.lib.C_CreateObject(session.handle, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_TOKEN, value: false }, // a session object, destroyed below
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_ENCRYPT, value: true }, // its one use: the zero block
        { type: pkcs11js.CKA_VALUE, value: valueCopy() },
      ]);
      try {
        this.lib.C_EncryptInit(session.handle, { mechanism: pkcs11js.CKM_AES_ECB }, probe);
        return this.lib.C_Encrypt(session.handle, Buffer.alloc(16), Buffer.alloc(16)).subarray(0, 3).toString('hex');
      } finally {
        this.lib.C_DestroyObject(session.handle, probe);
      }
    });
  }

  /**
   * Each key under the backup KEK, in one request (a backup's keys together): the KEK is found and checked
   * trusted once, each key found once however often it is named, and nothing else runs between the wraps.
   */
  wrapKwp(uri: string, targetIds: string[], kekId: string): { wrapped: Uint8Array; lengths: number[] } {
    const session = this.sessions.require(uri, 'user');
    const kek = findTrusted(this.module, session, kekId, pkcs11js.CKO_SECRET_KEY, 'backup KEK');
    const found = new Map<string, Handle>();
    const targets = targetIds.map((targetId) => {
      let target = found.get(targetId);
      if (!target) {
        // Secret CMKs, and the private half of RSA/EC CMKs (wrapped as PKCS#8 under AES-KWP).
        target = findKey(this.module, session, targetId, [pkcs11js.CKO_SECRET_KEY, pkcs11js.CKO_PRIVATE_KEY]);
        found.set(targetId, target);
      }
      return target;
    });
    // Each wrap is written straight after the one before, in one buffer grown when a wrap might not fit.
    const room = 8192;
    let out = Buffer.alloc(Math.max(room, targets.length * 64));
    let used = 0;
    const mechanism = kwpOf(this.module, session, 'a backup');
    const lengths = this.module.guard(session.where, () =>
      targets.map((target) => {
        if (out.length - used < room) out = Buffer.concat([out.subarray(0, used), Buffer.alloc(out.length + room)]);
        const length = this.lib.C_WrapKey(
          session.handle,
          mechanism,
          kek,
          target,
          out.subarray(used, used + room),
        ).length;
        used += length;
        return length;
      }),
    );
    return { wrapped: out.subarray(0, used), lengths };
  }
}

/** RSA-OAEP of a key under the provider's public key, in the token; a refused hash is named, never done in software. */
export function oaepWrap(
  module: Pkcs11Module,
  session: TokenSession,
  wrappingKey: Handle,
  target: Handle,
  hash: OaepHash,
): Buffer {
  try {
    return module.lib.C_WrapKey(
      session.handle,
      { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: oaepParameter(hash) },
      wrappingKey,
      target,
      Buffer.alloc(1024),
    );
  } catch (error) {
    const ckr = error instanceof Error ? error.message : '';
    if (['CKR_ARGUMENTS_BAD', 'CKR_MECHANISM_PARAM_INVALID', 'CKR_MECHANISM_INVALID'].includes(ckr)) {
      throw new KeywardError(
        'HSM_MECHANISM_UNSUPPORTED',
        `${session.where} cannot wrap with CKM_RSA_PKCS_OAEP using ${oaepHashWords[hash]} and MGF1-${oaepHashWords[hash]} (${ckr}). Keyward does not wrap in software instead.`,
        'Choose a wrapping algorithm this token supports (see the capability probe), or use an HSM that offers it.',
      );
    }
    throw toHsmError(error, session.where);
  }
}

/** RSA-OAEP(ephemeral) || AES-KWP(target): CKM_RSA_AES_KEY_WRAP's output, composed in the token. */
export function composedRsaAes(
  module: Pkcs11Module,
  session: TokenSession,
  wrappingKey: Handle,
  target: Handle,
  ephemeral: Handle,
  hash: OaepHash,
): RsaAesWrapped {
  const kwpPart = module.guard(session.where, () =>
    module.lib.C_WrapKey(
      session.handle,
      kwpOf(module, session, 'RSA-AES key wrap'),
      ephemeral,
      target,
      Buffer.alloc(8192),
    ),
  );
  const rsaPart = oaepWrap(module, session, wrappingKey, ephemeral, hash);
  return { wrapped: Buffer.concat([rsaPart, kwpPart]), rsaPartLength: rsaPart.length, method: 'composed-in-token' };
}

/** The RSA part's length of an RSA-AES wrap: the wrapping key's modulus, in bytes. */
export function modulusBytesOf(module: Pkcs11Module, session: TokenSession, wrappingKey: Handle): number {
  return module.guard(
    session.where,
    () =>
      (
        readAttributes(module.lib, session.handle, wrappingKey, [pkcs11js.CKA_MODULUS]).get(pkcs11js.CKA_MODULUS) ??
        Buffer.alloc(0)
      ).length,
  );
}
