/**
 * HSM layer benchmark: wraps and signatures per second through Keyward's HSM process, against a plain
 * C loop calling the same SoftHSM module in the same run; and the main thread's event-loop delay while
 * an RSA-4096 key is generated, against the same thread left idle as long. Results: bench/out/hsm.json and hsm.md.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, it } from 'vitest';
import { HsmClient } from '../src/main/hsm/client/client';
import { newObjectId } from '../src/main/hsm/object-id';
import { parseWrappingKey } from '../src/main/providers/wrapping-key-file';
import { initToken, makeSoftHsmDir, softhsmClient, softhsmModule, type TestTokens } from '../test/helpers/softhsm';
import { envNumber, outDir, table, writeSection } from './sections';

const iterations = envNumber('KEYWARD_BENCH_ITERATIONS', 2000);
const cLoop = join(outDir, 'pkcs11_loop');
const uri = 'pkcs11:token=Bench';
let tokens: TestTokens;
let client: HsmClient;

beforeAll(() => {
  mkdirSync(outDir, { recursive: true });
  execFileSync(
    'cc',
    [
      '-O2',
      '-Wall',
      '-Wextra',
      '-I',
      'node_modules/pkcs11js/includes/pkcs11',
      '-o',
      cLoop,
      'bench/c/pkcs11_loop.c',
      '-ldl',
    ],
    { stdio: 'inherit' },
  );
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Bench', '1234', 'so-1234');
  client = softhsmClient(tokens);
});
afterAll(() => {
  client.close();
  tokens.cleanup();
});

function runC(operation: 'wrap' | 'kwp' | 'sign'): number {
  const out = execFileSync(cLoop, [softhsmModule, 'Bench', '1234', operation, String(iterations), 'so-1234'], {
    env: { ...process.env, ...tokens.env },
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { perSecond: number }).perSecond;
}

async function perSecond(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await work(); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await work();
  return iterations / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** The main thread's event-loop delay (max and p99, ms) while `work` runs. */
async function loopDelay(work: () => Promise<unknown>): Promise<{ maxMs: number; p99Ms: number }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  await work();
  delay.disable();
  return { maxMs: delay.max / 1e6, p99Ms: delay.percentile(99) / 1e6 };
}

it('measures the HSM layer against a plain C loop', async () => {
  const provider = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  const parsed = parseWrappingKey(Buffer.from(provider.export({ type: 'spki', format: 'der' })));
  await client.request('login', { uri, role: 'security-officer', pinParts: ['so-1234'] });
  const wrappingKey = await client.request('importWrappingKey', {
    uri,
    id: newObjectId(),
    label: 'bench provider',
    spki: parsed.spki,
    fingerprint: parsed.fingerprint,
  });
  await client.request('login', { uri, role: 'user', pinParts: ['1234'] });
  const cmk = await client.request('generateCmk', { uri, id: newObjectId(), label: 'bench CMK', spec: 'AES_256' });
  const signer = await client.request('generateSigningKey', {
    uri,
    id: newObjectId(),
    label: 'bench signer',
    spec: 'ECDSA_P256',
  });
  const data = Buffer.alloc(32, 7);

  const layerWrap = await perSecond(() =>
    client.request('wrapOaep', {
      uri,
      targetId: cmk.id,
      kcv: cmk.kcv,
      wrappingKeyId: wrappingKey.id,
      fingerprint: parsed.fingerprint,
      hash: 'sha1',
    }),
  );
  const layerSign = await perSecond(() => client.request('sign', { uri, id: signer.id, data }));
  // What no request can go below: one round trip to the HSM process, nothing done in the token.
  const roundTrip = await perSecond(() => client.request('describeModule', {}));

  // A backup's keys are wrapped under its KEK in one request: here, one CMK named `iterations` times.
  await client.request('login', { uri, role: 'security-officer', pinParts: ['so-1234'] });
  const kek = await client.request('kekFromValue', {
    uri,
    id: newObjectId(),
    label: 'bench backup KEK',
    value: randomBytes(32),
    purpose: 'backup',
  });
  await client.request('login', { uri, role: 'user', pinParts: ['1234'] });
  await client.request('wrapKwp', { uri, targetIds: Array<string>(20).fill(cmk.id), kekId: kek.id }); // warm-up
  const batchStarted = process.hrtime.bigint();
  const batch = await client.request('wrapKwp', {
    uri,
    targetIds: Array<string>(iterations).fill(cmk.id),
    kekId: kek.id,
  });
  const layerKwpBatch = batch.lengths.length / (Number(process.hrtime.bigint() - batchStarted) / 1e9);

  const cWrap = runC('wrap');
  const cKwp = runC('kwp');
  const cSign = runC('sign');

  let generationMs = 0;
  const generating = await loopDelay(async () => {
    const started = Date.now();
    await client.request('generateCmk', { uri, id: newObjectId(), label: 'bench RSA-4096', spec: 'RSA_4096' });
    generationMs = Date.now() - started;
  });
  const idle = await loopDelay(() => sleep(generationMs));

  /** Operations a second if each cost one empty round trip plus the C loop's operation. */
  const floorOf = (cPerSecond: number): number => 1 / (1 / roundTrip + 1 / cPerSecond);
  const results = {
    iterations,
    wrapOaepSha1Rsa2048: { keywardPerSecond: layerWrap, cPerSecond: cWrap, ratio: cWrap / layerWrap },
    signEcdsaP256: { keywardPerSecond: layerSign, cPerSecond: cSign, ratio: cSign / layerSign },
    requestRoundTrip: { keywardPerSecond: roundTrip, cWrapPerSecond: cWrap, ratio: cWrap / roundTrip },
    // What a single operation cannot go below: one round trip to the HSM process, plus the C loop's operation.
    wrapAgainstFloor: { floorPerSecond: floorOf(cWrap), ratio: floorOf(cWrap) / layerWrap },
    signAgainstFloor: { floorPerSecond: floorOf(cSign), ratio: floorOf(cSign) / layerSign },
    kwpBatch: { keywardPerSecond: layerKwpBatch, cPerSecond: cKwp, ratio: cKwp / layerKwpBatch },
    rsa4096Generation: {
      milliseconds: generationMs,
      mainThreadDelayMaxMs: generating.maxMs,
      mainThreadDelayP99Ms: generating.p99Ms,
      idleDelayMaxMs: idle.maxMs,
      idleDelayP99Ms: idle.p99Ms,
    },
  };
  const ops = (n: number) => `${n.toFixed(0)} ops/s`;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  writeSection('hsm', results, [
    `SoftHSM2, ${iterations} operations each after 20 warm-up ones; ratio = time per operation through Keyward ÷ in the C loop. The event-loop delay is sampled every 10 ms and its values include that interval (10 ms = no delay); ratio = Keyward's ÷ idle.`,
    '',
    ...table([
      {
        measure: 'RSA-OAEP SHA-1 wrap of AES-256 under RSA-2048',
        keyward: ops(layerWrap),
        baseline: ops(cWrap),
        ratio: results.wrapOaepSha1Rsa2048.ratio,
      },
      {
        measure: 'ECDSA P-256 signature',
        keyward: ops(layerSign),
        baseline: ops(cSign),
        ratio: results.signEcdsaP256.ratio,
      },
      {
        measure: `AES-KWP wrap of AES-256 under a backup KEK, ${iterations} in one request (a backup)`,
        keyward: ops(layerKwpBatch),
        baseline: ops(cKwp),
        ratio: results.kwpBatch.ratio,
      },
      {
        measure:
          'one request to the HSM process that does nothing in the token (describeModule), against the C wrap: the floor under every single operation above',
        keyward: ops(roundTrip),
        baseline: ops(cWrap),
        ratio: results.requestRoundTrip.ratio,
      },
      {
        measure:
          'RSA-OAEP wrap as above, against its floor: one empty round trip plus the C wrap (what the HSM process boundary and the token cost, with no check at all)',
        keyward: ops(layerWrap),
        baseline: ops(results.wrapAgainstFloor.floorPerSecond),
        ratio: results.wrapAgainstFloor.ratio,
      },
      {
        measure: 'ECDSA P-256 signature as above, against its floor: one empty round trip plus the C signature',
        keyward: ops(layerSign),
        baseline: ops(results.signAgainstFloor.floorPerSecond),
        ratio: results.signAgainstFloor.ratio,
      },
      {
        measure: `main-thread event-loop delay, max, during an RSA-4096 generation (${generationMs} ms)`,
        keyward: ms(generating.maxMs),
        baseline: ms(idle.maxMs),
        ratio: generating.maxMs / idle.maxMs,
      },
      {
        measure: 'main-thread event-loop delay, p99, same',
        keyward: ms(generating.p99Ms),
        baseline: ms(idle.p99Ms),
        ratio: generating.p99Ms / idle.p99Ms,
      },
    ]),
  ]);
});
