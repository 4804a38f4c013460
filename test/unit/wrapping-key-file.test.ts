import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseWrappingKey } from '../../src/main/providers/wrapping-key-file';
import { hexGroups, pgpWordsOf } from '../../src/shared/fingerprint';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
const spki = publicKey.export({ type: 'spki', format: 'der' });
const fingerprint = createHash('sha256').update(spki).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'keyward-wk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate for the key, made by the openssl CLI (as a provider's BYOK certificate would be). */
function certificate(format: 'PEM' | 'DER'): Buffer {
  const keyFile = join(dir, 'key.pem');
  execFileSync('sh', ['-c', `cat > ${keyFile}`], { input: privateKey.export({ type: 'pkcs8', format: 'pem' }) });
  const out = join(dir, `cert.${format}`);
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-x509',
      '-key',
      keyFile,
      '-subj',
      '/CN=Provider BYOK',
      '-days',
      '30',
      '-outform',
      format,
      '-out',
      out,
    ],
    { stdio: 'pipe' },
  );
  return readFileSync(out);
}

describe('provider wrapping key files', () => {
  it.each([
    ['pem-spki', () => Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }))],
    ['pem-pkcs1', () => Buffer.from(publicKey.export({ type: 'pkcs1', format: 'pem' }))],
    ['der-spki', () => spki],
    ['jwk', () => Buffer.from(JSON.stringify(publicKey.export({ format: 'jwk' })))],
    ['pem-certificate', () => certificate('PEM')],
    ['der-certificate', () => certificate('DER')],
  ] as const)('reads %s to the same key and SHA-256 fingerprint of the SPKI', (source, bytes) => {
    const parsed = parseWrappingKey(bytes());
    expect(parsed.source).toBe(source);
    expect(parsed.modulusBits).toBe(3072);
    expect(parsed.fingerprint).toBe(fingerprint);
    expect(parsed.spki.equals(spki)).toBe(true);
    if (source.endsWith('certificate')) expect(parsed.certificate?.subject).toContain('CN=Provider BYOK');
  });

  it.each([
    ['an empty file', Buffer.alloc(0), 'the file is empty'],
    ['a private key', Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' })), 'contains a PRIVATE key'],
    ['a private JWK', Buffer.from(JSON.stringify(privateKey.export({ format: 'jwk' }))), 'private key fields'],
    [
      'a 1024-bit key',
      Buffer.from(
        generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }),
      ),
      'has 1024 bits',
    ],
    [
      'exponent 3',
      Buffer.from(
        generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey.export({
          type: 'spki',
          format: 'pem',
        }),
      ),
      'exponent is 3',
    ],
    [
      'an EC key',
      Buffer.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' })),
      'is ec, not RSA',
    ],
    ['garbage', Buffer.from([1, 2, 3, 4]), 'neither PEM, JSON'],
    [
      'two PEM blocks',
      Buffer.from(
        `${publicKey.export({ type: 'spki', format: 'pem' }) as string}\n${publicKey.export({ type: 'spki', format: 'pem' }) as string}`,
      ),
      '2 PEM blocks',
    ],
    ['an oversized file', Buffer.alloc(70_000, 0x41), 'at most 65536'],
  ])('refuses %s with the reason', (_what, bytes, reason) => {
    expect(() => parseWrappingKey(bytes)).toThrow(reason);
  });
});

describe('fingerprints read aloud', () => {
  it('uses the even and odd PGP word lists by byte position', () => {
    // PGP word list: 0x00 even "aardvark", odd "adroitness"; 0xFF even "Zulu", odd "Yucatán".
    expect(pgpWordsOf('0000ffff')).toEqual(['aardvark', 'adroitness', 'Zulu', 'Yucatán']);
    expect(pgpWordsOf(fingerprint)).toHaveLength(32);
  });

  it('groups hex for reading', () => {
    expect(hexGroups('e92c78fc00027749')).toBe('E92C 78FC 0002 7749');
  });
});
