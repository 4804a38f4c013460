/**
 * Security review, item 10: the trusted keys the security officer makes (the RSA-AES ephemeral key, the
 * key-check key, the backup KEKs) must not give a user session a way around CKA_WRAP_WITH_TRUSTED. A
 * trusted key may wrap the CMK; one that may also unwrap must not unwrap that blob again into a copy the
 * attacker can read, or wrap under a key of its own. The attacks run in-process on a real SoftHSM token,
 * with the raw PKCS#11 calls code inside a user session could make; the CMK is generated with Keyward's
 * own template. The attacker finds the SO's key on the token (a public object), as it would without
 * Keyward's help.
 *
 * Review of that fix: the unwrap templates forced only sensitive and non-extractable, so the same code
 * could still unwrap the CMK into a token object of its own (under any CKA_ID) that may decrypt, unwrap
 * or derive. The check key now gives only session copies with no use but the probe's, and a backup KEK
 * only copies that never decrypt, unwrap or derive.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  generateKeyPairSync,
  privateDecrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EphemeralKeys } from '../../src/main/hsm/host/ephemeral';
import { Keys } from '../../src/main/hsm/host/keys';
import { Pkcs11Module } from '../../src/main/hsm/host/module';
import { publicKeySpki } from '../../src/main/hsm/host/objects';
import { oaepParameter } from '../../src/main/hsm/host/probe';
import { Sessions, type TokenSession } from '../../src/main/hsm/host/sessions';
import { Unwrapping } from '../../src/main/hsm/host/unwrapping';
import { Wrapping } from '../../src/main/hsm/host/wrapping';
import { newObjectId } from '../../src/main/hsm/object-id';
import { splitWraps } from '../../src/main/hsm/protocol';
import type { KeyObject as TokenKey } from '../../src/shared/keys';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';

type Handle = Buffer;

const label = 'Ephemerals';
const uri = `pkcs11:token=${label}`;
const userPin = '4321';
const soPin = 'so-4321';
const kwp: pkcs11js.Mechanism = { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD };
const oaep: pkcs11js.Mechanism = { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: oaepParameter('sha1') };

let tokens: TestTokens;
let savedConf: string | undefined;
let module: Pkcs11Module;
let sessions: Sessions;
let keys: Keys;
let wrapping: Wrapping;
let unwrapping: Unwrapping;
let cmk: TokenKey;

beforeAll(async () => {
  tokens = makeSoftHsmDir();
  initToken(tokens, label, userPin, soPin);
  // The in-process module reads its configuration when it is initialised.
  savedConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = tokens.conf;
  module = Pkcs11Module.open(softhsmModule);
  sessions = new Sessions(module);
  const ephemerals = new EphemeralKeys(module);
  keys = new Keys(module, sessions, ephemerals);
  wrapping = new Wrapping(module, sessions, keys, ephemerals);
  unwrapping = new Unwrapping(module, sessions, keys);
  asUser();
  cmk = await keys.generateCmk(uri, newObjectId(), 'Tenant CMK', 'AES_256');
});

afterAll(() => {
  module.close();
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
  tokens.cleanup();
});

function asUser(): TokenSession {
  sessions.login(uri, 'user', [userPin]);
  return sessions.require(uri, 'user');
}

/** The SO prepares a trusted session key and logs out; the user logs in for the next step. */
function preparedBySo(purpose: 'rsa-aes' | 'key-check'): TokenSession {
  sessions.login(uri, 'security-officer', [soPin]);
  wrapping.prepare(uri, purpose);
  return asUser();
}

const lib = (): pkcs11js.PKCS11 => module.lib;

function findAll(session: TokenSession, template: pkcs11js.Template): Handle[] {
  lib().C_FindObjectsInit(session.handle, template);
  try {
    return lib().C_FindObjects(session.handle, 100);
  } finally {
    lib().C_FindObjectsFinal(session.handle);
  }
}

/** What the attacker sees: the one trusted secret session key on the token, whoever made it. */
function trustedSessionKey(session: TokenSession): Handle {
  const found = findAll(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_TOKEN, value: false },
    { type: pkcs11js.CKA_TRUSTED, value: true },
  ]);
  expect(found).toHaveLength(1);
  return found[0] as Handle;
}

function handleOf(session: TokenSession, idHex: string): Handle {
  const [handle] = findAll(session, [{ type: pkcs11js.CKA_ID, value: Buffer.from(idHex, 'hex') }]);
  if (!handle) throw new Error(`no object ${idHex} on the token`);
  return handle;
}

const cmkHandle = (session: TokenSession): Handle => handleOf(session, cmk.id);

function aesKcv(key: Buffer): string {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()])
    .subarray(0, 3)
    .toString('hex');
}

function unwrapKwpInSoftware(kek: Buffer, wrapped: Buffer): Buffer {
  const decipher = createDecipheriv('id-aes256-wrap-pad', kek, Buffer.from('A65959A6', 'hex'));
  return Buffer.concat([decipher.update(wrapped), decipher.final()]);
}

/** An RSA key pair the attacker holds in software; its public half becomes an (untrusted) token object. */
function attackerWrappingKey(session: TokenSession): { handle: Handle; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const handle = lib().C_CreateObject(session.handle, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
    { type: pkcs11js.CKA_TOKEN, value: false },
    { type: pkcs11js.CKA_WRAP, value: true },
    { type: pkcs11js.CKA_MODULUS, value: Buffer.from(jwk.n ?? '', 'base64url') },
    { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from(jwk.e ?? '', 'base64url') },
  ]);
  return { handle, privateKey };
}

/** The PKCS#11 error of a call that must fail, or what the call gave the attacker. */
function attempt<T>(call: () => T): { refused: string } | { gave: T } {
  try {
    return { gave: call() };
  } catch (error) {
    return { refused: error instanceof Error ? error.message : String(error) };
  }
}

/** What an attempt to get the CMK out through an unwrap gave the attacker. */
type Theft = { refused: string } | { recoveredKcv: string } | { copyStaysInToken: string };

const copyTemplate = (extra: pkcs11js.Template): pkcs11js.Template => [
  { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
  { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
  { type: pkcs11js.CKA_TOKEN, value: false },
  ...extra,
];

/** Unwraps the blob into a copy the attacker's template describes, runs `use` on it, destroys it. */
function withUnwrappedCopy(
  session: TokenSession,
  unwrappingKey: Handle,
  wrapped: Buffer,
  template: pkcs11js.Template,
  use: (copy: Handle) => Theft,
): Theft {
  const unwrapped = attempt(() =>
    lib().C_UnwrapKey(session.handle, kwp, unwrappingKey, wrapped, copyTemplate(template)),
  );
  if ('refused' in unwrapped) return unwrapped;
  try {
    return use(unwrapped.gave);
  } finally {
    lib().C_DestroyObject(session.handle, unwrapped.gave);
  }
}

/** Route 1: a copy that is not sensitive, whose value the attacker reads. */
function readableCopy(session: TokenSession, unwrappingKey: Handle, wrapped: Buffer): Theft {
  const readable = [
    { type: pkcs11js.CKA_SENSITIVE, value: false },
    { type: pkcs11js.CKA_EXTRACTABLE, value: true },
  ];
  return withUnwrappedCopy(session, unwrappingKey, wrapped, readable, (copy) => {
    const value = attempt(
      () => lib().C_GetAttributeValue(session.handle, copy, [{ type: pkcs11js.CKA_VALUE }])[0]?.value,
    );
    return 'gave' in value && value.gave?.length
      ? { recoveredKcv: aesKcv(value.gave) }
      : { copyStaysInToken: 'its value cannot be read' };
  });
}

/** Route 2: a sensitive copy that may be wrapped under any key, wrapped under an AES key whose value the attacker chose. */
function rewrappedCopy(session: TokenSession, unwrappingKey: Handle, wrapped: Buffer): Theft {
  const leaving = [
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: true },
    { type: pkcs11js.CKA_WRAP_WITH_TRUSTED, value: false },
  ];
  return withUnwrappedCopy(session, unwrappingKey, wrapped, leaving, (copy) => {
    const attackerValue = randomBytes(32);
    const attackerKey = lib().C_CreateObject(
      session.handle,
      copyTemplate([
        { type: pkcs11js.CKA_WRAP, value: true },
        { type: pkcs11js.CKA_VALUE, value: attackerValue },
      ]),
    );
    try {
      const rewrapped = attempt(() => lib().C_WrapKey(session.handle, kwp, attackerKey, copy, Buffer.alloc(512)));
      return 'refused' in rewrapped
        ? { copyStaysInToken: rewrapped.refused }
        : { recoveredKcv: aesKcv(unwrapKwpInSoftware(attackerValue, rewrapped.gave)) };
    } finally {
      lib().C_DestroyObject(session.handle, attackerKey);
    }
  });
}

/**
 * Both routes against a trusted key that may unwrap, with the CMK wrapped under it. SoftHSM enforces
 * CKA_UNWRAP_TEMPLATE by refusing an unwrap whose template contradicts it (CKR_TEMPLATE_INCONSISTENT).
 */
function expectNoCopyOfTheCmk(session: TokenSession, unwrappingKey: Handle, cmkUnderIt: Buffer): void {
  const theft = {
    readable: readableCopy(session, unwrappingKey, cmkUnderIt),
    rewrapped: rewrappedCopy(session, unwrappingKey, cmkUnderIt),
  };
  const refused = { refused: 'CKR_TEMPLATE_INCONSISTENT' };
  expect(theft, `what the attacker got (the CMK's check value is ${cmk.kcv})`).toEqual({
    readable: refused,
    rewrapped: refused,
  });
}

describe('the RSA-AES ephemeral key leaves the token only under a key the security officer trusted', () => {
  it('refuses to wrap the ephemeral key (or the CMK) under an RSA key the attacker created as user', () => {
    const session = preparedBySo('rsa-aes');
    const ephemeral = trustedSessionKey(session);
    const target = cmkHandle(session);
    const attacker = attackerWrappingKey(session);
    try {
      // The attack: the ephemeral under the attacker's key gives its value; the CMK under the (trusted)
      // ephemeral is then the KWP part of an RSA-AES wrap, which the attacker now opens in software.
      const ephemeralUnderAttackerKey = attempt(() =>
        lib().C_WrapKey(session.handle, oaep, attacker.handle, ephemeral, Buffer.alloc(512)),
      );
      const outcome =
        'refused' in ephemeralUnderAttackerKey
          ? ephemeralUnderAttackerKey
          : {
              recoveredCmkKcv: aesKcv(
                unwrapKwpInSoftware(
                  privateDecrypt(
                    { key: attacker.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
                    ephemeralUnderAttackerKey.gave,
                  ),
                  lib().C_WrapKey(session.handle, kwp, ephemeral, target, Buffer.alloc(512)),
                ),
              ),
              cmkKcv: cmk.kcv,
            };
      expect(outcome).toEqual({ refused: 'CKR_KEY_NOT_WRAPPABLE' });

      const cmkUnderAttackerKey = attempt(() =>
        lib().C_WrapKey(session.handle, oaep, attacker.handle, target, Buffer.alloc(512)),
      );
      expect(cmkUnderAttackerKey).toEqual({ refused: 'CKR_KEY_NOT_WRAPPABLE' });
    } finally {
      lib().C_DestroyObject(session.handle, attacker.handle);
      lib().C_DestroyObject(session.handle, ephemeral);
    }
  });

  it('refuses the attacker new uses for the trusted ephemeral key: no UNWRAP set on it, no copy with UNWRAP', () => {
    const session = preparedBySo('rsa-aes');
    const ephemeral = trustedSessionKey(session);
    const cmkUnderEphemeral = lib().C_WrapKey(session.handle, kwp, ephemeral, cmkHandle(session), Buffer.alloc(512));
    const made: Handle[] = [];
    try {
      const modified = attempt(() =>
        lib().C_SetAttributeValue(session.handle, ephemeral, [{ type: pkcs11js.CKA_UNWRAP, value: true }]),
      );
      const afterModifying = 'refused' in modified ? modified : readableCopy(session, ephemeral, cmkUnderEphemeral);
      expect(afterModifying).toHaveProperty('refused');

      const copied = attempt(() =>
        lib().C_CopyObject(session.handle, ephemeral, [{ type: pkcs11js.CKA_UNWRAP, value: true }]),
      );
      if ('gave' in copied) made.push(copied.gave);
      const fromCopy = 'refused' in copied ? copied : readableCopy(session, copied.gave, cmkUnderEphemeral);
      expect(fromCopy).toHaveProperty('refused');
    } finally {
      for (const handle of [...made, ephemeral]) lib().C_DestroyObject(session.handle, handle);
    }
  });

  it('still wraps the CMK for the provider, whose key the security officer imported as trusted', () => {
    const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = provider.publicKey.export({ type: 'spki', format: 'der' });
    const fingerprint = createHash('sha256').update(spki).digest('hex');
    sessions.login(uri, 'security-officer', [soPin]);
    const imported = wrapping.importWrappingKey(uri, newObjectId(), 'provider wrapping key', spki, fingerprint);
    preparedBySo('rsa-aes');
    const result = wrapping.wrapRsaAes({
      uri,
      targetId: cmk.id,
      kcv: cmk.kcv,
      wrappingKeyId: imported.id,
      fingerprint,
      hash: 'sha1',
    });
    const wrapped = Buffer.from(result.wrapped);
    const ephemeral = privateDecrypt(
      { key: provider.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      wrapped.subarray(0, result.rsaPartLength),
    );
    expect(aesKcv(unwrapKwpInSoftware(ephemeral, wrapped.subarray(result.rsaPartLength)))).toBe(cmk.kcv);
  });
});

const off = (types: number[]): pkcs11js.Template => types.map((type) => ({ type, value: false }));

/**
 * A copy as the unwrap template the attacker reads off the key asks for it, with one attribute changed to
 * what the attacker wants; what the unwrap gave, or the PKCS#11 refusal.
 */
function copyWith(
  session: TokenSession,
  unwrappingKey: Handle,
  wrapped: Buffer,
  asked: pkcs11js.Template,
  wanted: pkcs11js.Attribute,
): { refused: string } | { gave: string } {
  const template = [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    ...asked.filter((a) => a.type !== wanted.type),
    wanted,
  ];
  const copy = attempt(() => lib().C_UnwrapKey(session.handle, kwp, unwrappingKey, wrapped, template));
  if ('refused' in copy) return copy;
  lib().C_DestroyObject(session.handle, copy.gave);
  return { gave: 'a copy of the CMK with what the attacker asked for' };
}

const refusedAll = (attacks: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(attacks).map((name) => [name, { refused: 'CKR_TEMPLATE_INCONSISTENT' }]));

describe('the key-check key gives no readable copy of the CMK', () => {
  it('refuses to unwrap the CMK, wrapped under the trusted check key, into a readable or extractable key', () => {
    const session = preparedBySo('key-check');
    const checkKey = trustedSessionKey(session);
    try {
      // Allowed: the check key is trusted, so the CMK may be wrapped under it (Keyward's own key check does this).
      const cmkUnderCheckKey = lib().C_WrapKey(session.handle, kwp, checkKey, cmkHandle(session), Buffer.alloc(512));
      // Its CKA_UNWRAP_TEMPLATE (sensitive, not extractable) refuses both routes.
      expectNoCopyOfTheCmk(session, checkKey, cmkUnderCheckKey);
    } finally {
      lib().C_DestroyObject(session.handle, checkKey);
    }
  });

  it('refuses to unwrap the CMK, wrapped under the check key, into a token object or a copy that may decrypt, sign, wrap, unwrap or derive', () => {
    const session = preparedBySo('key-check');
    const checkKey = trustedSessionKey(session);
    try {
      const cmkUnderCheckKey = lib().C_WrapKey(session.handle, kwp, checkKey, cmkHandle(session), Buffer.alloc(512));
      // What the in-token probe is: a session key, unreadable, that may only encrypt the zero block.
      const probe: pkcs11js.Template = [
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_WRAP_WITH_TRUSTED, value: true },
        { type: pkcs11js.CKA_ENCRYPT, value: true },
        ...off([
          pkcs11js.CKA_DECRYPT,
          pkcs11js.CKA_SIGN,
          pkcs11js.CKA_VERIFY,
          pkcs11js.CKA_WRAP,
          pkcs11js.CKA_UNWRAP,
          pkcs11js.CKA_DERIVE,
        ]),
      ];
      expect(
        copyWith(session, checkKey, cmkUnderCheckKey, probe, { type: pkcs11js.CKA_ENCRYPT, value: true }),
        'the probe itself',
      ).toHaveProperty('gave');
      const attacks = {
        "a token object (kept after the session, under an id of the attacker's)": {
          type: pkcs11js.CKA_TOKEN,
          value: true,
        },
        'a copy that decrypts': { type: pkcs11js.CKA_DECRYPT, value: true },
        'a copy that signs (MACs)': { type: pkcs11js.CKA_SIGN, value: true },
        'a copy that wraps': { type: pkcs11js.CKA_WRAP, value: true },
        'a copy that unwraps': { type: pkcs11js.CKA_UNWRAP, value: true },
        'a copy that derives': { type: pkcs11js.CKA_DERIVE, value: true },
      };
      const outcome = Object.fromEntries(
        Object.entries(attacks).map(([name, wanted]) => [
          name,
          copyWith(session, checkKey, cmkUnderCheckKey, probe, wanted),
        ]),
      );
      expect(outcome, `what the attacker got (the CMK's check value is ${cmk.kcv})`).toEqual(refusedAll(attacks));
    } finally {
      lib().C_DestroyObject(session.handle, checkKey);
    }
  });

  it("still computes the CMK's check value in the token, with the check key the security officer prepared", () => {
    preparedBySo('key-check');
    expect(keys.checkValueInToken(uri, cmk.id)).toBe(cmk.kcv);
  });
});

describe('a backup KEK gives no readable copy of the CMK', () => {
  /** The security officer's step, then the user logs in again for the next. */
  function asSo<T>(step: () => T): T {
    sessions.login(uri, 'security-officer', [soPin]);
    try {
      return step();
    } finally {
      asUser();
    }
  }

  it("refuses to unwrap a backup under the restore KEK, made from the shares, into a readable key or one that leaves under the attacker's", () => {
    const value = randomBytes(32);
    const backupKek = asSo(() =>
      wrapping.kekFromValue(uri, newObjectId(), 'Backup KEK (shares)', Buffer.from(value), 'backup'),
    );
    const backup = Buffer.from(splitWraps(wrapping.wrapKwp(uri, [cmk.id], backupKek.id))[0] ?? []);
    const restoreKek = asSo(() =>
      wrapping.kekFromValue(uri, newObjectId(), 'Restore KEK (shares)', Buffer.from(value), 'restore'),
    );
    const session = asUser();
    const made = [handleOf(session, backupKek.id), handleOf(session, restoreKek.id)];
    try {
      // The backup blob is kept outside the token (the backup record); the restore KEK unwraps it in the user's step.
      expectNoCopyOfTheCmk(session, handleOf(session, restoreKek.id), backup);
    } finally {
      for (const handle of made) lib().C_DestroyObject(session.handle, handle);
    }
  });

  it("refuses to unwrap a backup under the restore KEK into a token copy, under an id of the attacker's, that may decrypt, unwrap or derive, or that is visible without a login", () => {
    const value = randomBytes(32);
    const backupKek = asSo(() =>
      wrapping.kekFromValue(uri, newObjectId(), 'Backup KEK (shares, usable copy)', Buffer.from(value), 'backup'),
    );
    const backup = Buffer.from(splitWraps(wrapping.wrapKwp(uri, [cmk.id], backupKek.id))[0] ?? []);
    const restoreKek = asSo(() =>
      wrapping.kekFromValue(uri, newObjectId(), 'Restore KEK (shares, usable copy)', Buffer.from(value), 'restore'),
    );
    const session = asUser();
    const made = [handleOf(session, backupKek.id), handleOf(session, restoreKek.id)];
    try {
      // The restored CMK as Keyward makes it, but under the attacker's own id and label.
      const restoredCmk: pkcs11js.Template = [
        { type: pkcs11js.CKA_ID, value: randomBytes(16) },
        { type: pkcs11js.CKA_LABEL, value: 'attacker copy' },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: true },
        { type: pkcs11js.CKA_WRAP_WITH_TRUSTED, value: true },
        ...off([
          pkcs11js.CKA_ENCRYPT,
          pkcs11js.CKA_DECRYPT,
          pkcs11js.CKA_SIGN,
          pkcs11js.CKA_VERIFY,
          pkcs11js.CKA_WRAP,
          pkcs11js.CKA_UNWRAP,
          pkcs11js.CKA_DERIVE,
        ]),
      ];
      const attacks = {
        'a token copy that decrypts': { type: pkcs11js.CKA_DECRYPT, value: true },
        'a token copy that unwraps (and so opens whatever was wrapped under the CMK)': {
          type: pkcs11js.CKA_UNWRAP,
          value: true,
        },
        'a token copy that derives': { type: pkcs11js.CKA_DERIVE, value: true },
        'a token copy visible and usable without a login': { type: pkcs11js.CKA_PRIVATE, value: false },
      };
      const outcome = Object.fromEntries(
        Object.entries(attacks).map(([name, wanted]) => [
          name,
          copyWith(session, handleOf(session, restoreKek.id), backup, restoredCmk, wanted),
        ]),
      );
      expect(outcome, `what the attacker got (the CMK's check value is ${cmk.kcv})`).toEqual(refusedAll(attacks));
    } finally {
      for (const handle of made) lib().C_DestroyObject(session.handle, handle);
    }
  });

  it('refuses the attacker new uses for a backup KEK made from the shares: no UNWRAP set on it, no copy with UNWRAP', () => {
    const backupKek = asSo(() =>
      wrapping.kekFromValue(uri, newObjectId(), 'Backup KEK (shares, uses)', randomBytes(32), 'backup'),
    );
    const session = asUser();
    const kekHandle = handleOf(session, backupKek.id);
    const made: Handle[] = [kekHandle];
    try {
      const cmkUnderKek = Buffer.from(splitWraps(wrapping.wrapKwp(uri, [cmk.id], backupKek.id))[0] ?? []);
      const modified = attempt(() =>
        lib().C_SetAttributeValue(session.handle, kekHandle, [{ type: pkcs11js.CKA_UNWRAP, value: true }]),
      );
      const afterModifying = 'refused' in modified ? modified : readableCopy(session, kekHandle, cmkUnderKek);
      expect(afterModifying, `UNWRAP set on the backup KEK (the CMK's check value is ${cmk.kcv})`).toHaveProperty(
        'refused',
      );

      const copied = attempt(() =>
        lib().C_CopyObject(session.handle, kekHandle, [{ type: pkcs11js.CKA_UNWRAP, value: true }]),
      );
      if ('gave' in copied) made.push(copied.gave);
      const fromCopy = 'refused' in copied ? copied : readableCopy(session, copied.gave, cmkUnderKek);
      expect(fromCopy, `a copy of the backup KEK with UNWRAP (the CMK's check value is ${cmk.kcv})`).toHaveProperty(
        'refused',
      );
    } finally {
      for (const handle of made) lib().C_DestroyObject(session.handle, handle);
    }
  });

  it('still restores the CMK from its backup under the restore KEK, with its check value and protections', () => {
    // kekFromValue zeroes the value it is given once the token holds it: each call gets its own copy.
    const value = randomBytes(32);
    const backupKek = asSo(() =>
      wrapping.kekFromValue(uri, newObjectId(), 'Backup KEK (restore)', Buffer.from(value), 'backup'),
    );
    const backup = Buffer.from(splitWraps(wrapping.wrapKwp(uri, [cmk.id], backupKek.id))[0] ?? []);
    const restoreKek = asSo(() =>
      wrapping.kekFromValue(uri, newObjectId(), 'Restore KEK (restore)', Buffer.from(value), 'restore'),
    );
    const session = asUser();
    const made = [handleOf(session, backupKek.id), handleOf(session, restoreKek.id)];
    try {
      const restored = unwrapping.unwrapKwp(
        uri,
        restoreKek.id,
        backup,
        'AES_256',
        newObjectId(),
        'Tenant CMK (restored)',
      );
      made.push(handleOf(session, restored.id));
      expect(restored.kcv).toBe(cmk.kcv);
      expect(restored.attributes).toMatchObject({ sensitive: true, extractable: true, wrapWithTrusted: true });
    } finally {
      for (const handle of made) lib().C_DestroyObject(session.handle, handle);
    }
  });

  it("still restores HMAC, RSA and EC CMKs: their templates and the restore's probes meet the restore KEK's unwrap template", async () => {
    for (const spec of ['HMAC_SHA256', 'RSA_2048', 'EC_P256'] as const) {
      asUser();
      const original = await keys.generateCmk(uri, newObjectId(), `${spec} CMK`, spec);
      const value = randomBytes(32);
      const backupKek = asSo(() =>
        wrapping.kekFromValue(uri, newObjectId(), `Backup KEK (${spec})`, Buffer.from(value), 'backup'),
      );
      const backup = Buffer.from(splitWraps(wrapping.wrapKwp(uri, [original.id], backupKek.id))[0] ?? []);
      const restoreKek = asSo(() =>
        wrapping.kekFromValue(uri, newObjectId(), `Restore KEK (${spec})`, Buffer.from(value), 'restore'),
      );
      const session = asUser();
      const made = [handleOf(session, backupKek.id), handleOf(session, restoreKek.id)];
      try {
        const [publicHalf] = findAll(session, [
          { type: pkcs11js.CKA_ID, value: Buffer.from(original.id, 'hex') },
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
        ]);
        const recorded = publicHalf ? publicKeySpki(lib(), session.handle, publicHalf) : undefined;
        const restored = unwrapping.unwrapKwp(
          uri,
          restoreKek.id,
          backup,
          spec,
          newObjectId(),
          `${spec} CMK (restored)`,
          recorded,
        );
        made.push(...findAll(session, [{ type: pkcs11js.CKA_ID, value: Buffer.from(restored.id, 'hex') }]));
        expect(restored.kcv, spec).toBe(original.kcv);
        expect(restored.attributes, spec).toEqual(original.attributes);
      } finally {
        for (const handle of made) lib().C_DestroyObject(session.handle, handle);
      }
    }
  });
});
