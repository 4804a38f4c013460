/**
 * Keys coming into the token: a CMK restored from its AES-KWP backup, and keys a sender wrapped for this
 * workstation's transport key (RSA-OAEP or RSA-AES). Every restored key gets the CMK's protections, is
 * re-read, identified by its check value, and destroyed again if any check fails.
 */
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import {
  cmkShapes,
  curveOfJwk,
  isAesSpec,
  isSecretSpec,
  secretBytesOf,
  type CmkSpec,
  type KeyObject,
  type OaepHash,
} from '../../../shared/keys';
import { checkValueOfWrapped } from './in-token-kcv';
import { findKey } from './key-lookup';
import { withSealingNow, type Keys } from './keys';
import type { Pkcs11Module } from './module';
import { publicKeySpki, readAttributes } from './objects';
import { toHsmError } from './pkcs11-errors';
import { oaepParameter } from './probe';
import { kwpOf } from './rfc5649';
import type { Sessions, TokenSession } from './sessions';
import { cmkTemplates, curveParams, derOctetString, type Template } from './templates';

type Handle = Buffer;

export class Unwrapping {
  constructor(
    private readonly module: Pkcs11Module,
    private readonly sessions: Sessions,
    private readonly keys: Keys,
  ) {}

  private get lib(): pkcs11js.PKCS11 {
    return this.module.lib;
  }

  /**
   * Restores a CMK from its backup with the CMK's own protections, re-read and with its KCV. An EC CMK
   * needs its recorded public key: an EC private key object does not carry its public point.
   */
  unwrapKwp(
    uri: string,
    kekId: string,
    wrapped: Uint8Array,
    spec: CmkSpec,
    idHex: string,
    label: string,
    publicKeySpki?: Uint8Array,
  ): KeyObject {
    const session = this.sessions.require(uri, 'user');
    const kek = findKey(this.module, session, kekId, [pkcs11js.CKO_SECRET_KEY]);
    const bytes = Buffer.from(wrapped);
    const recorded = publicKeySpki ? Buffer.from(publicKeySpki) : undefined;
    if (spec.startsWith('RSA_') || spec.startsWith('EC_'))
      return this.unwrapKeyPair(session, kek, bytes, spec, idHex, label, recorded);
    return this.unwrapInto(session, kwpOf(this.module, session, 'a restore'), kek, bytes, spec, idHex, label);
  }

  /** A key pair whose private half unwraps keys sent to this workstation (RSA-OAEP or RSA-AES); the public half is exported. */
  async generateTransportKey(
    uri: string,
    idHex: string,
    label: string,
  ): Promise<{ id: string; publicKeySpki: Uint8Array }> {
    const session = this.sessions.require(uri, 'user');
    this.keys.assertLabelFree(session, label);
    const id = this.keys.reserveId(session, idHex);
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
    return {
      id: id.toString('hex'),
      publicKeySpki: this.module.guard(session.where, () => publicKeySpki(this.lib, session.handle, pair.publicKey)),
    };
  }

  /** The matching unwrap of an RSA-OAEP wrap, into a CMK with every protection. */
  unwrapOaep(
    uri: string,
    transportKeyId: string,
    wrapped: Uint8Array,
    hash: OaepHash,
    spec: CmkSpec,
    idHex: string,
    label: string,
  ): KeyObject {
    const session = this.sessions.require(uri, 'user');
    const transport = findKey(this.module, session, transportKeyId, [pkcs11js.CKO_PRIVATE_KEY]);
    return this.unwrapInto(
      session,
      { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: oaepParameter(hash) },
      transport,
      Buffer.from(wrapped),
      spec,
      idHex,
      label,
    );
  }

  /** The matching unwrap of an RSA-AES wrap: the ephemeral key is unwrapped into a session key, used, destroyed. */
  unwrapRsaAes(
    uri: string,
    transportKeyId: string,
    wrapped: Uint8Array,
    hash: OaepHash,
    spec: CmkSpec,
    idHex: string,
    label: string,
  ): KeyObject {
    const session = this.sessions.require(uri, 'user');
    const transport = findKey(this.module, session, transportKeyId, [pkcs11js.CKO_PRIVATE_KEY]);
    const rsaBytes = this.module.guard(
      session.where,
      () =>
        readAttributes(this.lib, session.handle, transport, [pkcs11js.CKA_MODULUS]).get(pkcs11js.CKA_MODULUS)?.length ??
        0,
    );
    const bytes = Buffer.from(wrapped);
    if (rsaBytes === 0 || bytes.length <= rsaBytes + 8) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        `The RSA-AES wrapped key is ${bytes.length} bytes; it must be the ${rsaBytes}-byte RSA part followed by an AES-KWP part.`,
        'Check that the file was wrapped for this transport key.',
      );
    }
    const ephemeral = this.module.guard(session.where, () =>
      this.lib.C_UnwrapKey(
        session.handle,
        { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: oaepParameter(hash) },
        transport,
        bytes.subarray(0, rsaBytes),
        [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
          { type: pkcs11js.CKA_TOKEN, value: false }, // a session object, destroyed below
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
          { type: pkcs11js.CKA_UNWRAP, value: true }, // its one use: the KWP part
          { type: pkcs11js.CKA_ENCRYPT, value: false },
          { type: pkcs11js.CKA_DECRYPT, value: false },
        ],
      ),
    );
    try {
      return this.unwrapInto(
        session,
        kwpOf(this.module, session, 'RSA-AES key unwrap'),
        ephemeral,
        bytes.subarray(rsaBytes),
        spec,
        idHex,
        label,
      );
    } finally {
      this.keys.destroyHandles(session, [ephemeral]);
    }
  }

  /**
   * Restores the private half of an RSA or EC CMK and recreates its public half beside it, so the key
   * pair looks as it did when generated. Its KCV is the SHA-256 of the public key: for RSA, taken from
   * the modulus and exponent the private object carries; for EC, the recorded public key, after proving
   * in the token that the restored private key belongs to it.
   */
  private unwrapKeyPair(
    session: TokenSession,
    kek: Handle,
    wrapped: Buffer,
    spec: CmkSpec,
    idHex: string,
    label: string,
    recorded: Buffer | undefined,
  ): KeyObject {
    const ec = spec.startsWith('EC_');
    if (ec && !recorded) {
      throw new KeywardError(
        'INVALID_REQUEST',
        `Restoring an ${spec} key needs its public key as recorded at backup: an EC private key object does not carry it.`,
        'Restore from the complete backup record, which holds the public key beside the wrapped private key.',
      );
    }
    this.keys.assertLabelFree(session, label);
    const id = this.keys.reserveId(session, idHex);
    const mechanism = this.module.guard(session.where, () => kwpOf(this.module, session, 'a restore'));
    const {
      created: { handle: unwrapped, template, templates },
      notes,
    } = withSealingNow(session.where, (sealing) => {
      const templates = cmkTemplates(spec, { id, label }, sealing);
      const template: Template = [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: ec ? pkcs11js.CKK_EC : pkcs11js.CKK_RSA },
        ...(templates.privateKey ?? []),
      ];
      return { handle: this.lib.C_UnwrapKey(session.handle, mechanism, kek, wrapped, template), template, templates };
    });
    const created: Handle[] = [unwrapped];
    const [main] = created as [Handle];
    try {
      const spki = ec
        ? this.provenEcPublicKey(session, kek, wrapped, main, spec, recorded ?? Buffer.alloc(0))
        : this.rsaPublicKey(session, main, spec);
      if (recorded && !spki.equals(recorded)) {
        throw new KeywardError(
          'HSM_KEY_REJECTED',
          'The restored private key does not belong to the public key recorded for it; it was destroyed.',
          'Check that the backup and its record are for the same key version.',
        );
      }
      const publicKey = this.module.guard(session.where, () =>
        this.lib.C_CreateObject(session.handle, publicKeyObject(templates.publicKey ?? [], spki)),
      );
      created.push(publicKey);
      return this.keys.verifyCreated(session, spec, id, label, { main, publicKey, requested: template }, notes);
    } catch (error) {
      this.keys.destroyHandles(session, created);
      throw error;
    }
  }

  private rsaPublicKey(session: TokenSession, privateKey: Handle, spec: CmkSpec): Buffer {
    const bits = this.module.guard(
      session.where,
      () =>
        (readAttributes(this.lib, session.handle, privateKey, [pkcs11js.CKA_MODULUS]).get(pkcs11js.CKA_MODULUS)
          ?.length ?? 0) * 8,
    );
    if (`RSA_${bits}` !== spec) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        `The restored key is RSA-${bits}, not the ${spec} recorded for it; it was destroyed.`,
        'Check the key type recorded for this backup.',
      );
    }
    return this.module.guard(session.where, () => publicKeySpki(this.lib, session.handle, privateKey));
  }

  /**
   * The recorded EC public key, once the token has shown that the restored private key matches it: the
   * same backup is unwrapped once more into a session key that may only sign, it signs a random digest,
   * and the signature is verified against the recorded key. The restored CMK itself never signs.
   */
  private provenEcPublicKey(
    session: TokenSession,
    kek: Handle,
    wrapped: Buffer,
    privateKey: Handle,
    spec: CmkSpec,
    recorded: Buffer,
  ): Buffer {
    const shape = cmkShapes[spec];
    const curve = shape.kind === 'ec' ? curveParams[shape.curve] : undefined;
    const params = this.module.guard(session.where, () =>
      readAttributes(this.lib, session.handle, privateKey, [pkcs11js.CKA_EC_PARAMS]).get(pkcs11js.CKA_EC_PARAMS),
    );
    if (!curve || !params?.equals(curve)) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        `The restored key is not on the curve of the ${spec} recorded for it; it was destroyed.`,
        'Check the key type recorded for this backup.',
      );
    }
    let publicKey;
    try {
      publicKey = createPublicKey({ key: recorded, format: 'der', type: 'spki' });
    } catch {
      throw new KeywardError(
        'INVALID_REQUEST',
        'The public key recorded for this EC key is not a valid DER SubjectPublicKeyInfo.',
        'Restore from the complete backup record.',
      );
    }
    const challenge = randomBytes(32);
    const signature = this.module.guard(session.where, () => {
      const probe = this.lib.C_UnwrapKey(session.handle, kwpOf(this.module, session, 'a restore'), kek, wrapped, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
        { type: pkcs11js.CKA_TOKEN, value: false }, // a session object, destroyed below
        { type: pkcs11js.CKA_PRIVATE, value: true }, // only this login sees it
        { type: pkcs11js.CKA_SENSITIVE, value: true }, // never readable
        { type: pkcs11js.CKA_EXTRACTABLE, value: false }, // never leaves the token
        { type: pkcs11js.CKA_WRAP_WITH_TRUSTED, value: true }, // asked for by a backup KEK's unwrap template (wrapping.ts)
        { type: pkcs11js.CKA_SIGN, value: true }, // its one use: signing the challenge
        { type: pkcs11js.CKA_DECRYPT, value: false },
        { type: pkcs11js.CKA_UNWRAP, value: false },
        { type: pkcs11js.CKA_DERIVE, value: false },
      ]);
      try {
        this.lib.C_SignInit(session.handle, { mechanism: pkcs11js.CKM_ECDSA }, probe);
        return Buffer.from(
          this.lib.C_Sign(session.handle, createHash('sha256').update(challenge).digest(), Buffer.alloc(132)),
        );
      } finally {
        this.lib.C_DestroyObject(session.handle, probe);
      }
    });
    if (!verify('sha256', challenge, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        'The restored private key does not belong to the public key recorded for it; it was destroyed.',
        'Check that the backup and its record are for the same key version.',
      );
    }
    return publicKey.export({ type: 'spki', format: 'der' });
  }

  /**
   * Unwraps into a secret CMK with the CMK template, re-reads it and takes its KCV (computed in the token
   * where the token leaves CKA_CHECK_VALUE empty). A key that fails any check is destroyed.
   */
  private unwrapInto(
    session: TokenSession,
    mechanism: pkcs11js.Mechanism,
    unwrappingKey: Handle,
    wrapped: Buffer,
    spec: CmkSpec,
    idHex: string,
    label: string,
  ): KeyObject {
    if (!isSecretSpec(spec)) {
      throw new KeywardError(
        'INVALID_REQUEST',
        `A ${spec} key cannot be received this way: keys sent under the transport key are AES or HMAC keys.`,
        'Restore RSA and EC keys from their AES-KWP backup instead.',
      );
    }
    this.keys.assertLabelFree(session, label);
    const id = this.keys.reserveId(session, idHex);
    // The unwrapped value sets the length; the rest is the CMK template.
    const {
      created: { handle, template },
      notes,
    } = withSealingNow(session.where, (sealing) => {
      const template = (cmkTemplates(spec, { id, label }, sealing).secret ?? []).filter(
        (a) => a.type !== pkcs11js.CKA_VALUE_LEN,
      );
      return { handle: this.lib.C_UnwrapKey(session.handle, mechanism, unwrappingKey, wrapped, template), template };
    });
    try {
      const key = this.keys.verifyCreated(session, spec, id, label, { main: handle, requested: template }, notes, () =>
        checkValueOfWrapped(this.module, session, mechanism, unwrappingKey, wrapped, isAesSpec(spec)),
      );
      const expectedBytes = secretBytesOf(spec);
      const valueLength = this.module.guard(session.where, () =>
        readAttributes(this.lib, session.handle, handle, [pkcs11js.CKA_VALUE_LEN])
          .get(pkcs11js.CKA_VALUE_LEN)
          ?.readUIntLE(0, 4),
      );
      if (!valueLength) {
        // SoftHSM leaves CKA_VALUE_LEN empty on unwrapped keys; the KCV, compared with the inventory, still identifies the key.
        return {
          ...key,
          notes: [
            ...key.notes,
            'The token does not report the length of unwrapped keys (CKA_VALUE_LEN), so only the check value identifies this key: compare it with the inventory.',
          ],
        };
      }
      if (valueLength !== expectedBytes) {
        throw new KeywardError(
          'HSM_KEY_REJECTED',
          `The unwrapped key is ${valueLength} bytes, not the ${expectedBytes} bytes of a ${spec} key; it was destroyed.`,
          'Check the key type recorded for this backup or transfer.',
        );
      }
      return key;
    } catch (error) {
      this.keys.destroyHandles(session, [handle]);
      throw error;
    }
  }
}

/**
 * The public half of a restored key pair, from its generation template (id, label, uses) with the
 * components of the public key in place of the generation parameters.
 */
function publicKeyObject(generationTemplate: Template, spki: Buffer): Template {
  const jwk = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
  const kept = generationTemplate.filter(
    (a) =>
      a.type !== pkcs11js.CKA_MODULUS_BITS &&
      a.type !== pkcs11js.CKA_PUBLIC_EXPONENT &&
      a.type !== pkcs11js.CKA_EC_PARAMS,
  );
  const b64 = (value: string | undefined) => Buffer.from(value ?? '', 'base64url');
  if (jwk.kty === 'RSA') {
    return [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      ...kept,
      { type: pkcs11js.CKA_MODULUS, value: b64(jwk.n) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: b64(jwk.e) },
    ];
  }
  const point = Buffer.concat([Buffer.from([0x04]), b64(jwk.x), b64(jwk.y)]);
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
    ...kept,
    { type: pkcs11js.CKA_EC_PARAMS, value: curveParams[curveOfJwk(jwk.crv)] },
    // CKA_EC_POINT is the DER OCTET STRING around the uncompressed point (PKCS#11 v2.40).
    { type: pkcs11js.CKA_EC_POINT, value: derOctetString(point) },
  ];
}
