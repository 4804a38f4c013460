/**
 * Secrets typed at the terminal (PIN parts, officers' passphrases, shares' words): never echoed, never
 * kept beyond their use. Without a terminal, on the rehearsal token only (a scripted rehearsal), one
 * secret is read per line of standard input; on a real HSM nothing is read from it.
 */
import { createInterface, type Interface } from 'node:readline';
import { KeywardError } from '../shared/errors';

const cancelled = () =>
  new KeywardError(
    'INVALID_REQUEST',
    'Entry was cancelled; nothing was done.',
    'Run the command again when the officers are ready.',
  );

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

/**
 * Whether secrets may be read from piped standard input: set when the token is opened (the rehearsal
 * token only), reset when input is closed; until then, never.
 */
let pipedSecretsAccepted = false;

/** Called once the token is open: piped secrets are accepted on the rehearsal token, and on no other. */
export function acceptPipedSecrets(onRehearsalToken: boolean): void {
  pipedSecretsAccepted = onRehearsalToken;
}

const notATerminal = () =>
  new KeywardError(
    'INVALID_REQUEST',
    'Standard input is not a terminal: piped input is accepted on the rehearsal token only; on a real HSM every PIN part, passphrase and share is typed by its officer at the terminal. Nothing was read from it.',
    "Run the command again at the workstation's terminal, without piping or redirecting its input, and have each officer type their entry.",
  );

/** One reader for piped standard input, shared by every prompt, so no buffered line is lost between them. */
let piped:
  { reader: Interface; lines: string[]; waiting: ((line: string | undefined) => void)[]; ended: boolean } | undefined;

function pipedLine(): Promise<string> {
  if (!piped) {
    const state = {
      reader: createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false }),
      lines: [] as string[],
      waiting: [] as ((line: string | undefined) => void)[],
      ended: false,
    };
    state.reader.on('line', (line) => {
      const waiter = state.waiting.shift();
      if (waiter) waiter(line);
      else state.lines.push(line);
    });
    state.reader.on('close', () => {
      state.ended = true;
      for (const waiter of state.waiting.splice(0)) waiter(undefined);
    });
    piped = state;
  }
  const state = piped;
  const queued = state.lines.shift();
  if (queued !== undefined) return Promise.resolve(queued);
  if (state.ended) return Promise.reject(cancelled());
  return new Promise((resolve, reject) =>
    state.waiting.push((line) => (line === undefined ? reject(cancelled()) : resolve(line))),
  );
}

/** Stops reading piped input so the process can exit. */
export function closeSecretInput(): void {
  piped?.reader.close();
  piped = undefined;
  pipedSecretsAccepted = false;
}

/** One secret, typed hidden at the terminal or (rehearsal token only) read as the next line of piped input; never empty. */
export async function readSecret(prompt: string): Promise<string> {
  // Refused before anything is read, so a PIN piped in never reaches the token.
  if (!process.stdin.isTTY && !pipedSecretsAccepted) throw notATerminal();
  const value = process.stdin.isTTY ? await hiddenLine(prompt) : await pipedLine();
  if (value.length === 0)
    throw new KeywardError(
      'INVALID_REQUEST',
      'An empty entry was given; nothing was sent.',
      'Run the command again and type every entry.',
    );
  return value;
}

/** `count` PIN parts for the token `tokenName`, one per officer. */
export async function readPinParts(
  tokenName: string,
  role: 'user' | 'security-officer',
  count: number,
): Promise<string[]> {
  const who = role === 'user' ? 'user' : 'security officer';
  const parts: string[] = [];
  for (let i = 1; i <= count; i++) {
    parts.push(
      await readSecret(
        count === 1
          ? `${who} PIN for ${tokenName} (not shown): `
          : `${who} PIN part ${i} of ${count} for ${tokenName}, officer ${i} types (not shown): `,
      ),
    );
  }
  return parts;
}

/** A new passphrase an officer chooses; at a terminal typed twice, so a typing slip is caught before it is used. */
export async function choosePassphrase(who: string): Promise<string> {
  const chosen = await readSecret(`${who}, choose your passphrase, at least 12 characters (not shown): `);
  if (process.stdin.isTTY && (await readSecret(`${who}, type it again: `)) !== chosen) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `The two entries of ${who}'s passphrase differ; nothing was done with it.`,
      'Run the command again; type the same passphrase twice.',
    );
  }
  return chosen;
}
