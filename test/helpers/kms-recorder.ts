/**
 * A stand-in for AWS KMS on loopback that records each request (its X-Amz-Target and JSON body) and
 * answers ImportKeyMaterial as KMS does, so the real AWS CLI and AWS's SDK can be run against it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  target: string;
  contentType: string;
  body: Record<string, unknown>;
}

export interface KmsRecorder {
  endpoint: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startKmsRecorder(): Promise<KmsRecorder> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      requests.push({
        target: String(request.headers['x-amz-target'] ?? ''),
        contentType: request.headers['content-type'] ?? '',
        body,
      });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ KeyId: body.KeyId, KeyMaterialId: 'ab'.repeat(32) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A shell command line split into words as sh would (single quotes only: the README's commands use no others). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let started = false;
  for (const c of line) {
    if (c === "'") {
      quoted = !quoted;
      started = true;
    } else if (c === ' ' && !quoted) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (quoted) throw new Error(`unbalanced quote in: ${line}`);
  if (started) words.push(word);
  return words;
}

/** The commands a bundle README tells the uploader to run, that start with `program`, as words. */
export function readmeCommands(readme: string, program: string): string[][] {
  return readme
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`${program} `))
    .map((line) => shellWords(line.replace(/ {3}\(.*\)$/, '')));
}
