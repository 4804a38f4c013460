/**
 * Property-based fuzzing of the parsers that read what crosses the air gap or a trust boundary: each
 * must either accept or refuse with a KeywardError naming the reason; never crash, hang or leak a stack.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args';
import { dispatch } from '../../src/main/api/dispatch';
import { parseWrappingKey } from '../../src/main/providers/wrapping-key-file';
import { verifyAuditExport } from '../../src/main/store/audit-export';
import { callNames } from '../../src/shared/call-names';
import type { Handlers } from '../../src/shared/contract';
import { KeywardError } from '../../src/shared/errors';
import { formatTokenUri, parseTokenUri } from '../../src/shared/pkcs11-uri';

const dir = mkdtempSync(join(tmpdir(), 'keyward-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function acceptsOrRefuses(work: () => unknown): void {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardError);
    expect((error as KeywardError).message.length).toBeGreaterThan(10);
    expect((error as KeywardError).nextStep.length).toBeGreaterThan(5);
  }
}

describe('hostile input', () => {
  it('PKCS#11 URIs: refused precisely, and every token identity round-trips', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => acceptsOrRefuses(() => parseTokenUri(`pkcs11:${text}`))), { numRuns: 3000 });
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => acceptsOrRefuses(() => parseTokenUri(text))), { numRuns: 2000 });
    const value = fc.string({ unit: 'binary', minLength: 1, maxLength: 32 });
    fc.assert(
      fc.property(fc.record({ token: value, serial: value, manufacturer: value, model: value }), (identity) => {
        expect(parseTokenUri(formatTokenUri(identity))).toEqual(identity);
      }),
      { numRuns: 2000 },
    );
  });

  it('provider wrapping key files: random bytes, mutated PEM, DER and JWK are refused precisely', () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const samples = [
      Buffer.from(key.export({ type: 'spki', format: 'pem' })),
      key.export({ type: 'spki', format: 'der' }),
      Buffer.from(JSON.stringify(key.export({ format: 'jwk' }))),
    ];
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => acceptsOrRefuses(() => parseWrappingKey(bytes))), { numRuns: 2000 });
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 64 }), (sample, at, byte, cut) => {
        const mutated = Buffer.from(sample);
        mutated[at % mutated.length] = byte;
        acceptsOrRefuses(() => parseWrappingKey(mutated));
        acceptsOrRefuses(() => parseWrappingKey(mutated.subarray(0, Math.max(0, mutated.length - cut))));
      }),
      { numRuns: 3000 },
    );
  });

  it('contract payloads: any JSON value to any call is refused before a handler runs, or validated', async () => {
    let ran = 0;
    const handler = () => {
      ran++;
      return Promise.resolve({ mode: 'rehearsal' as const });
    };
    const handlers = Object.fromEntries(callNames.map((n) => [n, handler])) as unknown as Handlers;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom<string>(...callNames), fc.string()), fc.jsonValue(), async (name, payload) => {
        const before = ran;
        const result = await dispatch(handlers, name, payload);
        if (!result.ok) {
          expect(['INVALID_REQUEST', 'UNKNOWN_CALL']).toContain(result.error.code);
          expect(ran).toBe(before);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('command lines: any arguments are parsed or refused with a usage message', () => {
    const word = fc.oneof(fc.constantFrom('token', 'list', 'probe', 'audit', 'verify', 'export', '--json', '--module', '--token', '--out', '--export', '--data-dir', '--signer-fingerprint', '--help', '/x.so', 'pkcs11:token=a'), fc.string({ maxLength: 20 }));
    fc.assert(fc.property(fc.array(word, { maxLength: 8 }), (argv) => acceptsOrRefuses(() => parseCli(argv))), { numRuns: 3000 });
  });

  it('audit exports: arbitrary and mutated files never verify and never crash the verifier', async () => {
    const header = JSON.stringify({ type: 'keyward-audit-export', format: 1, exportedAt: '2026-01-01T00:00:00.000Z', entries: 0, checkpoints: 0, headHash: '0'.repeat(64) });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string({ maxLength: 120 }), fc.jsonValue().map((v) => JSON.stringify(v))), { maxLength: 6 }), async (lines) => {
        const file = join(dir, `export-${n++}.jsonl`);
        writeFileSync(file, [header, ...lines].join('\n'));
        const report = await verifyAuditExport(file);
        if (lines.some((l) => l.trim() !== '')) expect(report.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
