/**
 * Property-based fuzzing of the parsers that read what crosses the air gap or a trust boundary: each
 * must either accept or refuse with a KeywardError naming the reason; never crash, hang or leak a stack.
 */
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args';
import { dispatch } from '../../src/main/api/dispatch';
import { readShare } from '../../src/main/backup/shares';
import { verifyBundle } from '../../src/main/bundles/verify-bundle';
import { withoutChecksumLine } from '../../src/main/ceremonies/plan-checksum';
import { planOf, readAnswersFile, readPlanFile } from '../../src/main/ceremonies/plan-file';
import { readProviderImport } from '../../src/main/providers/registry';
import { parseWrappingKey } from '../../src/main/providers/wrapping-key-file';
import { verifyAuditExport } from '../../src/main/store/audit-export';
import { callNames } from '../../src/shared/call-names';
import type { Handlers } from '../../src/shared/contract';
import { KeywardError } from '../../src/shared/errors';
import { formatTokenUri, parseTokenUri } from '../../src/shared/pkcs11-uri';
import { providerIds } from '../../src/shared/providers';

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
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) =>
        acceptsOrRefuses(() => parseTokenUri(`pkcs11:${text}`)),
      ),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => acceptsOrRefuses(() => parseTokenUri(text))),
      { numRuns: 2000 },
    );
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
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => acceptsOrRefuses(() => parseWrappingKey(bytes))),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.nat({ max: 64 }),
        (sample, at, byte, cut) => {
          const mutated = Buffer.from(sample);
          mutated[at % mutated.length] = byte;
          acceptsOrRefuses(() => parseWrappingKey(mutated));
          acceptsOrRefuses(() => parseWrappingKey(mutated.subarray(0, Math.max(0, mutated.length - cut))));
        },
      ),
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
      fc.asyncProperty(
        fc.oneof(fc.constantFrom<string>(...callNames), fc.string()),
        fc.jsonValue(),
        async (name, payload) => {
          const before = ran;
          const result = await dispatch(handlers, name, payload);
          if (!result.ok) {
            expect(['INVALID_REQUEST', 'UNKNOWN_CALL']).toContain(result.error.code);
            expect(ran).toBe(before);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('command lines: any arguments are parsed or refused with a usage message', () => {
    const word = fc.oneof(
      fc.constantFrom(
        'token',
        'list',
        'probe',
        'audit',
        'verify',
        'export',
        '--json',
        '--module',
        '--token',
        '--out',
        '--export',
        '--data-dir',
        '--signer-fingerprint',
        '--help',
        '/x.so',
        'pkcs11:token=a',
      ),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (argv) => acceptsOrRefuses(() => parseCli(argv))),
      { numRuns: 3000 },
    );
  });

  it("providers' import inputs (AWS, Azure, Google Cloud, Vault, Salesforce, generic): random files and fields are refused precisely", () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const der = key.export({ type: 'spki', format: 'der' });
    const awsJson = Buffer.from(
      JSON.stringify({
        KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        ImportToken: 'AAAA',
        PublicKey: der.toString('base64'),
        ParametersValidTo: '2030-01-01T00:00:00Z',
      }),
    );
    const file = fc.oneof(
      fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
      fc.constantFrom(awsJson, der, Buffer.from(key.export({ type: 'spki', format: 'pem' }))),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
    );
    const fieldName = fc.constantFrom(
      'algorithm',
      'keyId',
      'parametersValidTo',
      'kid',
      'keyName',
      'deadline',
      'importMethod',
      'importJob',
      'cryptoKey',
      'expireTime',
      'mount',
      'hashFunction',
    );
    const fields = fc.dictionary(
      fieldName,
      fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.constantFrom('RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_256', '2030-01-01T00:00:00Z', 'SHA256', 'transit'),
      ),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...providerIds),
        file,
        fc.option(file, { nil: undefined }),
        fields,
        (provider, wrappingKey, importToken, given) =>
          acceptsOrRefuses(() =>
            readProviderImport(provider, { wrappingKey, ...(importToken ? { importToken } : {}) }, given),
          ),
      ),
      { numRuns: 3000 },
    );
  });

  it('ceremony plans and answers files: random YAML, and mutated example plans, are read or refused with the line at fault', () => {
    const examples = readdirSync('docs/ceremonies')
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => withoutChecksumLine(readFileSync(join('docs/ceremonies', f), 'utf8'))); // mutations reach the YAML reader, not only the checksum
    const text = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .tuple(fc.constantFrom(...examples), fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 12 }))
        .map(([example, at, cut, insert]) => {
          const i = at % Math.max(1, example.length);
          return example.slice(0, i) + insert + example.slice(i + cut);
        }),
    );
    fc.assert(
      fc.property(text, (yaml) => {
        acceptsOrRefuses(() => readPlanFile('plan.yaml', yaml));
        acceptsOrRefuses(() => readAnswersFile('answers.yaml', yaml));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => acceptsOrRefuses(() => planOf({ form: true }, value))),
      { numRuns: 2000 },
    );
  });

  it('backup shares: random text and mangled words are refused precisely', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (text) => acceptsOrRefuses(() => readShare('0'.repeat(32), text))),
      { numRuns: 3000 },
    );
    const words = fc.array(
      fc.constantFrom(
        'aardvark',
        'absurd',
        'accrue',
        'acme',
        'adrift',
        'adult',
        'afflict',
        'ahead',
        'Zulu',
        'yesteryear',
        'word',
        '',
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(words, (list) => acceptsOrRefuses(() => readShare('0'.repeat(32), `Words: ${list.join(' ')}`))),
      { numRuns: 2000 },
    );
  });

  it('upload bundles: a folder of arbitrary files never verifies and never crashes the verifier', () => {
    let n = 0;
    const name = fc.constantFrom(
      'manifest.json',
      'manifest.json.p7s',
      'signer.pem',
      'README.txt',
      'EncryptedKeyMaterial.bin',
      'ImportToken.bin',
      'other.bin',
    );
    const content = fc.oneof(
      fc.uint8Array({ maxLength: 1024 }).map((b) => Buffer.from(b)),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
      fc.constant(Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')),
    );
    fc.assert(
      fc.property(fc.dictionary(name, content, { maxKeys: 7 }), (files) => {
        const folder = join(dir, `bundle-${n++}`);
        mkdirSync(folder);
        for (const [file, bytes] of Object.entries(files)) writeFileSync(join(folder, file), bytes);
        let report;
        try {
          report = verifyBundle(folder, { signerFingerprint: '0'.repeat(64) });
        } catch (error) {
          expect(error).toBeInstanceOf(KeywardError);
          return;
        }
        expect(report.ok).toBe(false);
        expect(report.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('audit exports: arbitrary and mutated files never verify and never crash the verifier', async () => {
    const header = JSON.stringify({
      type: 'keyward-audit-export',
      format: 1,
      exportedAt: '2026-01-01T00:00:00.000Z',
      entries: 0,
      checkpoints: 0,
      headHash: '0'.repeat(64),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 120 }),
            fc.jsonValue().map((v) => JSON.stringify(v)),
          ),
          { maxLength: 6 },
        ),
        async (lines) => {
          const file = join(dir, `export-${n++}.jsonl`);
          writeFileSync(file, [header, ...lines].join('\n'));
          const report = await verifyAuditExport(file, { signerFingerprint: '0'.repeat(64) });
          if (lines.some((l) => l.trim() !== '')) expect(report.ok).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
