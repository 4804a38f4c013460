/**
 * Typed messages between main and the HSM process. PKCS#11 modules are vendor native code that can
 * crash or block, so they run in their own process; requests and replies are matched by id.
 */
import type { KeywardErrorData } from '../../shared/errors';
import type {
  Capabilities,
  CmkSpec,
  KeyObject,
  LoginResult,
  LoginRole,
  OaepHash,
  RsaAesWrapped,
  Signature,
  SigningKey,
  SigningKeySpec,
  TokenObjectRef,
  WrappingKeyInfo,
} from '../../shared/keys';
import type { ModuleInfo, TokenDetails, TokenSummary } from '../../shared/token';

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
  /** Every creation takes the CKA_ID the caller drew and recorded (`id`, 32 hex digits), and a label no object carries. */
  generateCmk: { request: { uri: string; id: string; label: string; spec: CmkSpec }; response: KeyObject };
  /** Which of these labels an object on the token carries (read in the user's session, which sees every object). */
  labelsInUse: { request: { uri: string; labels: string[] }; response: string[] };
  keyCheckValue: { request: { uri: string; label: string }; response: string };
  /** A secret key's check value computed in the token (not read from CKA_CHECK_VALUE); needs prepareKeyCheck. */
  keyCheckValueInToken: { request: { uri: string; id: string }; response: string };
  /** SHA-256 of a secret key's value, computed in the token (C_DigestKey). */
  digestKey: { request: { uri: string; id: string }; response: Uint8Array };
  /** Known-answer test: the export's wrap functions on a throw-away test key under a throw-away RSA key (session objects only). */
  selfTestWrap: {
    request: { uri: string; kind: 'oaep' | 'rsa-aes'; hash: OaepHash; spki: Uint8Array };
    response: { wrapped: Uint8Array; kcv: string };
  };
  destroyKey: { request: { uri: string; id: string }; response: { destroyed: number; objects: TokenObjectRef[] } };
  /** Rollback of a step: the objects it reserved, each by CKA_ID and label, and nothing else; none found is not an error. */
  destroyReserved: {
    request: { uri: string; objects: { id: string; label: string }[] };
    response: { destroyed: TokenObjectRef[]; kept: TokenObjectRef[] };
  };
  generateSigningKey: {
    request: { uri: string; id: string; label: string; spec: SigningKeySpec };
    response: SigningKey;
  };
  /** The audit anchor's values (a private data object: user login): none, one, or two if Keyward stopped while moving it. */
  readAuditAnchor: { request: { uri: string }; response: Uint8Array[] };
  /** Moves the audit anchor forward; `create` only for the first anchor (a missing one is refused otherwise). */
  writeAuditAnchor: { request: { uri: string; value: Uint8Array; create: boolean }; response: null };
  signingPublicKey: { request: { uri: string; id: string }; response: SigningKey };
  /** The same public key read without any login (public objects): which token holds the workstation key, before a PIN is typed into its module. */
  publicKeyWithoutLogin: { request: { uri: string; id: string }; response: SigningKey };
  sign: { request: { uri: string; id: string; data: Uint8Array }; response: Signature };
  /** SO: a provider's RSA key (DER SPKI, already parsed and checked in main) as a trusted WRAP-only object. */
  importWrappingKey: {
    request: { uri: string; id: string; label: string; spki: Uint8Array; fingerprint: string };
    response: WrappingKeyInfo;
  };
  /** SO: the trusted ephemeral key the next composed RSA-AES wrap uses. */
  prepareRsaAesWrap: { request: { uri: string }; response: null };
  /** SO: the trusted check key the next in-token check value uses (generation on tokens without CKA_CHECK_VALUE, keyCheckValueInToken). */
  prepareKeyCheck: { request: { uri: string }; response: null };
  /**
   * The approved key under the approved wrapping key: the wrapping key's SHA-256 fingerprint and the key's
   * check value (where the token can tell it) are checked in the token before anything is wrapped.
   */
  wrapOaep: {
    request: { uri: string; targetId: string; kcv: string; wrappingKeyId: string; fingerprint: string; hash: OaepHash };
    response: Uint8Array;
  };
  wrapRsaAes: {
    request: { uri: string; targetId: string; kcv: string; wrappingKeyId: string; fingerprint: string; hash: OaepHash };
    response: RsaAesWrapped;
  };
  /** SO: a trusted session KEK from its value (a backup KEK split into Shamir shares). */
  kekFromValue: {
    request: { uri: string; id: string; label: string; value: Uint8Array; purpose: 'backup' | 'restore' };
    response: { id: string; kcv: string };
  };
  /** Random bytes from the token's generator. */
  generateRandom: { request: { uri: string; bytes: number }; response: Uint8Array };
  wrapKwp: { request: { uri: string; targetId: string; kekId: string }; response: Uint8Array };
  /** `publicKeySpki`: the recorded public key, required for EC keys (and checked for RSA keys when given). */
  unwrapKwp: {
    request: {
      uri: string;
      kekId: string;
      wrapped: Uint8Array;
      spec: CmkSpec;
      id: string;
      label: string;
      publicKeySpki?: Uint8Array;
    };
    response: KeyObject;
  };
  /** A workstation RSA-3072 key pair for keys sent to it; the public key is exported for the sender. */
  generateTransportKey: {
    request: { uri: string; id: string; label: string };
    response: { id: string; publicKeySpki: Uint8Array };
  };
  unwrapOaep: {
    request: {
      uri: string;
      transportKeyId: string;
      wrapped: Uint8Array;
      hash: OaepHash;
      spec: CmkSpec;
      id: string;
      label: string;
    };
    response: KeyObject;
  };
  unwrapRsaAes: {
    request: {
      uri: string;
      transportKeyId: string;
      wrapped: Uint8Array;
      hash: OaepHash;
      spec: CmkSpec;
      id: string;
      label: string;
    };
    response: KeyObject;
  };
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
  labelsInUse: 'checking key labels',
  keyCheckValue: 'reading a key check value',
  keyCheckValueInToken: 'computing a key check value',
  digestKey: 'hashing a key in the token',
  selfTestWrap: 'running the wrapping self-test',
  destroyKey: 'destroying a key',
  destroyReserved: 'destroying what an incomplete step made',
  generateSigningKey: 'generating a signing key',
  signingPublicKey: 'reading a signing key',
  publicKeyWithoutLogin: 'reading a public key',
  readAuditAnchor: 'reading the audit anchor',
  writeAuditAnchor: 'anchoring the audit log',
  sign: 'signing',
  importWrappingKey: 'importing a provider wrapping key',
  prepareRsaAesWrap: 'preparing a wrap',
  prepareKeyCheck: 'preparing a key check',
  wrapOaep: 'wrapping a key',
  wrapRsaAes: 'wrapping a key',
  kekFromValue: 'loading a backup key',
  generateRandom: 'drawing random bytes',
  wrapKwp: 'backing up a key',
  unwrapKwp: 'restoring a key',
  generateTransportKey: 'generating a transport key',
  unwrapOaep: 'unwrapping a received key',
  unwrapRsaAes: 'unwrapping a received key',
};

const reading = 30_000;
const working = 120_000;
/** RSA-4096 takes a minute on a slow machine, and several on a smartcard-class HSM. */
const generatingKeyPair = 600_000;

/**
 * How long each operation may run in the module before main reports it stalled and ends the HSM process
 * (HSM_PROCESS_STALLED): short for reads, generous for key-pair generation. The first request of a new
 * process gets `moduleLoadAllowanceMs` more, since the module is loaded (C_Initialize) inside it.
 */
export const hsmOpTimeLimitsMs: Record<HsmOpName, number> = {
  describeModule: reading,
  listTokens: reading,
  describeToken: reading,
  ensureInitializedToken: working,
  login: reading,
  logout: reading,
  probe: 300_000, // trial operations, an RSA-2048 key pair among them
  generateCmk: generatingKeyPair,
  labelsInUse: reading,
  keyCheckValue: reading,
  keyCheckValueInToken: working,
  digestKey: working,
  selfTestWrap: working,
  destroyKey: working,
  destroyReserved: working,
  generateSigningKey: generatingKeyPair,
  signingPublicKey: reading,
  publicKeyWithoutLogin: reading,
  readAuditAnchor: reading,
  writeAuditAnchor: working,
  sign: working,
  importWrappingKey: working,
  prepareRsaAesWrap: working,
  prepareKeyCheck: working,
  wrapOaep: working,
  wrapRsaAes: working,
  kekFromValue: working,
  generateRandom: working,
  wrapKwp: working,
  unwrapKwp: working,
  generateTransportKey: generatingKeyPair,
  unwrapOaep: working,
  unwrapRsaAes: working,
};

/** Added to the first request's limit in a new HSM process: loading a network HSM's module can take a while. */
export const moduleLoadAllowanceMs = 60_000;

/**
 * An operation whose heartbeats stop (or whose process is stopped, SIGSTOP) for this long is stalled.
 * Heartbeats flow only while an operation runs on the module's own thread (key generation); a synchronous
 * PKCS#11 call holds the HSM process's event loop, so silence alone, with the process running and no
 * heartbeat yet, is left to the operation's time limit.
 */
export const hsmSilenceLimitMs = 5_000;

/** Environment variable that tells the HSM process which PKCS#11 module to load. */
export const moduleEnvVar = 'KEYWARD_PKCS11_MODULE';
