/** Command-line arguments, validated before anything runs, with a precise message for each mistake. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { KeywardError } from '../shared/errors';
import { parseTokenUri } from '../shared/pkcs11-uri';

export const usage = `Usage: keyward <command> [options]

Commands:
  token list      Read every token of the HSM module live and print its details.
  token probe     Show what the token can do for Keyward: key types, signatures, wrapping algorithms.
  audit verify    Recompute the audit log's hash chain and signed checkpoints; name the first that does not hold.
                  With --export FILE: verify an exported log instead, on any machine, without an HSM.
  audit export    Write the audit log with its signed checkpoints as JSON Lines (--out FILE; never overwrites).

Options:
  --json          Print JSON instead of text.
  --module PATH   Use this PKCS#11 module instead of the configured HSM (or the rehearsal token).
  --token URI     With --module: the token this PKCS#11 URI (RFC 7512) names, e.g.
                  "pkcs11:token=CMK%20HSM;serial=1234".
  --out FILE      With audit export: the file to write.
  --export FILE   With audit verify: the exported file to verify.
  --signer-fingerprint HEX
                  With audit verify --export: the SHA-256 fingerprint of the workstation signing key
                  that must have signed every checkpoint.
  --data-dir DIR  Keyward's data directory (default: $KEYWARD_DATA_DIR or ~/.local/share/keyward).
  --help          Show this text.`;

export interface CliOptions {
  command: 'token list' | 'token probe' | 'audit verify' | 'audit export' | 'help';
  json: boolean;
  modulePath?: string;
  tokenUri?: string;
  dataDir?: string;
  out?: string;
  exportFile?: string;
  signerFingerprint?: string;
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
        out: { type: 'string' },
        export: { type: 'string' },
        'signer-fingerprint': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { command: 'help', json: false };
  const command = positionals.join(' ');
  const commands = ['token list', 'token probe', 'audit verify', 'audit export'] as const;
  const known = commands.find((c) => c === command);
  if (!known) throw usageError(`"${command}" is not a keyward command.`);
  if (known === 'audit export' && !values.out) throw usageError('audit export needs --out FILE: the file to write.');
  if (values.out !== undefined && known !== 'audit export') throw usageError('--out goes with audit export.');
  if (values.export !== undefined && known !== 'audit verify') throw usageError('--export goes with audit verify.');
  if (values['signer-fingerprint'] !== undefined && (values.export === undefined || !/^[0-9a-fA-F]{64}$/.test(values['signer-fingerprint']))) {
    throw usageError('--signer-fingerprint goes with audit verify --export and is 64 hex digits (a SHA-256 fingerprint).');
  }
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
    command: known,
    json: values.json,
    ...(values.out !== undefined ? { out: resolve(values.out) } : {}),
    ...(values.export !== undefined ? { exportFile: resolve(values.export) } : {}),
    ...(values['signer-fingerprint'] !== undefined ? { signerFingerprint: values['signer-fingerprint'] } : {}),
    modulePath: check(absolutePath('--module'), values.module),
    tokenUri,
    dataDir: check(absolutePath('--data-dir'), values['data-dir']),
  };
}
