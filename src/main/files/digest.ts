/** SHA-256 and SHA-384 of a file in one streaming pass, whatever its size. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { DigestOf } from '../x509/cms';

export async function fileDigests(path: string): Promise<DigestOf> {
  const sha256 = createHash('sha256');
  const sha384 = createHash('sha384');
  for await (const chunk of createReadStream(path)) {
    sha256.update(chunk as Buffer);
    sha384.update(chunk as Buffer);
  }
  const digests = { sha256: sha256.digest(), sha384: sha384.digest() };
  return (hash) => digests[hash];
}

/** A file's SHA-256, hex (a module file, say, whose identity officers approve). */
export async function sha256File(path: string): Promise<string> {
  return (await fileDigests(path))('sha256').toString('hex');
}
