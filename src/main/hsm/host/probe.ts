/**
 * What a token can do for Keyward: its mechanism list, and trial operations on throw-away session keys
 * where the list cannot tell (a module may list RSA-OAEP yet accept only SHA-1, as SoftHSM 2.6 does, or
 * list AES key generation and refuse it, as tpm2-pkcs11 does). Wraps are believed by known answer: RFC 5649
 * (rfc5649.ts), RSA-OAEP and the token's own RSA-AES key wrap (native-rsa-aes.ts), each opened in software
 * to the published test key it was given.
 */
import { createPrivateKey } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import {
  cmkShapes,
  cmkSpecs as cmkSpecList,
  type Capabilities,
  type CmkSpec,
  type EcCurve,
  type EnforcementFinding,
  type MechanismCapability,
  type OaepHash,
  type SigningKeySpec,
} from '../../../shared/keys';
import { oaepCapability, oaepHashWords } from '../../../shared/providers';
import { openWrapped } from '../../bundles/open-wrapped';
import { enforcementTrials } from './enforcement';
import type { Pkcs11Module } from './module';
import { CKM_RSA_AES_KEY_WRAP, learnNativeRsaAes } from './native-rsa-aes';
import type { NativeRsaAesChoice } from './native-rsa-aes-choice';
import { reportedCheckValue } from './objects';
import { publishedEcTestKey, publishedTestKeys, type PublishedTestKeys } from './published-test-keys';
import { learnRfc5649, type Rfc5649Choice } from './rfc5649';
import { curveParams } from './templates';

type Handle = Buffer;

const mechanismNames = new Map<number, string>(
  Object.entries(pkcs11js)
    .filter(([name, value]) => name.startsWith('CKM_') && typeof value === 'number')
    .map(([name, value]) => [value as number, name]),
);
mechanismNames.set(CKM_RSA_AES_KEY_WRAP, 'CKM_RSA_AES_KEY_WRAP');

/** CK_MECHANISM_INFO flags, named as the sheet shows them. */
const mechanismFlags: [number, string][] = [
  [pkcs11js.CKF_ENCRYPT, 'encrypt'],
  [pkcs11js.CKF_DECRYPT, 'decrypt'],
  [pkcs11js.CKF_DIGEST, 'digest'],
  [pkcs11js.CKF_SIGN, 'sign'],
  [pkcs11js.CKF_VERIFY, 'verify'],
  [pkcs11js.CKF_GENERATE, 'generate'],
  [pkcs11js.CKF_GENERATE_KEY_PAIR, 'generate-key-pair'],
  [pkcs11js.CKF_WRAP, 'wrap'],
  [pkcs11js.CKF_UNWRAP, 'unwrap'],
  [pkcs11js.CKF_DERIVE, 'derive'],
];
const flagNames = (flags: number): string[] => mechanismFlags.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);

/** Each OAEP hash, with MGF1 over the same hash, as PKCS#11 names them. */
const oaepHashes: Record<OaepHash, { hashAlg: number; mgf: number }> = {
  sha1: { hashAlg: pkcs11js.CKM_SHA_1, mgf: pkcs11js.CKG_MGF1_SHA1 },
  sha256: { hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256 },
  sha512: { hashAlg: pkcs11js.CKM_SHA512, mgf: pkcs11js.CKG_MGF1_SHA512 },
};
const oaepHashList = Object.keys(oaepHashes) as OaepHash[];

/** Which curves the token makes key pairs on, each tried as a public session key pair (destroyed with the session). */
function ecCurvesMade(lib: pkcs11js.PKCS11, slot: Handle): Record<EcCurve, true | string> {
  const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  try {
    const made = {} as Record<EcCurve, true | string>;
    for (const curve of Object.keys(curveParams) as EcCurve[]) {
      try {
        lib.C_GenerateKeyPair(
          session,
          { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
          [
            { type: pkcs11js.CKA_TOKEN, value: false }, // gone with the session
            { type: pkcs11js.CKA_EC_PARAMS, value: curveParams[curve] },
          ],
          [
            { type: pkcs11js.CKA_TOKEN, value: false },
            { type: pkcs11js.CKA_PRIVATE, value: false }, // usable without a login
          ],
        );
        made[curve] = true;
      } catch (error) {
        made[curve] =
          `the token does not make EC key pairs on ${curve} (CKM_EC_KEY_PAIR_GEN: ${error instanceof Error ? error.message : String(error)})`;
      }
    }
    return made;
  } finally {
    lib.C_CloseSession(session);
  }
}

export function oaepParameter(hash: OaepHash): pkcs11js.RsaOAEP {
  return {
    type: pkcs11js.CK_PARAMS_RSA_OAEP,
    hashAlg: oaepHashes[hash].hashAlg,
    mgf: oaepHashes[hash].mgf,
    source: 1, // CKZ_DATA_SPECIFIED, with an empty label
  };
}

export function probe(module: Pkcs11Module, uri: string): Capabilities {
  const { slot, summary } = module.findToken(uri);
  const where = `token "${summary.label}" (serial ${summary.serial})`;
  const lib = module.lib;
  const mechanisms = module.guard(where, () =>
    lib.C_GetMechanismList(slot).map((type): Omit<MechanismCapability, 'flags'> & { type: number; flags: number } => {
      const info = lib.C_GetMechanismInfo(slot, type);
      return {
        type,
        name: mechanismNames.get(type) ?? `0x${type.toString(16).padStart(8, '0')}`,
        minKeySize: info.minKeySize,
        maxKeySize: info.maxKeySize,
        flags: info.flags,
      };
    }),
  );
  const get = (type: number) => mechanisms.find((m) => m.type === type);
  const has = (type: number, flag = 0) => {
    const m = get(type);
    return m !== undefined && (flag === 0 || (m.flags & flag) !== 0);
  };
  const missing: Record<string, string> = {};
  const requireMechanism = (key: string, type: number, flag = 0): boolean => {
    if (has(type, flag)) return true;
    const name = mechanismNames.get(type) ?? String(type);
    missing[key] = get(type)
      ? `the token offers ${name} but not for this use (CK_MECHANISM_INFO flags)`
      : `the token does not offer ${name}`;
    return false;
  };

  const cmkSpecs: CmkSpec[] = [];
  const aes = get(pkcs11js.CKM_AES_KEY_GEN);
  for (const bytes of [32, 24, 16] as const) {
    // AES key sizes are in bytes in CK_MECHANISM_INFO; some modules report bits.
    const fits =
      aes &&
      ((aes.minKeySize <= bytes && bytes <= aes.maxKeySize) ||
        (aes.minKeySize <= bytes * 8 && bytes * 8 <= aes.maxKeySize));
    if (fits) cmkSpecs.push(`AES_${bytes * 8}` as CmkSpec);
  }
  if (requireMechanism('HMAC', pkcs11js.CKM_GENERIC_SECRET_KEY_GEN))
    cmkSpecs.push('HMAC_SHA224', 'HMAC_SHA256', 'HMAC_SHA384', 'HMAC_SHA512');
  const rsaGen = get(pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN);
  for (const bits of [2048, 3072, 4096] as const) {
    if (rsaGen && rsaGen.minKeySize <= bits && bits <= rsaGen.maxKeySize) cmkSpecs.push(`RSA_${bits}` as CmkSpec);
  }
  if (requireMechanism('EC', pkcs11js.CKM_EC_KEY_PAIR_GEN)) {
    // A curve is believed only when the token makes a key pair on it: key sizes do not name curves.
    const curves = module.guard(where, () => ecCurvesMade(lib, slot));
    for (const spec of cmkSpecList) {
      const shape = cmkShapes[spec];
      if (shape.kind !== 'ec') continue;
      const made = curves[shape.curve];
      if (made === true) cmkSpecs.push(spec);
      else missing[spec] = made;
    }
  }

  const signingKeySpecs: SigningKeySpec[] = [];
  if (cmkSpecs.includes('RSA_3072') && requireMechanism('RSA_PSS_3072', pkcs11js.CKM_RSA_PKCS_PSS, pkcs11js.CKF_SIGN))
    signingKeySpecs.push('RSA_PSS_3072');
  if (requireMechanism('ECDSA', pkcs11js.CKM_ECDSA, pkcs11js.CKF_SIGN)) {
    if (cmkSpecs.includes('EC_P256')) signingKeySpecs.push('ECDSA_P256');
    if (cmkSpecs.includes('EC_P384')) signingKeySpecs.push('ECDSA_P384');
  }

  const trial = module.guard(where, () =>
    trialOperations(module, slot, has(pkcs11js.CKM_RSA_PKCS_OAEP, pkcs11js.CKF_WRAP)),
  );
  if (!trial.aesGenerates && cmkSpecs.some((spec) => spec.startsWith('AES_'))) {
    missing.AES = trial.why.aes ?? 'the token does not generate AES keys';
    cmkSpecs.splice(0, cmkSpecs.length, ...cmkSpecs.filter((spec) => !spec.startsWith('AES_')));
  }
  for (const hash of oaepHashList)
    if (!trial.oaep[hash])
      missing[oaepCapability[hash]] = trial.why[hash] ?? 'the token does not offer CKM_RSA_PKCS_OAEP for wrapping';
  // By known answer, not by number: 0x210A is RFC 5649 on SoftHSM, PKCS#7 padding + RFC 3394 on NSS (rfc5649.ts).
  const aesKeyWrapPad = trial.rfc5649.mechanism !== null;
  if (!aesKeyWrapPad)
    missing.aesKeyWrapPad = `no mechanism gives RFC 5649's test vectors: ${trial.rfc5649.findings.join('; ')}`;
  // Used only where a known answer shows the token's mechanism gives the layout providers read.
  const rsaAesKeyWrapNative = trial.nativeRsaAes.use;
  if (!rsaAesKeyWrapNative) missing.rsaAesKeyWrapNative = trial.nativeRsaAes.finding;
  const rsaAesKeyWrapComposed = aesKeyWrapPad && trial.aesGenerates && oaepHashList.some((hash) => trial.oaep[hash]);
  if (!rsaAesKeyWrapComposed)
    missing.rsaAesKeyWrapComposed =
      'composing RSA-AES key wrap needs CKM_AES_KEY_GEN, a mechanism that gives RFC 5649, and RSA-OAEP';
  if (!trial.oaepPrivateKeys)
    missing.oaepPrivateKeys = trial.why.oaepPrivateKeys ?? 'the token does not offer CKM_RSA_PKCS_OAEP for wrapping';
  if (!trial.checkValue)
    missing.checkValue =
      trial.why.checkValue ?? 'CKA_CHECK_VALUE is empty: Keyward computes the key check value in the token instead';
  if (!trial.digestKey)
    missing.digestKey = trial.why.digestKey ?? 'the token cannot digest a key (C_DigestKey with CKM_SHA256)';

  return {
    mechanisms: mechanisms.map(({ name, minKeySize, maxKeySize, flags }) => ({
      name,
      minKeySize,
      maxKeySize,
      flags: flagNames(flags),
    })),
    cmkSpecs,
    signingKeySpecs,
    wrapping: {
      rsaOaepSha1: trial.oaep.sha1,
      rsaOaepSha256: trial.oaep.sha256,
      rsaOaepSha512: trial.oaep.sha512,
      oaepPrivateKeys: trial.oaepPrivateKeys,
      rsaAesKeyWrapNative,
      rsaAesKeyWrapComposed,
      aesKeyWrapPad,
    },
    digestKey: trial.digestKey,
    checkValue: trial.checkValue,
    enforcement: trial.enforcement,
    rfc5649: {
      mechanism: trial.rfc5649.mechanism?.name ?? null,
      anyLength: trial.rfc5649.anyLength,
      findings: trial.rfc5649.findings,
    },
    missing,
  };
}

interface TrialResult {
  rfc5649: Rfc5649Choice;
  enforcement: EnforcementFinding[];
  oaep: Record<OaepHash, boolean>;
  oaepPrivateKeys: boolean;
  digestKey: boolean;
  checkValue: boolean;
  aesGenerates: boolean;
  nativeRsaAes: NativeRsaAesChoice;
  why: Partial<Record<'aes' | OaepHash | 'oaepPrivateKeys' | 'digestKey' | 'checkValue', string>>;
}

/** Public session objects only (no login needed), destroyed when the session closes. */
function trialOperations(module: Pkcs11Module, slot: Handle, offersOaep: boolean): TrialResult {
  const lib = module.lib;
  const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  const result: TrialResult = {
    rfc5649: { mechanism: null, anyLength: false, findings: [] },
    enforcement: [],
    oaep: { sha1: false, sha256: false, sha512: false },
    oaepPrivateKeys: false,
    digestKey: false,
    checkValue: false,
    aesGenerates: false,
    nativeRsaAes: { use: false, finding: 'not tried' },
    why: {},
  };
  try {
    result.rfc5649 = learnRfc5649(lib, session);
    result.nativeRsaAes = learnNativeRsaAes(module, session, slot);
    if (offersOaep) {
      const oaep = oaepKnownAnswers(lib, session);
      for (const hash of oaepHashList) {
        const answer = oaep[hash];
        if (answer === true) result.oaep[hash] = true;
        else result.why[hash] = answer;
      }
      const hash = oaepHashList.find((h) => result.oaep[h]);
      const privateKeys = hash ? oaepWrapsPrivateKeys(lib, session, hash) : 'the token wraps with no RSA-OAEP';
      if (privateKeys === true) result.oaepPrivateKeys = true;
      else result.why.oaepPrivateKeys = privateKeys;
    }
    const kwp = result.rfc5649.mechanism;
    result.enforcement = enforcementTrials(lib, session, kwp ? { mechanism: kwp.mechanism } : undefined);
    let secret: Handle;
    try {
      secret = lib.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_TOKEN, value: false }, // gone with the session
        { type: pkcs11js.CKA_PRIVATE, value: false }, // usable without a login
        { type: pkcs11js.CKA_EXTRACTABLE, value: true }, // it is what the trial wraps
      ]);
    } catch (error) {
      // Some tokens list CKM_AES_KEY_GEN yet refuse it (tpm2-pkcs11): believed only when it works.
      const why = `CKM_AES_KEY_GEN was refused by the token (${error instanceof Error ? error.message : String(error)})`;
      result.why = { ...result.why, aes: why, checkValue: why, digestKey: why };
      return result;
    }
    result.aesGenerates = true;
    try {
      // CKA_CHECK_VALUE (PKCS#11 2.40) is missing on many tokens: Keyward then computes the KCV in the token.
      result.checkValue = reportedCheckValue(lib, session, secret) !== undefined;
      if (!result.checkValue)
        result.why.checkValue = 'CKA_CHECK_VALUE is missing: Keyward computes the key check value in the token instead';
    } catch (error) {
      result.why.checkValue = `CKA_CHECK_VALUE cannot be read (${error instanceof Error ? error.message : String(error)}): Keyward computes the key check value in the token instead`;
    }
    try {
      lib.C_DigestInit(session, { mechanism: pkcs11js.CKM_SHA256 });
      lib.C_DigestKey(session, secret);
      lib.C_DigestFinal(session, Buffer.alloc(32));
      result.digestKey = true;
    } catch (error) {
      result.why.digestKey = `C_DigestKey with CKM_SHA256 failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    return result;
  } finally {
    lib.C_CloseSession(session);
  }
}

/**
 * RSA-OAEP by known answer, for SHA-1, SHA-256 and SHA-512 (MGF1 to match): a published AES key, wrapped in the token
 * under the published test RSA-2048 key (both session objects), must open in software to exactly that key.
 * A token that accepts the parameters but hashes otherwise is caught, not only one that refuses them.
 */
export function oaepKnownAnswers(
  lib: Pick<pkcs11js.PKCS11, 'C_CreateObject' | 'C_DestroyObject' | 'C_WrapKey'>,
  session: Handle,
): Record<OaepHash, true | string> {
  const result: Record<OaepHash, true | string> = { sha1: 'not tried', sha256: 'not tried', sha512: 'not tried' };
  let keys: PublishedTestKeys | undefined;
  try {
    keys = publishedTestKeys(lib, session);
    const { wrappingKey, testKey, privateKey, secret } = keys;
    for (const hash of oaepHashList) {
      const name = oaepHashWords[hash];
      let wrapped: Buffer;
      try {
        wrapped = lib.C_WrapKey(
          session,
          { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: oaepParameter(hash) },
          wrappingKey,
          testKey,
          Buffer.alloc(512),
        );
      } catch (error) {
        result[hash] =
          `CKM_RSA_PKCS_OAEP with ${name} (MGF1 to match) was refused by the token (${error instanceof Error ? error.message : String(error)})`;
        continue;
      }
      const opened = openWrapped('oaep', hash, privateKey, 2048, wrapped);
      result[hash] = opened?.equals(secret)
        ? true
        : `CKM_RSA_PKCS_OAEP with ${name} gives bytes that RSA-OAEP with ${name} does not open to the published test key (${opened ? `${opened.length} other bytes` : 'it does not open'})`;
    }
  } catch (error) {
    const why = `RSA-OAEP could not be tried on the published test keys (${error instanceof Error ? error.message : String(error)})`;
    for (const hash of oaepHashList) if (result[hash] === 'not tried') result[hash] = why;
  } finally {
    keys?.destroy();
  }
  return result;
}

/**
 * Whether the token wraps a private key with RSA-OAEP (AWS and Google take EC private keys so): the
 * published EC P-256 test key, wrapped under the published test RSA-2048 key with an OAEP hash the token
 * wraps with, must open in software to a PKCS#8 of that very key. PKCS#11 defines OAEP wraps of secret
 * keys only; SoftHSM refuses (CKR_KEY_NOT_WRAPPABLE), NSS's softoken does them.
 */
function oaepWrapsPrivateKeys(
  lib: Pick<pkcs11js.PKCS11, 'C_CreateObject' | 'C_DestroyObject' | 'C_WrapKey'>,
  session: Handle,
  hash: OaepHash,
): true | string {
  let keys: PublishedTestKeys | undefined;
  let ecKey: Handle | undefined;
  try {
    keys = publishedTestKeys(lib, session);
    const ec = publishedEcTestKey(lib, session);
    ecKey = ec.handle;
    const wrapped = lib.C_WrapKey(
      session,
      { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: oaepParameter(hash) },
      keys.wrappingKey,
      ec.handle,
      Buffer.alloc(512),
    );
    const opened = openWrapped('oaep', hash, keys.privateKey, 2048, wrapped);
    if (!opened) return 'its RSA-OAEP wrap of the published EC test key does not open';
    const d = createPrivateKey({ key: opened, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }).d;
    return d === ec.privateKey.export({ format: 'jwk' }).d
      ? true
      : 'its RSA-OAEP wrap of the published EC test key opens to another key';
  } catch (error) {
    return `it does not wrap private keys with RSA-OAEP (${error instanceof Error ? error.message : String(error)}); PKCS#11 defines OAEP wraps of secret keys only`;
  } finally {
    if (ecKey) {
      try {
        lib.C_DestroyObject(session, ecKey);
      } catch {
        // A session object goes with its session anyway.
      }
    }
    keys?.destroy();
  }
}
