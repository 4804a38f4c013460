/**
 * Typed messages between main and the HSM process. PKCS#11 modules are vendor native code that can
 * crash or block, so they run in their own process; requests and replies are matched by id.
 */
import type { KeywardErrorData } from '../../shared/errors';
import type {
  Capabilities,
  CmkSpec,
  EcCurve,
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

/** One operation of the HSM process: its request and response types, what it is in an officer's words, how long it may run. */
export interface HsmOpDeclaration<Request, Response> {
  /** For errors and progress ("Still generating a key (12 s)…"). */
  description: string;
  /**
   * How long it may run in the module before main reports it stalled and ends the HSM process
   * (HSM_PROCESS_STALLED): short for reads, generous for key-pair generation.
   */
  timeLimitMs: number;
  /** Carries the types only; never set. */
  readonly types?: { request: Request; response: Response };
}

const op = <Request, Response>(description: string, timeLimitMs: number): HsmOpDeclaration<Request, Response> => ({
  description,
  timeLimitMs,
});

const reading = 30_000;
const working = 120_000;
/** RSA-4096 takes a minute on a slow machine, and several on a smartcard-class HSM. */
const generatingKeyPair = 600_000;

/**
 * Every operation of the HSM process, declared once: main's client derives its request and response types
 * from here, and the HSM process's handler table (host/host.ts) must have exactly these keys.
 */
export const hsmOps = {
  describeModule: op<Record<string, never>, ModuleInfo>('reading the PKCS#11 module', reading),
  listTokens: op<Record<string, never>, TokenSummary[]>('listing the tokens', reading),
  /** Finds exactly one token matching an RFC 7512 URI and reads it live. */
  describeToken: op<{ uri: string }, TokenDetails>('reading the token', reading),
  /** Returns the token with this label, initialising a free slot with it if there is none. */
  ensureInitializedToken: op<InitTokenRequest, TokenSummary>('preparing the rehearsal token', working),
  /** The PIN may come in parts, one per officer; they are joined only inside the HSM process. */
  login: op<{ uri: string; role: LoginRole; pinParts: string[] }, LoginResult>('logging in to the token', reading),
  logout: op<{ uri: string }, null>('logging out of the token', reading),
  probe: op<{ uri: string }, Capabilities>('probing the token', 300_000), // trial operations and known answers on session objects
  /** Every creation takes the CKA_ID the caller drew and recorded (`id`, 32 hex digits), and a label no object carries. */
  generateCmk: op<{ uri: string; id: string; label: string; spec: CmkSpec }, KeyObject>(
    'generating a key',
    generatingKeyPair,
  ),
  /** Which of these labels an object on the token carries (read in the user's session, which sees every object). */
  labelsInUse: op<{ uri: string; labels: string[] }, string[]>('checking key labels', reading),
  keyCheckValue: op<{ uri: string; label: string }, string>('reading a key check value', reading),
  /** A secret key's check value computed in the token (not read from CKA_CHECK_VALUE); needs prepareKeyCheck. */
  keyCheckValueInToken: op<{ uri: string; id: string }, string>('computing a key check value', working),
  /** SHA-256 of a secret key's value, computed in the token (C_DigestKey). */
  digestKey: op<{ uri: string; id: string }, Uint8Array>('hashing a key in the token', working),
  /**
   * Known-answer test: the export's wrap functions on a published test key of the CMK's type (its value,
   * or its private key as a JWK), under a published test RSA key (session objects only).
   */
  selfTestWrap: op<
    { uri: string; kind: 'oaep' | 'rsa-aes'; hash: OaepHash; spki: Uint8Array; testKey: SelfTestKey },
    { wrapped: Uint8Array }
  >('running the wrapping self-test', working),
  destroyKey: op<{ uri: string; id: string }, { destroyed: number; objects: TokenObjectRef[] }>(
    'destroying a key',
    working,
  ),
  /** Rollback of a step: the objects it reserved, each by CKA_ID and label, and nothing else; none found is not an error. */
  destroyReserved: op<
    { uri: string; objects: { id: string; label: string }[] },
    { destroyed: TokenObjectRef[]; kept: TokenObjectRef[] }
  >('destroying what an incomplete step made', working),
  generateSigningKey: op<{ uri: string; id: string; label: string; spec: SigningKeySpec }, SigningKey>(
    'generating a signing key',
    generatingKeyPair,
  ),
  /** The audit anchor's values (a private data object: user login): none, one, or two if Keyward stopped while moving it. */
  readAuditAnchor: op<{ uri: string }, Uint8Array[]>('reading the audit anchor', reading),
  /** Moves the audit anchor forward; `create` only for the first anchor (a missing one is refused otherwise). */
  /** A token set apart for rehearsals may hold no data objects (NSS's softoken): then it keeps no anchor. */
  holdsDataObjects: op<{ uri: string }, { holds: true } | { holds: false; why: string }>(
    'trying a data object on the token',
    working,
  ),
  writeAuditAnchor: op<{ uri: string; value: Uint8Array; create: boolean }, null>('anchoring the audit log', working),
  signingPublicKey: op<{ uri: string; id: string }, SigningKey>('reading a signing key', reading),
  /** The same public key read without any login (public objects): which token holds the workstation key, before a PIN is typed into its module. */
  publicKeyWithoutLogin: op<{ uri: string; id: string }, SigningKey>('reading a public key', reading),
  sign: op<{ uri: string; id: string; data: Uint8Array }, Signature>('signing', working),
  /** SO: a provider's RSA key (DER SPKI, already parsed and checked in main) as a trusted WRAP-only object. */
  importWrappingKey: op<
    { uri: string; id: string; label: string; spki: Uint8Array; fingerprint: string },
    WrappingKeyInfo
  >('importing a provider wrapping key', working),
  /** SO: the trusted ephemeral key the next composed RSA-AES wrap uses. */
  prepareRsaAesWrap: op<{ uri: string }, null>('preparing a wrap', working),
  /** SO: the trusted check key the next in-token check value uses (generation on tokens without CKA_CHECK_VALUE, keyCheckValueInToken). */
  /** Whether the token reports CKA_CHECK_VALUE (else a CMK's check value needs prepareKeyCheck first). */
  reportsCheckValue: op<{ uri: string }, boolean>('reading whether the token reports key check values', working),
  prepareKeyCheck: op<{ uri: string }, null>('preparing a key check', working),
  /**
   * The approved key under the approved wrapping key: the wrapping key's SHA-256 fingerprint and the key's
   * check value (where the token can tell it) are checked in the token before anything is wrapped.
   */
  wrapOaep: op<
    { uri: string; targetId: string; kcv: string; wrappingKeyId: string; fingerprint: string; hash: OaepHash },
    Uint8Array
  >('wrapping a key', working),
  wrapRsaAes: op<
    { uri: string; targetId: string; kcv: string; wrappingKeyId: string; fingerprint: string; hash: OaepHash },
    RsaAesWrapped
  >('wrapping a key', working),
  /** SO: a trusted session KEK from its value (a backup KEK split into Shamir shares). */
  kekFromValue: op<
    { uri: string; id: string; label: string; value: Uint8Array; purpose: 'backup' | 'restore' },
    { id: string; kcv: string }
  >('loading a backup key', working),
  /** Random bytes from the token's generator. */
  generateRandom: op<{ uri: string; bytes: number }, Uint8Array>('drawing random bytes', working),
  /**
   * Each key under the backup KEK (AES-KWP), in order: one request for the whole backup. The wraps come
   * back end to end in one buffer, `lengths` saying where each ends (splitWraps parts them).
   */
  wrapKwp: op<{ uri: string; targetIds: string[]; kekId: string }, { wrapped: Uint8Array; lengths: number[] }>(
    'backing up keys',
    working,
  ),
  /** `publicKeySpki`: the recorded public key, required for EC keys (and checked for RSA keys when given). */
  unwrapKwp: op<
    {
      uri: string;
      kekId: string;
      wrapped: Uint8Array;
      spec: CmkSpec;
      id: string;
      label: string;
      publicKeySpki?: Uint8Array;
    },
    KeyObject
  >('restoring a key', working),
  /** A workstation RSA-3072 key pair for keys sent to it; the public key is exported for the sender. */
  generateTransportKey: op<{ uri: string; id: string; label: string }, { id: string; publicKeySpki: Uint8Array }>(
    'generating a transport key',
    generatingKeyPair,
  ),
  unwrapOaep: op<
    {
      uri: string;
      transportKeyId: string;
      wrapped: Uint8Array;
      hash: OaepHash;
      spec: CmkSpec;
      id: string;
      label: string;
    },
    KeyObject
  >('unwrapping a received key', working),
  unwrapRsaAes: op<
    {
      uri: string;
      transportKeyId: string;
      wrapped: Uint8Array;
      hash: OaepHash;
      spec: CmkSpec;
      id: string;
      label: string;
    },
    KeyObject
  >('unwrapping a received key', working),
};

export type HsmOpName = keyof typeof hsmOps;

const eachOp = <T>(pick: (declaration: HsmOpDeclaration<unknown, unknown>) => T): Record<HsmOpName, T> =>
  Object.fromEntries(Object.entries(hsmOps).map(([name, declaration]) => [name, pick(declaration)])) as Record<
    HsmOpName,
    T
  >;

/** What each operation is, in an officer's words (for errors such as a crashed HSM process). */
export const hsmOpDescriptions = eachOp((declaration) => declaration.description);

/** How long each operation may run (the first request of a new process gets `moduleLoadAllowanceMs` more). */
export const hsmOpTimeLimitsMs = eachOp((declaration) => declaration.timeLimitMs);

/** Each operation's request and response, as the declarations above carry them. */
export type HsmOps = {
  [K in HsmOpName]: (typeof hsmOps)[K] extends HsmOpDeclaration<infer Request, infer Response>
    ? { request: Request; response: Response }
    : never;
};

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

/** Added to the first request's limit in a new HSM process: loading a network HSM's module can take a while. */
export const moduleLoadAllowanceMs = 60_000;

/**
 * An HSM process that is stopped (SIGSTOP, Ctrl-Z, a debugger) and silent for this long is stalled.
 * Silence from a running process is not: a synchronous PKCS#11 call, or the checks after a generation,
 * hold its event loop, so heartbeats pause while it works. That is left to the operation's time limit.
 */
export const hsmSilenceLimitMs = 5_000;

/** A published test key for the self-test: a secret key's value, or a private key's JWK (RSA or EC P-256/P-384). */
export type SelfTestKey =
  | { secret: Uint8Array; aes: boolean }
  | { rsa: { n: string; e: string; d: string; p: string; q: string; dp: string; dq: string; qi: string } }
  | { ec: { crv: EcCurve; d: string } };

/** Environment variable that tells the HSM process which PKCS#11 module to load. */
export const moduleEnvVar = 'KEYWARD_PKCS11_MODULE';
/** ...and the arguments it is initialised with (C_Initialize's pReserved), when it takes any. */
export const moduleArgsEnvVar = 'KEYWARD_PKCS11_MODULE_ARGS';

/** The wraps of a wrapKwp response, one per key named, in order. */
export function splitWraps({ wrapped, lengths }: { wrapped: Uint8Array; lengths: number[] }): Uint8Array[] {
  let offset = 0;
  return lengths.map((length) => wrapped.subarray(offset, (offset += length)));
}
