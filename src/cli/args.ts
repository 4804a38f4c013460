/** Command-line arguments, validated before anything runs, with a precise message for each mistake. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { KeywardError } from '../shared/errors';
import { parseTokenUri } from '../shared/pkcs11-uri';

export const usage = `Usage: keyward <command> [options]

Commands:
  token list      Read every token of the HSM module live and print its details.
  token probe     Show what the token can do for Keyward: key types, signatures, wrapping algorithms.
  audit verify    Recompute the audit log's hash chain and name the first entry that does not hold.

Options:
  --json          Print JSON instead of text.
  --module PATH   Use this PKCS#11 module instead of the configured HSM (or the rehearsal token).
  --token URI     With --module: the token this PKCS#11 URI (RFC 7512) names, e.g.
                  "pkcs11:token=CMK%20HSM;serial=1234".
  --data-dir DIR  Keyward's data directory (default: $KEYWARD_DATA_DIR or ~/.local/share/keyward).
  --help          Show this text.`;

export interface CliOptions {
  command: 'token list' | 'token probe' | 'audit verify' | 'help';
  json: boolean;
  modulePath?: string;
  tokenUri?: string;
  dataDir?: string;
}

function usageError(message: string): KeywardError {
  return new KeywardError('INVALID_REQUEST', message, 'Run "keyward --help" for the commands and options.');
}

const absolutePath = (what: string) =>
  z
    .string()
    .min(1, `${what} is empty`)
    .refine((p) => p.startsWith('/'), `${what} must be an absolute path (start with /)`);

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        module: { type: 'string' },
        token: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { command: 'help', json: false };
  const command = positionals.join(' ');
  if (command !== 'token list' && command !== 'token probe' && command !== 'audit verify') throw usageError(`"${command}" is not a keyward command.`);
  if (values.token !== undefined && values.module === undefined) {
    throw usageError('--token needs --module: name the PKCS#11 module that holds the token.');
  }
  const check = (schema: z.ZodType<string>, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const result = schema.safeParse(value);
    if (!result.success) throw usageError(result.error.issues[0]?.message ?? 'invalid value');
    return result.data;
  };
  const tokenUri = values.token;
  if (tokenUri !== undefined) parseTokenUri(tokenUri);
  return {
    command,
    json: values.json,
    modulePath: check(absolutePath('--module'), values.module),
    tokenUri,
    dataDir: check(absolutePath('--data-dir'), values['data-dir']),
  };
}
