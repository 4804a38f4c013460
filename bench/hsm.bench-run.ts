/**
 * HSM layer benchmark: wraps and signatures per second through Keyward's HSM process, against a plain
 * C loop calling the same SoftHSM module in the same run; and the main thread's event-loop delay while
 * an RSA-4096 key is generated. Results go to bench/out/hsm.json and bench/out/hsm.md.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, it } from 'vitest';
import { HsmClient } from '../src/main/hsm/client';
import { parseWrappingKey } from '../src/main/providers/wrapping-key-file';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens, softhsmClient } from '../test/helpers/softhsm';

const iterations = Number(process.env.KEYWARD_BENCH_ITERATIONS ?? 2000);
const outDir = join(import.meta.dirname, 'out');
const cLoop = join(outDir, 'pkcs11_loop');
const uri = 'pkcs11:token=Bench';
let tokens: TestTokens;
let client: HsmClient;

beforeAll(() => {
  mkdirSync(outDir, { recursive: true });
  execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-I', 'node_modules/pkcs11js/includes/pkcs11', '-o', cLoop, 'bench/c/pkcs11_loop.c', '-ldl'], { stdio: 'inherit' });
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Bench', '1234', 'so-1234');
  client = softhsmClient(tokens);
});
afterAll(() => {
  client.close();
  tokens.cleanup();
});

function runC(operation: 'wrap' | 'sign'): number {
  const out = execFileSync(cLoop, [softhsmModule, 'Bench', '1234', operation, String(iterations)], { env: { ...process.env, ...tokens.env }, encoding: 'utf8' });
  return (JSON.parse(out) as { perSecond: number }).perSecond;
}

async function perSecond(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await work(); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await work();
  return iterations / (Number(process.hrtime.bigint() - started) / 1e9);
}

it('measures the HSM layer against a plain C loop', async () => {
  const provider = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  const parsed = parseWrappingKey(Buffer.from(provider.export({ type: 'spki', format: 'der' })));
  await client.request('login', { uri, role: 'security-officer', pinParts: ['so-1234'] });
  const wrappingKey = await client.request('importWrappingKey', { uri, label: 'bench provider', spki: parsed.spki, fingerprint: parsed.fingerprint });
  await client.request('login', { uri, role: 'user', pinParts: ['1234'] });
  const cmk = await client.request('generateCmk', { uri, label: 'bench CMK', spec: 'AES_256' });
  const signer = await client.request('generateSigningKey', { uri, label: 'bench signer', spec: 'ECDSA_P256' });
  const data = Buffer.alloc(32, 7);

  const layerWrap = await perSecond(() => client.request('wrapOaep', { uri, targetId: cmk.id, wrappingKeyId: wrappingKey.id, hash: 'sha1' }));
  const layerSign = await perSecond(() => client.request('sign', { uri, id: signer.id, data }));
  const cWrap = runC('wrap');
  const cSign = runC('sign');

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = Date.now();
  await client.request('generateCmk', { uri, label: 'bench RSA-4096', spec: 'RSA_4096' });
  const generationMs = Date.now() - started;
  delay.disable();

  const results = {
    iterations,
    wrapOaepSha1Rsa2048: { keywardPerSecond: layerWrap, cPerSecond: cWrap, ratio: layerWrap / cWrap },
    signEcdsaP256: { keywardPerSecond: layerSign, cPerSecond: cSign, ratio: layerSign / cSign },
    rsa4096Generation: { milliseconds: generationMs, mainThreadDelayMaxMs: delay.max / 1e6, mainThreadDelayP99Ms: delay.percentile(99) / 1e6 },
  };
  const fmt = (n: number) => n.toFixed(1);
  const report = [
    '## HSM layer (SoftHSM2, same run)',
    '',
    '| operation | Keyward layer (ops/s) | plain C loop (ops/s) | ratio |',
    '| --- | ---: | ---: | ---: |',
    `| RSA-OAEP SHA-1 wrap of AES-256 under RSA-2048 | ${fmt(layerWrap)} | ${fmt(cWrap)} | ${results.wrapOaepSha1Rsa2048.ratio.toFixed(2)} |`,
    `| ECDSA P-256 signature | ${fmt(layerSign)} | ${fmt(cSign)} | ${results.signEcdsaP256.ratio.toFixed(2)} |`,
    '',
    `RSA-4096 CMK generation: ${generationMs} ms; main-thread event-loop delay meanwhile: max ${fmt(results.rsa4096Generation.mainThreadDelayMaxMs)} ms, p99 ${fmt(results.rsa4096Generation.mainThreadDelayP99Ms)} ms.`,
    '',
  ].join('\n');
  writeFileSync(join(outDir, 'hsm.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'hsm.md'), report);
  console.log(`\n${report}`);
});
