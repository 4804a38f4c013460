/**
 * A provider's side of a bundle, for tests: the wrapped key read from the provider's payload file and
 * opened with the openssl CLI and the provider's private key, as the provider opens it (RSA-OAEP, or
 * RSA-OAEP of an ephemeral AES key then RFC 5649), and what it opens to checked against the inventory.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { secretBytesOf, type CmkSpec } from '../../src/shared/keys';
import { wrapMethods, type ProviderId, type WrapAlgorithm } from '../../src/shared/providers';

const openssl = (args: string[], input?: Buffer): Buffer =>
  execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });

/** The wrapped key in a bundle folder, from the provider's own payload file. */
export function wrappedOf(provider: ProviderId, folder: string, target: Record<string, string>): Buffer {
  const read = (name: string) => readFileSync(join(folder, name));
  const base64 = (name: string) => Buffer.from(read(name).toString(), 'base64');
  switch (provider) {
    case 'aws-kms':
      return read('EncryptedKeyMaterial.bin');
    case 'azure-key-vault':
      return Buffer.from(
        (JSON.parse(read(`${target.keyName ?? 'key'}.byok`).toString()) as { ciphertext: string }).ciphertext,
        'base64url',
      );
    case 'google-cloud-kms':
    case 'generic':
      return read('wrapped-key.bin');
    case 'hashicorp-vault':
      return base64('ciphertext.b64');
    case 'salesforce-shield':
      return base64('encrypted-tenant-secret.b64');
  }
}

/** The wrapped key opened with the openssl CLI and the provider's private key (PEM in a file). */
export function openWithOpenssl(
  privateKeyFile: string,
  algorithm: WrapAlgorithm,
  modulusBits: number,
  wrapped: Buffer,
): Buffer {
  const { kind, hash } = wrapMethods[algorithm];
  const md = hash; // openssl names the three hashes as Keyward does
  const oaep = (input: Buffer) =>
    openssl(
      [
        'pkeyutl',
        '-decrypt',
        '-inkey',
        privateKeyFile,
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        `rsa_oaep_md:${md}`,
        '-pkeyopt',
        `rsa_mgf1_md:${md}`,
      ],
      input,
    );
  if (kind === 'oaep') return oaep(wrapped);
  const rsaBytes = modulusBits / 8;
  const ephemeral = oaep(wrapped.subarray(0, rsaBytes));
  return openssl(
    ['enc', '-d', '-id-aes256-wrap-pad', '-K', ephemeral.toString('hex'), '-iv', 'A65959A6'],
    wrapped.subarray(rsaBytes),
  );
}

/** The length a DER SEQUENCE at offset 0 says it has, header included. */
function derLength(bytes: Buffer): number {
  const first = bytes[1] ?? 0;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  return 2 + octets + bytes.subarray(2, 2 + octets).readUIntBE(0, octets);
}

/**
 * What the opened key is, checked as the inventory records it: a secret's check value (AES-ECB of a zero
 * block, or SHA-1 of an HMAC key's value) and length; a private key's public key, whose SHA-256 the check
 * value begins. Returns the public key (DER SPKI) for a private key; `trailing` counts zero octets a
 * rehearsal token left after a PKCS#8 (SoftHSM's padded wrap).
 */
export function checkOpened(
  spec: CmkSpec,
  opened: Buffer,
  kcv: string,
  dir: string,
): { ok: boolean; why: string; spki?: Buffer; trailing: number } {
  const bytes = secretBytesOf(spec);
  if (bytes !== undefined) {
    if (opened.length !== bytes) return { ok: false, why: `${opened.length} octets, not ${bytes}`, trailing: 0 };
    const check = spec.startsWith('AES_')
      ? (() => {
          const cipher = createCipheriv(`aes-${bytes * 8}-ecb`, opened, null).setAutoPadding(false);
          return Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()]);
        })()
      : createHash('sha1').update(opened).digest();
    const value = check.subarray(0, 3).toString('hex');
    return { ok: value === kcv, why: `check value ${value}, inventory ${kcv}`, trailing: 0 };
  }
  // openssl reads the PKCS#8 as the provider would; trailing octets are cut first and counted.
  const length = derLength(opened);
  const file = join(dir, `opened-${createHash('sha256').update(opened).digest('hex').slice(0, 12)}.der`);
  writeFileSync(file, opened.subarray(0, length));
  const pem = openssl(['pkey', '-inform', 'DER', '-in', file, '-pubout']);
  const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  createPrivateKey({ key: opened.subarray(0, length), format: 'der', type: 'pkcs8' }); // node reads it too
  const value = createHash('sha256').update(spki).digest('hex').slice(0, 6);
  return {
    ok: value === kcv && opened.subarray(length).every((b) => b === 0),
    why: `public key check ${value}, inventory ${kcv}`,
    spki,
    trailing: opened.length - length,
  };
}
