/**
 * Typed messages between main and the HSM process. PKCS#11 modules are vendor native code that can
 * crash or block, so they run in their own process; requests and replies are matched by id.
 */
import type { KeywardErrorData } from '../../shared/errors';
import type { Capabilities, CmkSpec, KeyObject, LoginRole, OaepHash, RsaAesWrapped, Signature, SigningKey, SigningKeySpec, WrappingKeyInfo } from '../../shared/keys';
import type { ModuleInfo, TokenDetails, TokenSummary } from '../../shared/token';
import type { LoginResult } from './sessions';

export interface InitTokenRequest {
  label: string;
  soPin: string;
  userPin: string;
}

export interface HsmOps {
  describeModule: { request: Record<string, never>; response: ModuleInfo };
  listTokens: { request: Record<string, never>; response: TokenSummary[] };
  /** Finds exactly one token matching an RFC 7512 URI and reads it live. */
  describeToken: { request: { uri: string }; response: TokenDetails };
  /** Returns the token with this label, initialising a free slot with it if there is none. */
  ensureInitializedToken: { request: InitTokenRequest; response: TokenSummary };
  /** The PIN may come in parts, one per officer; they are joined only inside the HSM process. */
  login: { request: { uri: string; role: LoginRole; pinParts: string[] }; response: LoginResult };
  logout: { request: { uri: string }; response: null };
  probe: { request: { uri: string }; response: Capabilities };
  generateCmk: { request: { uri: string; label: string; spec: CmkSpec }; response: KeyObject };
  keyCheckValue: { request: { uri: string; label: string }; response: string };
  /** A secret key's check value computed in the token (not read from CKA_CHECK_VALUE); needs prepareKeyCheck. */
  keyCheckValueInToken: { request: { uri: string; id: string }; response: string };
  /** SHA-256 of a secret key's value, computed in the token (C_DigestKey). */
  digestKey: { request: { uri: string; id: string }; response: Uint8Array };
  /** Known-answer test: the export's wrap functions on a throw-away test key under a throw-away RSA key (session objects only). */
  selfTestWrap: { request: { uri: string; kind: 'oaep' | 'rsa-aes'; hash: OaepHash; spki: Uint8Array }; response: { wrapped: Uint8Array; kcv: string } };
  destroyKey: { request: { uri: string; id: string }; response: { destroyed: number } };
  /** Destroys whatever carries this label (crash recovery of a ceremony step); none found is not an error. */
  destroyByLabel: { request: { uri: string; label: string }; response: { destroyed: number } };
  generateSigningKey: { request: { uri: string; label: string; spec: SigningKeySpec }; response: SigningKey };
  signingPublicKey: { request: { uri: string; id: string }; response: SigningKey };
  sign: { request: { uri: string; id: string; data: Uint8Array }; response: Signature };
  /** SO: a provider's RSA key (DER SPKI, already parsed and checked in main) as a trusted WRAP-only object. */
  importWrappingKey: { request: { uri: string; label: string; spki: Uint8Array; fingerprint: string }; response: WrappingKeyInfo };
  /** SO: the trusted ephemeral key the next composed RSA-AES wrap uses. */
  prepareRsaAesWrap: { request: { uri: string }; response: null };
  /** SO: the trusted check key the next in-token check value uses (generation on tokens without CKA_CHECK_VALUE, keyCheckValueInToken). */
  prepareKeyCheck: { request: { uri: string }; response: null };
  wrapOaep: { request: { uri: string; targetId: string; wrappingKeyId: string; hash: OaepHash }; response: Uint8Array };
  wrapRsaAes: { request: { uri: string; targetId: string; wrappingKeyId: string; hash: OaepHash }; response: RsaAesWrapped };
  generateKek: { request: { uri: string; label: string }; response: { id: string; kcv: string } };
  /** SO: a trusted session KEK from its value (a backup KEK split into Shamir shares). */
  kekFromValue: { request: { uri: string; label: string; value: Uint8Array; purpose: 'backup' | 'restore' }; response: { id: string; kcv: string } };
  /** Random bytes from the token's generator. */
  generateRandom: { request: { uri: string; bytes: number }; response: Uint8Array };
  wrapKwp: { request: { uri: string; targetId: string; kekId: string }; response: Uint8Array };
  /** `publicKeySpki`: the recorded public key, required for EC keys (and checked for RSA keys when given). */
  unwrapKwp: { request: { uri: string; kekId: string; wrapped: Uint8Array; spec: CmkSpec; label: string; publicKeySpki?: Uint8Array }; response: KeyObject };
  /** A workstation RSA-3072 key pair for keys sent to it; the public key is exported for the sender. */
  generateTransportKey: { request: { uri: string; label: string }; response: { id: string; publicKeySpki: Uint8Array } };
  unwrapOaep: { request: { uri: string; transportKeyId: string; wrapped: Uint8Array; hash: OaepHash; spec: CmkSpec; label: string }; response: KeyObject };
  unwrapRsaAes: { request: { uri: string; transportKeyId: string; wrapped: Uint8Array; hash: OaepHash; spec: CmkSpec; label: string }; response: KeyObject };
}

export type HsmOpName = keyof HsmOps;

export interface HsmRequestMessage<K extends HsmOpName = HsmOpName> {
  id: number;
  op: K;
  request: HsmOps[K]['request'];
}

export interface HsmProgress {
  /** Time the operation has been running inside the module. */
  elapsedMs: number;
}

/** Progress is sent while a long operation (key pair generation) runs in the module's own thread. */
export type HsmReplyMessage =
  | { id: number; ok: true; response: unknown }
  | { id: number; ok: false; error: KeywardErrorData }
  | { id: number; progress: HsmProgress };

/** How often the HSM process reports that a long operation is still running. */
export const progressIntervalMs = 250;

/** What each operation is, in an officer's words (for errors such as a crashed HSM process). */
export const hsmOpDescriptions: Record<HsmOpName, string> = {
  describeModule: 'reading the PKCS#11 module',
  listTokens: 'listing the tokens',
  describeToken: 'reading the token',
  ensureInitializedToken: 'preparing the rehearsal token',
  login: 'logging in to the token',
  logout: 'logging out of the token',
  probe: 'probing the token',
  generateCmk: 'generating a key',
  keyCheckValue: 'reading a key check value',
  keyCheckValueInToken: 'computing a key check value',
  digestKey: 'hashing a key in the token',
  selfTestWrap: 'running the wrapping self-test',
  destroyKey: 'destroying a key',
  destroyByLabel: 'destroying an incomplete key',
  generateSigningKey: 'generating a signing key',
  signingPublicKey: 'reading a signing key',
  sign: 'signing',
  importWrappingKey: 'importing a provider wrapping key',
  prepareRsaAesWrap: 'preparing a wrap',
  prepareKeyCheck: 'preparing a key check',
  wrapOaep: 'wrapping a key',
  wrapRsaAes: 'wrapping a key',
  generateKek: 'generating a backup key',
  kekFromValue: 'loading a backup key',
  generateRandom: 'drawing random bytes',
  wrapKwp: 'backing up a key',
  unwrapKwp: 'restoring a key',
  generateTransportKey: 'generating a transport key',
  unwrapOaep: 'unwrapping a received key',
  unwrapRsaAes: 'unwrapping a received key',
};

/** Environment variable that tells the HSM process which PKCS#11 module to load. */
export const moduleEnvVar = 'KEYWARD_PKCS11_MODULE';
