/**
 * The token's own CKM_RSA_AES_KEY_WRAP, through Keyward's N-API helper (native/rsa-aes-key-wrap: pkcs11js
 * cannot pass CK_RSA_AES_KEY_WRAP_PARAMS). Used only where the token offers it for wrapping and a known
 * answer shows it gives the layout providers read: a published AES test key, wrapped under the published
 * test RSA-2048 key, opens in software (RSA-OAEP, then RFC 5649) to exactly that key. Otherwise the wrap
 * is composed in the token (wrapping.ts). Learned once per session, on session objects only.
 */
import nativeHelper from 'keyward-rsa-aes-key-wrap';
import pkcs11js from 'pkcs11js';
import type { OaepHash, RsaAesWrapped } from '../../../shared/keys';
import { openWrapped } from '../../bundles/open-wrapped';
import type { Pkcs11Module } from './module';
import type { NativeRsaAesChoice } from './native-rsa-aes-choice';
import { publishedTestKeys, type PublishedTestKeys } from './published-test-keys';
import type { TokenSession } from './sessions';

type Handle = Buffer;

/** PKCS#11 2.40: CKM_RSA_AES_KEY_WRAP, which pkcs11js does not name. */
export const CKM_RSA_AES_KEY_WRAP = 0x1054;

const oaepOf = (hash: OaepHash) =>
  hash === 'sha1'
    ? { hashAlg: pkcs11js.CKM_SHA_1, mgf: pkcs11js.CKG_MGF1_SHA1 }
    : { hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256 };

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The token's CKM_RSA_AES_KEY_WRAP of `target` under `wrappingKey`, AES-256 ephemeral, OAEP with `hash`. */
export function nativeRsaAes(
  module: Pkcs11Module,
  session: TokenSession,
  wrappingKey: Handle,
  target: Handle,
  hash: OaepHash,
  modulusBytes: number,
): RsaAesWrapped {
  const { hashAlg, mgf } = oaepOf(hash);
  const wrapped = module.guard(session.where, () =>
    nativeHelper.wrapKey(module.path, session.handle, 256, hashAlg, mgf, wrappingKey, target),
  );
  return { wrapped, rsaPartLength: modulusBytes, method: 'native' };
}

/** The choice for this session's token, learned on first need. */
export function nativeRsaAesOf(module: Pkcs11Module, session: TokenSession): NativeRsaAesChoice {
  session.nativeRsaAes ??= learnNativeRsaAes(module, session.handle, session.slot);
  return session.nativeRsaAes;
}

/** Whether to use the token's own mechanism: offered for wrapping, and proven by known answer with SHA-1 and SHA-256. */
export function learnNativeRsaAes(module: Pkcs11Module, session: Handle, slot: Handle): NativeRsaAesChoice {
  const lib = module.lib;
  let flags: number;
  try {
    flags = lib.C_GetMechanismInfo(slot, CKM_RSA_AES_KEY_WRAP).flags;
  } catch {
    return { use: false, finding: 'the token does not offer CKM_RSA_AES_KEY_WRAP' };
  }
  if ((flags & pkcs11js.CKF_WRAP) === 0)
    return { use: false, finding: 'the token offers CKM_RSA_AES_KEY_WRAP, but not for wrapping' };
  let keys: PublishedTestKeys | undefined;
  try {
    keys = publishedTestKeys(lib, session);
    const { wrappingKey, testKey, privateKey, secret } = keys;
    for (const hash of ['sha1', 'sha256'] as const) {
      const { hashAlg, mgf } = oaepOf(hash);
      const wrapped = nativeHelper.wrapKey(module.path, session, 256, hashAlg, mgf, wrappingKey, testKey);
      const opened = openWrapped('rsa-aes', hash, privateKey, 2048, wrapped);
      if (!opened?.equals(secret))
        return {
          use: false,
          finding: `CKM_RSA_AES_KEY_WRAP with OAEP ${hash} does not give RSA-OAEP(ephemeral) || RFC 5649(key): ${opened ? `it opens to ${opened.length} other bytes` : 'it does not open'}, so the wrap is composed in the token`,
        };
    }
    return { use: true, finding: 'CKM_RSA_AES_KEY_WRAP gives RSA-OAEP(ephemeral) || RFC 5649(key), by known answer' };
  } catch (error) {
    return {
      use: false,
      finding: `CKM_RSA_AES_KEY_WRAP could not be tried (${message(error)}), so the wrap is composed in the token`,
    };
  } finally {
    keys?.destroy();
  }
}
