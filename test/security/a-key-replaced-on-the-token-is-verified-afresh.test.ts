/**
 * Keyward's HSM process remembers the key objects a session found and what it verified of them, so that a
 * repeated wrap neither searches the token nor derives the fingerprint again. An attacker with the security
 * officer's PIN, in another process on the same token, replaces the provider's wrapping key after a first
 * wrap: same CKA_ID, marked trusted, but the attacker's own RSA key. The next wrap, approved for the
 * provider's fingerprint, must be refused, and nothing wrapped under the attacker's key: what was
 * remembered of the old object must not stand for the new one. Likewise a CMK replaced under its CKA_ID.
 */
import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HsmClient } from '../../src/main/hsm/client/client';
import { newObjectId } from '../../src/main/hsm/object-id';
import { parseWrappingKey } from '../../src/main/providers/wrapping-key-file';
import type { KeyObject as TokenKey } from '../../src/shared/keys';
import { rejection } from '../helpers/rejection';
import { initToken, makeSoftHsmDir, softhsmClient, softhsmModule, type TestTokens } from '../helpers/softhsm';

const label = 'Replaced';
const uri = `pkcs11:token=${label}`;
const userPin = '4321';
const soPin = 'so-4321';
let tokens: TestTokens;
let client: HsmClient;
let savedConf: string | undefined;
/** The attacker: this test process, with the module loaded on its own. */
let attacker: pkcs11js.PKCS11;

function attackerSession(pin: string, as: number): { session: Buffer; end: () => void } {
  const [slot] = attacker.C_GetSlotList(true).filter((s) => attacker.C_GetTokenInfo(s).label.trim() === label);
  if (!slot) throw new Error('the token is not there');
  const session = attacker.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  attacker.C_Login(session, as, pin);
  return {
    session,
    end: () => {
      attacker.C_Logout(session);
      attacker.C_CloseSession(session);
    },
  };
}

function destroyById(session: Buffer, idHex: string, cls: number): void {
  attacker.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_ID, value: Buffer.from(idHex, 'hex') },
    { type: pkcs11js.CKA_CLASS, value: cls },
  ]);
  const found = attacker.C_FindObjects(session, 10);
  attacker.C_FindObjectsFinal(session);
  expect(found).toHaveLength(1);
  for (const handle of found) attacker.C_DestroyObject(session, handle);
}

beforeAll(() => {
  tokens = makeSoftHsmDir();
  initToken(tokens, label, userPin, soPin);
  client = softhsmClient(tokens);
  savedConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = tokens.conf;
  attacker = new pkcs11js.PKCS11();
  attacker.load(softhsmModule);
  attacker.C_Initialize();
});

afterAll(() => {
  attacker.C_Finalize();
  client.close();
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
  tokens.cleanup();
});

async function importProvider(name: string): Promise<{ id: string; fingerprint: string }> {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const parsed = parseWrappingKey(Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })));
  await client.request('login', { uri, role: 'security-officer', pinParts: [soPin] });
  const imported = await client.request('importWrappingKey', {
    uri,
    id: newObjectId(),
    label: name,
    spki: parsed.spki,
    fingerprint: parsed.fingerprint,
  });
  await client.request('login', { uri, role: 'user', pinParts: [userPin] });
  return { id: imported.id, fingerprint: parsed.fingerprint };
}

/** A provider key and a CMK, wrapped twice: the second wrap runs on what the session remembered of both. */
async function wrappedTwice(providerLabel: string, cmkLabel: string) {
  const provider = await importProvider(providerLabel);
  const cmk: TokenKey = await client.request('generateCmk', {
    uri,
    id: newObjectId(),
    label: cmkLabel,
    spec: 'AES_256',
  });
  const approved = {
    uri,
    targetId: cmk.id,
    kcv: cmk.kcv,
    wrappingKeyId: provider.id,
    fingerprint: provider.fingerprint,
  };
  await client.request('wrapOaep', { ...approved, hash: 'sha1' });
  await client.request('wrapOaep', { ...approved, hash: 'sha1' });
  return { provider, cmk, approved };
}

it('a wrapping key replaced under its CKA_ID after a wrap is verified afresh: the approved wrap is refused', async () => {
  const { provider, approved } = await wrappedTwice('provider', 'CMK');

  const theirs = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = theirs.publicKey.export({ format: 'jwk' });
  const so = attackerSession(soPin, pkcs11js.CKU_SO);
  destroyById(so.session, provider.id, pkcs11js.CKO_PUBLIC_KEY);
  attacker.C_CreateObject(so.session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
    { type: pkcs11js.CKA_ID, value: Buffer.from(provider.id, 'hex') },
    { type: pkcs11js.CKA_LABEL, value: 'provider' },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_TRUSTED, value: true },
    { type: pkcs11js.CKA_WRAP, value: true },
    { type: pkcs11js.CKA_MODULUS, value: Buffer.from(jwk.n ?? '', 'base64url') },
    { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from(jwk.e ?? '', 'base64url') },
  ]);
  so.end();

  const refused = await rejection(client.request('wrapOaep', { ...approved, hash: 'sha1' }));
  expect(refused.code).toBe('HSM_KEY_REJECTED');
  expect(refused.message).toContain('not the approved');
  // And had it wrapped, the attacker could have opened it: the refusal is what kept the CMK.
  const unapproved = await client.request('wrapOaep', {
    ...approved,
    fingerprint: parseWrappingKey(Buffer.from(theirs.publicKey.export({ type: 'spki', format: 'pem' }))).fingerprint,
    hash: 'sha1',
  });
  expect(
    privateDecrypt({ key: theirs.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, unapproved),
  ).toHaveLength(32);
});

it('a CMK replaced under its CKA_ID after a wrap is verified afresh: its other check value is refused', async () => {
  const { cmk, approved } = await wrappedTwice('provider 2', 'CMK 2');

  const user = attackerSession(userPin, pkcs11js.CKU_USER);
  destroyById(user.session, cmk.id, pkcs11js.CKO_SECRET_KEY);
  attacker.C_GenerateKey(user.session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
    { type: pkcs11js.CKA_ID, value: Buffer.from(cmk.id, 'hex') },
    { type: pkcs11js.CKA_LABEL, value: 'CMK 2' },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: true },
    { type: pkcs11js.CKA_ENCRYPT, value: true },
  ]);
  user.end();

  const refused = await rejection(client.request('wrapOaep', { ...approved, hash: 'sha1' }));
  expect(refused.code).toBe('HSM_KEY_REJECTED');
  expect(refused.message).toContain('check value');
});
