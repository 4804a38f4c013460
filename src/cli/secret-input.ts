/**
 * PINs typed at the terminal: never echoed, never kept beyond the login. Each officer types their own
 * part. Without a terminal (a scripted rehearsal), one part is read per line of standard input.
 */
import { createInterface } from 'node:readline';
import { KeywardError } from '../shared/errors';

const cancelled = () => new KeywardError('INVALID_REQUEST', 'PIN entry was cancelled; nothing was done.', 'Run the command again when the officers are ready.');

function hiddenLine(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (outcome: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      outcome();
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(() => resolve(value));
        if (ch === '\u0003' || ch === '\u0004') return finish(() => reject(cancelled()));
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function pipedLines(count: number): Promise<string[]> {
  const lines: string[] = [];
  const reader = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const line of reader) {
    lines.push(line);
    if (lines.length === count) break;
  }
  reader.close();
  if (lines.length < count) throw cancelled();
  return lines;
}

/** `count` PIN parts for the token `tokenName`, each non-empty. */
export async function readPinParts(tokenName: string, role: 'user' | 'security-officer', count: number): Promise<string[]> {
  const who = role === 'user' ? 'user' : 'security officer';
  const parts = process.stdin.isTTY
    ? await (async () => {
        const typed: string[] = [];
        for (let i = 1; i <= count; i++) typed.push(await hiddenLine(count === 1 ? `${who} PIN for ${tokenName} (not shown): ` : `${who} PIN part ${i} of ${count} for ${tokenName}, officer ${i} types (not shown): `));
        return typed;
      })()
    : await pipedLines(count);
  if (parts.some((p) => p.length === 0)) throw new KeywardError('INVALID_REQUEST', 'A PIN part was empty; nothing was sent to the token.', 'Run the command again and type every part.');
  return parts;
}
