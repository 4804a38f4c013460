/**
 * Entry point of the HSM process (an Electron utility process, or a Node child process in the Chromium
 * shell and the CLI). It owns the PKCS#11 module and answers one request at a time.
 */
import { KeywardError, toErrorData } from '../../../shared/errors';
import { parentPidEnvVar } from '../channel';
import { isAlive, processRef } from '../process-registry';
import {
  moduleArgsEnvVar,
  moduleEnvVar,
  progressIntervalMs,
  type HsmOpName,
  type HsmOps,
  type HsmReplyMessage,
  type HsmRequestMessage,
} from '../protocol';
import { holdsDataObjects, readAuditAnchors, writeAuditAnchor } from './audit-anchor';
import { EphemeralKeys } from './ephemeral';
import { Keys } from './keys';
import { Pkcs11Module } from './module';
import { probe } from './probe';
import { selfTestWrap } from './self-test';
import { Sessions } from './sessions';
import { Signing } from './signing';
import { Unwrapping } from './unwrapping';
import { Wrapping } from './wrapping';

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

// Present only in an Electron utility process (Electron's types declare it everywhere, hence Reflect).
const electronPort = Reflect.get(process, 'parentPort') as ParentPort | undefined;

function send(reply: HsmReplyMessage): void {
  if (electronPort) electronPort.postMessage(reply);
  // Once the parent has gone a send fails (EPIPE), and unhandled that failure would end this process at
  // once, in the middle of the running call: the callback takes it, and the parent watch ends the process.
  else if (process.connected) process.send?.(reply, undefined, undefined, () => undefined);
}

interface Layer {
  module: Pkcs11Module;
  sessions: Sessions;
  keys: Keys;
  signing: Signing;
  wrapping: Wrapping;
  unwrapping: Unwrapping;
}

let layer: Layer | undefined;

/** How often the process checks that its parent is still there. */
const parentWatchMs = 500;

function open(): Layer {
  if (layer) return layer;
  const path = process.env[moduleEnvVar];
  if (!path) {
    throw new KeywardError(
      'HSM_MODULE_LOAD_FAILED',
      'The HSM process was started without a module path.',
      'Restart Keyward.',
    );
  }
  const module = Pkcs11Module.open(path, process.env[moduleArgsEnvVar]);
  const sessions = new Sessions(module);
  const ephemerals = new EphemeralKeys(module);
  const keys = new Keys(module, sessions, ephemerals);
  layer = {
    module,
    sessions,
    keys,
    signing: new Signing(module, sessions, keys),
    wrapping: new Wrapping(module, sessions, keys, ephemerals),
    unwrapping: new Unwrapping(module, sessions, keys),
  };
  return layer;
}

const moduleOrThrow = (): Pkcs11Module => open().module;

const operations: {
  [K in HsmOpName]: (request: HsmOps[K]['request']) => HsmOps[K]['response'] | Promise<HsmOps[K]['response']>;
} = {
  describeModule: () => moduleOrThrow().describe(),
  listTokens: () => moduleOrThrow().listTokens(),
  describeToken: (request) => moduleOrThrow().describeToken(request.uri),
  ensureInitializedToken: (request) => moduleOrThrow().ensureInitializedToken(request),
  login: ({ uri, role, pinParts }) => open().sessions.login(uri, role, pinParts),
  logout: ({ uri }) => {
    open().sessions.logout(uri);
    return null;
  },
  probe: ({ uri }) => probe(moduleOrThrow(), uri),
  generateCmk: ({ uri, id, label, spec }) => open().keys.generateCmk(uri, id, label, spec),
  labelsInUse: ({ uri, labels }) => open().keys.labelsInUse(uri, labels),
  keyCheckValue: ({ uri, label }) => open().keys.checkValueByLabel(uri, label),
  keyCheckValueInToken: ({ uri, id }) => open().keys.checkValueInToken(uri, id),
  digestKey: ({ uri, id }) => open().keys.digestKey(uri, id),
  selfTestWrap: ({ uri, kind, hash, spki, testKey }) => {
    const { module, sessions, keys } = open();
    return selfTestWrap(module, sessions, keys, uri, kind, hash, spki, testKey);
  },
  destroyKey: ({ uri, id }) => open().keys.destroy(uri, id),
  destroyReserved: ({ uri, objects }) => open().keys.destroyReserved(uri, objects),
  generateSigningKey: ({ uri, id, label, spec }) => open().signing.generate(uri, id, label, spec),
  signingPublicKey: ({ uri, id }) => open().signing.publicKey(uri, id),
  publicKeyWithoutLogin: ({ uri, id }) => open().signing.publicKeyWithoutLogin(uri, id),
  readAuditAnchor: ({ uri }) => {
    const { module, sessions } = open();
    return readAuditAnchors(module, sessions, uri);
  },
  holdsDataObjects: ({ uri }) => {
    const { module, sessions } = open();
    return holdsDataObjects(module, sessions, uri);
  },
  writeAuditAnchor: ({ uri, value, create }) => {
    const { module, sessions } = open();
    writeAuditAnchor(module, sessions, uri, value, create);
    return null;
  },
  sign: ({ uri, id, data }) => open().signing.sign(uri, id, data),
  importWrappingKey: ({ uri, id, label, spki, fingerprint }) =>
    open().wrapping.importWrappingKey(uri, id, label, spki, fingerprint),
  prepareRsaAesWrap: ({ uri }) => {
    open().wrapping.prepare(uri, 'rsa-aes');
    return null;
  },
  reportsCheckValue: ({ uri }) => open().keys.reportsCheckValue(uri),
  prepareKeyCheck: ({ uri }) => {
    open().wrapping.prepare(uri, 'key-check');
    return null;
  },
  wrapOaep: (request) => open().wrapping.wrapOaep(request),
  wrapRsaAes: (request) => open().wrapping.wrapRsaAes(request),
  kekFromValue: ({ uri, id, label, value, purpose }) => open().wrapping.kekFromValue(uri, id, label, value, purpose),
  generateRandom: ({ uri, bytes }) => open().keys.random(uri, bytes),
  wrapKwp: ({ uri, targetIds, kekId }) => open().wrapping.wrapKwp(uri, targetIds, kekId),
  unwrapKwp: ({ uri, kekId, wrapped, spec, id, label, publicKeySpki }) =>
    open().unwrapping.unwrapKwp(uri, kekId, wrapped, spec, id, label, publicKeySpki),
  generateTransportKey: ({ uri, id, label }) => open().unwrapping.generateTransportKey(uri, id, label),
  unwrapOaep: ({ uri, transportKeyId, wrapped, hash, spec, id, label }) =>
    open().unwrapping.unwrapOaep(uri, transportKeyId, wrapped, hash, spec, id, label),
  unwrapRsaAes: ({ uri, transportKeyId, wrapped, hash, spec, id, label }) =>
    open().unwrapping.unwrapRsaAes(uri, transportKeyId, wrapped, hash, spec, id, label),
};

function isRequest(value: unknown): value is HsmRequestMessage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'number' && typeof v.op === 'string' && Object.hasOwn(operations, v.op);
}

/**
 * The parent (main) this process serves, named by main (a utility process's parent may be Chromium's zygote
 * rather than main), and the parent it had at start: when either is gone, main has exited, however it
 * exited, and this process must not outlive it holding the token open.
 */
const initialParentPid = process.ppid;
const namedParent = ((pid) => (Number.isInteger(pid) && pid > 0 ? processRef(pid) : undefined))(
  Number(process.env[parentPidEnvVar]),
);

/** A Node child process's named parent is its own: its ppid changes when it dies, no /proc read needed. */
const parentIsOwn = namedParent?.pid === initialParentPid;

function parentGone(): boolean {
  return process.ppid !== initialParentPid || (namedParent !== undefined && !parentIsOwn && !isAlive(namedParent));
}

/** Set once the parent is gone (or this process is asked to end): no new operation starts. */
let ending = false;

async function run(message: HsmRequestMessage): Promise<void> {
  // A request read after the parent died (a stopped process continued, say) is not started.
  if (ending || parentGone()) {
    end();
    return;
  }
  const started = Date.now();
  // Long operations run on the module's own thread (pkcs11js *Async calls), so this loop can report progress.
  const heartbeat = setInterval(
    () => send({ id: message.id, progress: { elapsedMs: Date.now() - started } }),
    progressIntervalMs,
  );
  try {
    const operation = operations[message.op] as (request: unknown) => unknown;
    send({ id: message.id, ok: true, response: await operation(message.request) });
  } catch (error) {
    send({ id: message.id, ok: false, error: toErrorData(error) });
  } finally {
    clearInterval(heartbeat);
  }
}

/** One request at a time: a PKCS#11 session must not run two operations at once. */
let queue: Promise<void> = Promise.resolve();

function handle(message: unknown): void {
  if (ending || !isRequest(message)) return;
  queue = queue.then(() => run(message));
}

if (electronPort) electronPort.on('message', (event) => handle(event.data));
else process.on('message', handle);

/**
 * Ends the process once the running call has ended. Finalising the module (C_Finalize) under a running call,
 * a key pair being generated on the module's thread, left torn objects on the token (issue 15): so the call
 * is let finish (or fail), nothing queued after it starts, and only then is the module closed. A ceremony
 * step it belonged to is rolled back by the next Keyward, which does not start while this process lives
 * (process-registry.ts).
 */
function end(): void {
  if (ending) return;
  ending = true;
  clearInterval(parentWatch);
  const finish = (): void => {
    layer?.module.close();
    process.exit(0);
  };
  void queue.then(finish, finish);
}

// A Node child process hears of its parent's exit through the IPC channel closing; an Electron utility
// process does not, and a stopped process hears of nothing until continued: the watch covers them all.
process.on('disconnect', end);
const parentWatch = setInterval(() => {
  if (parentGone()) end();
}, parentWatchMs);
parentWatch.unref();
// Ctrl-C at a terminal reaches the whole process group, this process too: the CLI decides, and this process
// ends after it, its running call finished. SIGTERM and SIGHUP end it the same way.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', end);
process.on('SIGHUP', end);
