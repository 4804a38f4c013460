/**
 * Entry point of the HSM process (an Electron utility process, or a Node child process in the Chromium
 * shell and the CLI). It owns the PKCS#11 module and answers one request at a time.
 */
import { KeywardError, toErrorData } from '../../shared/errors';
import { Pkcs11Module } from './module';
import { moduleEnvVar, type HsmOpName, type HsmOps, type HsmReplyMessage, type HsmRequestMessage } from './protocol';

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

// Present only in an Electron utility process (Electron's types declare it everywhere, hence Reflect).
const electronPort = Reflect.get(process, 'parentPort') as ParentPort | undefined;

function send(reply: HsmReplyMessage): void {
  if (electronPort) electronPort.postMessage(reply);
  else process.send?.(reply);
}

let loaded: Pkcs11Module | undefined;

function moduleOrThrow(): Pkcs11Module {
  if (loaded) return loaded;
  const path = process.env[moduleEnvVar];
  if (!path) {
    throw new KeywardError('HSM_MODULE_LOAD_FAILED', 'The HSM process was started without a module path.', 'Restart Keyward.');
  }
  loaded = Pkcs11Module.open(path);
  return loaded;
}

const operations: { [K in HsmOpName]: (request: HsmOps[K]['request']) => HsmOps[K]['response'] } = {
  describeModule: () => moduleOrThrow().describe(),
  listTokens: () => moduleOrThrow().listTokens(),
  describeToken: (request) => moduleOrThrow().describeToken(request.uri),
  ensureInitializedToken: (request) => moduleOrThrow().ensureInitializedToken(request),
};

function isRequest(value: unknown): value is HsmRequestMessage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'number' && typeof v.op === 'string' && Object.hasOwn(operations, v.op);
}

function handle(message: unknown): void {
  if (!isRequest(message)) return;
  try {
    const run = operations[message.op] as (request: unknown) => unknown;
    send({ id: message.id, ok: true, response: run(message.request) });
  } catch (error) {
    send({ id: message.id, ok: false, error: toErrorData(error) });
  }
}

if (electronPort) electronPort.on('message', (event) => handle(event.data));
else process.on('message', handle);

// The parent going away (crash, kill) must not leave a process holding the token open.
process.on('disconnect', () => {
  loaded?.close();
  process.exit(0);
});
