/** CMKs generated inside the token, their check values, and their destruction. */
import pkcs11js from 'pkcs11js';
import { KeywardError } from '../../../shared/errors';
import {
  isAesSpec,
  type CmkSpec,
  type KeyObject,
  type SecurityAttributes,
  type TokenObjectRef,
} from '../../../shared/keys';
import { objectIdBytes } from '../object-id';
import type { EphemeralKeys } from './ephemeral';
import { checkValueByWrapping } from './in-token-kcv';
import { findKey, keyTypeOf } from './key-lookup';
import type { Pkcs11Module } from './module';
import {
  attributeNumber as attributeNumberOf,
  findObjects,
  publicKeySpki,
  readAttributes,
  readSecurityAttributes,
  reportedCheckValue,
  requestedBooleans,
  spkiCheckValue,
  spkiFingerprint,
} from './objects';
import { toHsmError } from './pkcs11-errors';
import type { Sessions, TokenSession } from './sessions';
import { cmkTemplates, type Sealing, type Template } from './templates';

type Handle = Buffer;

const cmkMaxLabelLength = 64;

const objectKinds: Record<number, TokenObjectRef['kind']> = {
  [pkcs11js.CKO_SECRET_KEY]: 'secret key',
  [pkcs11js.CKO_PRIVATE_KEY]: 'private key',
  [pkcs11js.CKO_PUBLIC_KEY]: 'public key',
  [pkcs11js.CKO_DATA]: 'data object',
  [pkcs11js.CKO_CERTIFICATE]: 'certificate',
};

function assertLabelShape(label: string): void {
  if (label.length === 0 || label.length > cmkMaxLabelLength || /\p{Cc}/u.test(label)) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `A key label must be 1 to ${cmkMaxLabelLength} printable characters.`,
      'Choose another label.',
    );
  }
}

const labelTaken = (where: string, label: string): KeywardError =>
  new KeywardError(
    'HSM_LABEL_TAKEN',
    `${where} already holds an object labelled "${label}"; labels name keys in ceremonies, so each is used once.`,
    'Choose a label no object on this token has (for a new version, add the version number), and plan the ceremony again.',
  );

/** How tokens refuse a sealing attribute (NSS: CKR_GENERAL_ERROR for CKA_COPYABLE=false on a token object). */
const sealingRefusals = new Set([
  'CKR_ATTRIBUTE_VALUE_INVALID',
  'CKR_TEMPLATE_INCONSISTENT',
  'CKR_ATTRIBUTE_TYPE_INVALID',
  'CKR_ATTRIBUTE_READ_ONLY',
  'CKR_GENERAL_ERROR',
]);
const sealingNotes: Record<Sealing, string | undefined> = {
  sealed: undefined,
  'no-copyable':
    'The token does not accept CKA_COPYABLE=false on this key type; the key was created without it (CKA_MODIFIABLE=false holds).',
  none: 'The token does not accept CKA_COPYABLE=false and CKA_MODIFIABLE=false on this key type; the key was created without them.',
};

const sealingOrder = ['sealed', 'no-copyable', 'none'] as const;
const notesOf = (sealing: Sealing): string[] => (sealingNotes[sealing] ? [sealingNotes[sealing]] : []);
/** Goes on to less sealing only when the token refused a sealing attribute; any other refusal is the token's. */
function refusedSealing(error: unknown, where: string): void {
  const code = error instanceof Error ? /^CKR_[A-Z_]+/.exec(error.message)?.[0] : undefined;
  if (!code || !sealingRefusals.has(code)) throw toHsmError(error, where);
}

/**
 * Creates a CMK object sealed, or else with what the token accepts of the sealing (each refusal tried
 * with less); what was left out is returned as a note for the record.
 */
export async function withSealing<T>(
  where: string,
  create: (sealing: Sealing) => Promise<T>,
): Promise<{ created: T; notes: string[] }> {
  let first: unknown;
  for (const sealing of sealingOrder) {
    try {
      return { created: await create(sealing), notes: notesOf(sealing) };
    } catch (error) {
      first ??= error;
      refusedSealing(error, where);
    }
  }
  throw toHsmError(first, where);
}

/** The same, for a creation the module does at once (C_UnwrapKey). */
export function withSealingNow<T>(where: string, create: (sealing: Sealing) => T): { created: T; notes: string[] } {
  let first: unknown;
  for (const sealing of sealingOrder) {
    try {
      return { created: create(sealing), notes: notesOf(sealing) };
    } catch (error) {
      first ??= error;
      refusedSealing(error, where);
    }
  }
  throw toHsmError(first, where);
}

export class Keys {
  constructor(
    private readonly module: Pkcs11Module,
    private readonly sessions: Sessions,
    private readonly ephemerals: EphemeralKeys,
  ) {}

  private get lib(): pkcs11js.PKCS11 {
    return this.module.lib;
  }

  /**
   * The CKA_ID the caller drew for a new object (and recorded before asking), refused if any object the
   * session can see already carries it: a rollback destroys by this id, so it must name one object only.
   */
  reserveId(session: TokenSession, idHex: string): Buffer {
    const id = objectIdBytes(idHex);
    const found = this.module.guard(session.where, () =>
      findObjects(this.lib, session.handle, [{ type: pkcs11js.CKA_ID, value: id }]),
    );
    if (found.length > 0) {
      throw new KeywardError(
        'HSM_KEY_EXISTS',
        `${session.where} already holds an object with the id ${idHex}; nothing was created.`,
        'Abort this ceremony and plan it again (a new plan draws new ids).',
      );
    }
    return id;
  }

  /** Random bytes from the token's generator (any login). */
  random(uri: string, bytes: number): Uint8Array {
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1024)
      throw new KeywardError(
        'INVALID_REQUEST',
        'Between 1 and 1024 random bytes can be drawn at once.',
        'Ask for fewer.',
      );
    const session = this.sessions.require(uri, ['user', 'security-officer']);
    return this.module.guard(session.where, () => this.lib.C_GenerateRandom(session.handle, Buffer.alloc(bytes)));
  }

  /** Refuses a label any object this session can see already has: labels name keys in ceremonies and must be unique. */
  assertLabelFree(session: TokenSession, label: string): void {
    assertLabelShape(label);
    if (this.labelTaken(session, label)) throw labelTaken(session.where, label);
  }

  /**
   * The labels among these that an object on the token carries, read in the user's session: it sees the
   * public objects (all the security officer can see) and the user's private ones, CMKs included.
   */
  labelsInUse(uri: string, labels: string[]): string[] {
    const session = this.sessions.require(uri, 'user');
    for (const label of labels) assertLabelShape(label);
    return labels.filter((label) => this.labelTaken(session, label));
  }

  private labelTaken(session: TokenSession, label: string): boolean {
    return (
      this.module.guard(session.where, () =>
        findObjects(this.lib, session.handle, [{ type: pkcs11js.CKA_LABEL, value: label }]),
      ).length > 0
    );
  }

  async generateCmk(uri: string, idHex: string, label: string, spec: CmkSpec): Promise<KeyObject> {
    const session = this.sessions.require(uri, 'user');
    this.assertLabelFree(session, label);
    const id = this.reserveId(session, idHex);
    const { created, notes } = await withSealing(session.where, (sealing) =>
      this.create(session, spec, id, label, sealing),
    );
    try {
      // A token without CKA_CHECK_VALUE: the check value is computed in the token, if the SO prepared a check key.
      const computeKcv = () =>
        this.computeWithPreparedCheckKey(session, created.main, isAesSpec(spec), () =>
          this.checkValue(session, created.main),
        );
      return this.verifyCreated(session, spec, id, label, created, notes, created.publicKey ? undefined : computeKcv);
    } catch (error) {
      this.destroyHandles(session, [created.main, ...(created.publicKey ? [created.publicKey] : [])]);
      throw error;
    }
  }

  /**
   * Rollback of a step that did not complete: the objects it reserved (each by the CKA_ID drawn for it and
   * its label) are destroyed, and only those. An object with a reserved id but another label is not the
   * step's and is kept (and named). Finding none is not an error: the step may not have reached the token.
   */
  destroyReserved(
    uri: string,
    reserved: { id: string; label: string }[],
  ): { destroyed: TokenObjectRef[]; kept: TokenObjectRef[] } {
    const session = this.sessions.require(uri, 'user');
    const destroyed: TokenObjectRef[] = [];
    const kept: TokenObjectRef[] = [];
    for (const { id, label } of reserved) {
      const handles = this.module.guard(session.where, () =>
        findObjects(this.lib, session.handle, [{ type: pkcs11js.CKA_ID, value: objectIdBytes(id) }]),
      );
      for (const handle of handles) {
        const found = this.describe(session, handle, id);
        if (found.label !== label) {
          kept.push(found);
          continue;
        }
        this.destroyHandles(session, [handle]);
        destroyed.push(found);
      }
      const remaining = this.module.guard(session.where, () =>
        findObjects(this.lib, session.handle, [
          { type: pkcs11js.CKA_ID, value: objectIdBytes(id) },
          { type: pkcs11js.CKA_LABEL, value: label },
        ]),
      );
      if (remaining.length > 0) {
        throw new KeywardError(
          'HSM_DEVICE_ERROR',
          `${session.where} still holds ${remaining.length} object(s) with the id ${id} ("${label}") after destroying them.`,
          'Check the token with the vendor tools and destroy them there.',
        );
      }
    }
    return { destroyed, kept };
  }

  /** What an object is: its id, label and kind, read from the token. */
  describe(session: TokenSession, handle: Handle, idHex: string): TokenObjectRef {
    const read = (type: number): Buffer | undefined => {
      try {
        return readAttributes(this.lib, session.handle, handle, [type]).get(type);
      } catch {
        return undefined;
      }
    };
    const cls = read(pkcs11js.CKA_CLASS)?.readUIntLE(0, 4);
    return {
      id: idHex,
      label: read(pkcs11js.CKA_LABEL)?.toString('utf8') ?? '',
      kind: objectKinds[cls ?? -1] ?? 'other',
    };
  }

  /** Every object (secret, private and public key) with this CKA_ID is destroyed; then the token is searched again. */
  destroy(uri: string, idHex: string): { destroyed: number; objects: TokenObjectRef[] } {
    // The security officer may destroy the public objects it created (a wrapping key it imported).
    const session = this.sessions.require(uri, ['user', 'security-officer']);
    const id = objectIdBytes(idHex);
    const handles = this.module.guard(session.where, () =>
      findObjects(this.lib, session.handle, [{ type: pkcs11js.CKA_ID, value: id }]),
    );
    if (handles.length === 0) {
      throw new KeywardError(
        'HSM_KEY_NOT_FOUND',
        `${session.where} holds no key with id ${idHex}.`,
        'Check the key id in the inventory; it may already have been destroyed.',
      );
    }
    const objects = handles.map((handle) => this.describe(session, handle, idHex));
    this.destroyHandles(session, handles);
    const remaining = this.module.guard(session.where, () =>
      findObjects(this.lib, session.handle, [{ type: pkcs11js.CKA_ID, value: id }]),
    );
    if (remaining.length > 0) {
      throw new KeywardError(
        'HSM_DEVICE_ERROR',
        `${session.where} reported the key ${idHex} destroyed, but ${remaining.length} of its objects are still present.`,
        'Do not record the key as destroyed. Check the token with the vendor tools and repeat the destruction.',
      );
    }
    return { destroyed: handles.length, objects };
  }

  private reportedCheckValue(session: TokenSession, key: Handle): string | undefined {
    return this.module.guard(session.where, () => reportedCheckValue(this.lib, session.handle, key))?.toString('hex');
  }

  /**
   * Whether the token reports CKA_CHECK_VALUE for a new AES key (a throw-away session key, learned once per
   * session): where it does not, a CMK's check value is computed in the token, under a check key the
   * security officer prepares first.
   */
  reportsCheckValue(uri: string): boolean {
    const session = this.sessions.require(uri, 'user');
    if (session.reportsCheckValue !== undefined) return session.reportsCheckValue;
    const key = this.module.guard(session.where, () =>
      this.lib.C_GenerateKey(session.handle, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_TOKEN, value: false }, // gone with the session
        { type: pkcs11js.CKA_SENSITIVE, value: true }, // never readable
        { type: pkcs11js.CKA_EXTRACTABLE, value: false }, // never leaves the token
      ]),
    );
    try {
      session.reportsCheckValue = this.reportedCheckValue(session, key) !== undefined;
      return session.reportsCheckValue;
    } finally {
      this.destroyHandles(session, [key]);
    }
  }

  /** The key check value, read from the token (CKA_CHECK_VALUE) for a secret key. */
  checkValue(session: TokenSession, key: Handle): string {
    const value = this.module.guard(session.where, () => reportedCheckValue(this.lib, session.handle, key));
    if (!value) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        `${session.where} does not report a check value (CKA_CHECK_VALUE) for this key, so officers could not confirm it later.`,
        'Have the security officer prepare an in-token key check first (Keyward then computes the check value inside the token), or use a token whose module provides CKA_CHECK_VALUE.',
      );
    }
    return value.toString('hex');
  }

  /**
   * The check value computed inside the token, independently of CKA_CHECK_VALUE: the key is wrapped under
   * the check key the security officer prepared and the copy is probed (see in-token-kcv.ts). It confirms
   * a key's identity without trusting the attribute, and works where the token has none.
   */
  checkValueInToken(uri: string, idHex: string): string {
    const session = this.sessions.require(uri, 'user');
    const key = findKey(this.module, session, idHex, [pkcs11js.CKO_SECRET_KEY]);
    const keyType = keyTypeOf(this.module, session, key);
    if (keyType !== pkcs11js.CKK_AES && keyType !== pkcs11js.CKK_GENERIC_SECRET) {
      throw new KeywardError(
        'INVALID_REQUEST',
        `Key ${idHex} is not an AES or HMAC key; its check value is the SHA-256 of its public key.`,
        'Read the public key instead.',
      );
    }
    return this.computeWithPreparedCheckKey(session, key, keyType === pkcs11js.CKK_AES, () => {
      throw new KeywardError(
        'HSM_NOT_LOGGED_IN',
        `No key check has been prepared on ${session.where}: the key is wrapped under a trusted check key, which only the security officer can create.`,
        'Have the security officer log in and prepare the key check, then log in as user and check the key again.',
      );
    });
  }

  /** `unprepared`: what to do when the security officer has not prepared a check key. */
  private computeWithPreparedCheckKey(
    session: TokenSession,
    key: Handle,
    aes: boolean,
    unprepared: () => string,
  ): string {
    const checkKey = this.ephemerals.take(session, 'key-check');
    if (!checkKey) return unprepared();
    try {
      return checkValueByWrapping(this.module, session, checkKey, key, aes);
    } finally {
      this.ephemerals.destroy(session, checkKey);
    }
  }

  /**
   * A hash of a secret key's value, computed in the token (C_DigestKey): some providers (Salesforce
   * Shield) ask for the SHA-256 of the key material beside the wrapped key.
   */
  digestKey(uri: string, idHex: string): Uint8Array {
    const session = this.sessions.require(uri, 'user');
    const key = findKey(this.module, session, idHex, [pkcs11js.CKO_SECRET_KEY]);
    return this.module.guard(session.where, () => {
      this.lib.C_DigestInit(session.handle, { mechanism: pkcs11js.CKM_SHA256 });
      this.lib.C_DigestKey(session.handle, key);
      return this.lib.C_DigestFinal(session.handle, Buffer.alloc(32));
    });
  }

  /** The key check value of a secret key found by label (for keys Keyward did not create, e.g. on restore). */
  checkValueByLabel(uri: string, label: string): string {
    const session = this.sessions.require(uri, 'user');
    const found = this.module.guard(session.where, () =>
      findObjects(this.lib, session.handle, [
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      ]),
    );
    const [only] = found;
    if (!only || found.length > 1) {
      throw new KeywardError(
        'HSM_KEY_NOT_FOUND',
        `${session.where} holds ${found.length ? 'several secret keys' : 'no secret key'} labelled "${label}".`,
        'Check the label.',
      );
    }
    return this.checkValue(session, only);
  }

  /** On the module's own thread (pkcs11js *Async): RSA-4096 takes seconds, and the HSM process keeps reporting progress. */
  private async create(
    session: TokenSession,
    spec: CmkSpec,
    id: Buffer,
    label: string,
    sealing: Sealing,
  ): Promise<{ main: Handle; publicKey?: Handle; requested: Template }> {
    const t = cmkTemplates(spec, { id, label }, sealing);
    const mechanism = { mechanism: t.mechanism };
    if (t.secret)
      return { main: await this.lib.C_GenerateKeyAsync(session.handle, mechanism, t.secret), requested: t.secret };
    const pair = await this.lib.C_GenerateKeyPairAsync(
      session.handle,
      mechanism,
      t.publicKey ?? [],
      t.privateKey ?? [],
    );
    return { main: pair.privateKey, publicKey: pair.publicKey, requested: t.privateKey ?? [] };
  }

  /** Re-reads every security attribute; a token that silently changed one is not trusted with the CMK. */
  verifyCreated(
    session: TokenSession,
    spec: CmkSpec,
    id: Buffer,
    label: string,
    /** `spki`: the public key of a private key restored without its public object. */
    created: { main: Handle; publicKey?: Handle; spki?: Buffer; requested: Template },
    notes: string[],
    /** For keys whose token leaves CKA_CHECK_VALUE empty (SoftHSM after an unwrap): computed in the token by the caller. */
    computeKcv?: () => string,
  ): KeyObject {
    const attributes = this.module.guard(session.where, () =>
      readSecurityAttributes(this.lib, session.handle, created.main),
    );
    const requested = requestedBooleans(created.requested);
    const differing = (Object.keys(attributes) as (keyof SecurityAttributes)[]).filter((name) => {
      const asked = requested.get(attributeNumberOf(name));
      return asked !== undefined && asked !== attributes[name];
    });
    if (differing.length > 0) {
      throw new KeywardError(
        'HSM_KEY_REJECTED',
        `${session.where} created the key "${label}" with attributes other than requested (${differing.join(', ')}); the key was destroyed.`,
        'This token does not enforce the protections a CMK needs. Use another token or model, and report this to its vendor.',
      );
    }
    const { publicKey } = created;
    const spki =
      created.spki ??
      (publicKey
        ? this.module.guard(session.where, () => publicKeySpki(this.lib, session.handle, publicKey))
        : undefined);
    if (spki) {
      return {
        id: id.toString('hex'),
        label,
        spec,
        kcv: spkiCheckValue(spki),
        kcvSource: 'SHA-256 of public key',
        publicKeySha256: spkiFingerprint(spki),
        attributes,
        notes,
      };
    }
    const reported = this.reportedCheckValue(session, created.main);
    if (reported || !computeKcv) {
      return {
        id: id.toString('hex'),
        label,
        spec,
        kcv: reported ?? this.checkValue(session, created.main),
        kcvSource: 'CKA_CHECK_VALUE',
        attributes,
        notes,
      };
    }
    return {
      id: id.toString('hex'),
      label,
      spec,
      kcv: computeKcv(),
      kcvSource: 'computed in the token',
      attributes,
      notes,
    };
  }

  destroyHandles(session: TokenSession, handles: Handle[]): void {
    // What the session found and verified of them is forgotten (a self-test's session keys were never found).
    session.known.forgetObjects(handles);
    this.module.guard(session.where, () => {
      for (const handle of handles) this.lib.C_DestroyObject(session.handle, handle);
    });
  }
}
