/**
 * Command-line arguments: every command declared once in a table (its operand, the options it takes and
 * what each means for it, those it needs, whether it logs in), from which both `--help` and the checks
 * are derived. Validated before anything runs, with a precise message for each mistake.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { KeywardError } from '../shared/errors';
import { maxPinParts, signingKeySpecs, type SigningKeySpec } from '../shared/keys';
import { moduleArgsSchema, moduleEnvSchema, moduleLoadOf, type ModuleLoad } from '../shared/module-load';
import { officerIdPattern, type OfficerRole } from '../shared/officers';
import { parseTokenUri } from '../shared/pkcs11-uri';

/** Every option, as node:util's parseArgs reads it, with the value it names in the help. */
const optionSpecs = {
  json: { type: 'boolean', help: 'Print JSON instead of text.' },
  module: {
    type: 'string',
    value: 'PATH',
    help: 'Use this PKCS#11 module instead of the configured HSM (or the rehearsal token).',
  },
  'module-args': {
    type: 'string',
    value: 'TEXT',
    help: "With --module: the arguments its C_Initialize takes, as the vendor documents them (NSS: \"configdir='sql:DIR' certPrefix='' keyPrefix='' secmod='secmod.db' flags=\").",
  },
  'module-env': {
    type: 'string',
    value: 'NAME=VALUE',
    multiple: true,
    help: 'With --module: a variable the module reads (its configuration file, e.g. SOFTHSM2_CONF=/etc/softhsm/softhsm2.conf); repeat for more. Only variables that cannot load other code are passed.',
  },
  token: {
    type: 'string',
    value: 'URI',
    help: 'With --module: the token this PKCS#11 URI (RFC 7512) names, e.g. "pkcs11:token=CMK%20HSM;serial=1234".',
  },
  'rehearsal-only': {
    type: 'boolean',
    help: 'With --module and --token: the token is set apart for rehearsals (one that does not enforce what Keyward relies on can serve only so); everything made with it is marked REHEARSAL.',
  },
  'data-dir': {
    type: 'string',
    value: 'DIR',
    help: "Keyward's data directory (default: $KEYWARD_DATA_DIR or ~/.local/share/keyward).",
  },
  'pin-parts': {
    type: 'string',
    value: 'N',
    help: 'The user PIN is typed in N parts, one per officer (default 1). Without a terminal, one part per line of standard input.',
  },
  help: { type: 'boolean', help: 'Show this text.' },
  out: { type: 'string', value: 'FILE|DIR' },
  export: { type: 'string', value: 'FILE' },
  'signer-fingerprint': { type: 'string', value: 'HEX' },
  ca: { type: 'string', value: 'FILE' },
  org: { type: 'string', value: 'NAME' },
  name: { type: 'string', value: 'NAME' },
  spec: { type: 'string', value: 'SPEC' },
  officer: { type: 'string', value: 'ID', multiple: true },
  reason: { type: 'string', value: 'TEXT' },
  answers: { type: 'string', value: 'FILE' },
  'network-acknowledged': { type: 'boolean' },
  markdown: { type: 'boolean' },
} as const satisfies Record<string, { type: 'string' | 'boolean'; value?: string; multiple?: boolean; help?: string }>;
type OptionName = keyof typeof optionSpecs;

/** Options every command takes (the PIN's parts: every command that logs in, see `logsIn`). */
const everywhere: readonly OptionName[] = [
  'module',
  'module-args',
  'module-env',
  'token',
  'rehearsal-only',
  'data-dir',
  'help',
];

const trustAnchor = {
  'signer-fingerprint':
    'the SHA-256 fingerprint (64 hex digits) of the workstation signing key that must have signed (see "keyward workstation show").',
  ca: "the organisation's CA certificate that issued the workstation's; that certificate must carry the Keyward workstation extended key usage 2.25.222300821164029848976162889563306476388 (see the README).",
};
const networkAcknowledged =
  'on a workstation found on a network: a security officer has read the air-gap findings and acknowledges them (their passphrase confirms it; recorded in the audit log).';
const transcriptOut = 'the drive folder for the signed transcript (JSON and PDF).';
const answers = 'on the rehearsal token only: PIN parts and passphrases from a file.';

interface CommandSpec {
  /** What follows the command's words, and how it is checked. */
  operand?: { name: string; check?: (value: string) => boolean; refusal: string };
  summary: string;
  /** The options this command takes (beyond `everywhere`), each with what it means here. */
  options: Partial<Record<OptionName, string>>;
  /** Options it cannot do without, each with the refusal's reason. */
  needs?: Partial<Record<OptionName, string>>;
  /** It logs in to the token (so takes --pin-parts, and --module needs --token). */
  logsIn?: boolean | ((values: Values) => boolean);
  /** Why it prints no JSON (a ceremony prints its plan for the officers to read). */
  noJson?: string;
}

/** A ceremony id: its type, then a UUID (see newCeremonyId). */
const ceremonyIdPattern = /^[a-z]+(-[a-z]+)*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ceremonyId = (command: string) => ({
  name: 'ID',
  check: (value: string) => ceremonyIdPattern.test(value),
  refusal: `${command} needs exactly one ceremony ID, as "keyward ceremony list" prints it (e.g. generate-cmk-0f1e2d3c-…).`,
});
const ceremonyPrints = 'a ceremony prints its plan, digests and steps for the officers to read';

export const commandTable = {
  'plan checksum': {
    operand: { name: 'PLAN', refusal: 'plan checksum needs exactly one PLAN file.' },
    summary:
      'Print the checksum line for a plan file (after checking the plan), to put as its first line once its values are reviewed: a plan damaged or changed afterwards is then refused.',
    options: { json: optionSpecs.json.help },
  },
  'token list': {
    summary: 'Read every token of the HSM module live and print its details.',
    options: { json: optionSpecs.json.help },
  },
  'token probe': {
    summary:
      "Probe the token afresh and show its capability sheet: what Keyward can do with it, what it enforces, RFC 5649's mechanism by known answer, its mechanisms. On an initialised workstation, the configured token's sheet is kept (and audited) when it is new or has changed.",
    options: {
      json: optionSpecs.json.help,
      markdown: 'print the sheet as Markdown (as docs/tokens/ keeps one per implementation).',
    },
  },
  'audit verify': {
    summary:
      "Recompute the audit log's hash chain and signed checkpoints, against the workstation key and the audit anchor the token holds; name the first that does not hold, and how many entries were written after the anchored point. With --export FILE: verify an exported log instead, on any machine, without an HSM or a PIN.",
    options: {
      json: optionSpecs.json.help,
      export: 'the exported file to verify (needs --signer-fingerprint or --ca).',
      ...trustAnchor,
    },
    logsIn: (values) => values.export === undefined,
  },
  'audit export': {
    summary:
      'Write the audit log with its signed checkpoints as JSON Lines (never overwrites), with FILE.p7s (a detached signature by the workstation key) and FILE.signer.pem: the export-audit ceremony, approved as its policy says (by default one auditor or security officer, with their passphrase); its transcript goes next to FILE. Ends with a fresh checkpoint.',
    options: {
      out: 'the file to write.',
      officer: 'once per officer present who approves the export.',
      'network-acknowledged': networkAcknowledged,
    },
    needs: {
      out: 'the file to write',
      officer:
        'the officer (by default an auditor or a security officer) who approves the export with their passphrase',
    },
    logsIn: true,
    noJson: ceremonyPrints,
  },
  'audit checkpoint': {
    summary: "Sign the audit log's current head with the workstation key.",
    options: { json: optionSpecs.json.help },
    logsIn: true,
  },
  'workstation init': {
    summary:
      'First initialisation: the workstation signing key in the HSM and its certificate, and the founding officers, each choosing a passphrase.',
    options: {
      json: optionSpecs.json.help,
      org: 'the organisation named in the certificate.',
      name: "this workstation's name in the certificate.",
      spec: `the signing key: ${signingKeySpecs.join(', ')} (default ECDSA_P384).`,
      officer:
        'ID:ROLE:FULL NAME, once per founding officer; ROLE is security-officer, key-custodian or auditor. Enough that the others can unlock any one locked out, so with the default policies at least three security officers.',
      'network-acknowledged': networkAcknowledged,
    },
    needs: {
      officer:
        'its founding officers (--officer ID:ROLE:FULL NAME, repeated): enough that the others can unlock any one of them locked out, so with the default policies at least three security officers',
    },
    logsIn: true,
  },
  'workstation show': {
    summary: 'Print the workstation certificate and the fingerprint verifiers pin.',
    options: { json: optionSpecs.json.help },
  },
  'key list': {
    summary:
      'The key inventory: every key, its versions and their states and KCVs, and which rotations are due or overdue.',
    options: { json: optionSpecs.json.help },
  },
  'media list': {
    summary: 'List the mounted removable drives (USB sticks, SD cards) bundles and exports can go to.',
    options: { json: optionSpecs.json.help },
  },
  'ceremony run': {
    operand: { name: 'PLAN', refusal: 'ceremony run needs exactly one PLAN file.' },
    summary:
      'Run a ceremony from a plan file (YAML; see docs/ceremonies): the plan and its digest are shown, the officers check in and approve each sensitive step with their passphrases, typed at the terminal.',
    options: { out: transcriptOut, answers, 'network-acknowledged': networkAcknowledged },
    needs: { out: transcriptOut.replace(/\.$/, '') },
    logsIn: true,
    noJson: ceremonyPrints,
  },
  'ceremony resume': {
    operand: ceremonyId('ceremony resume'),
    summary:
      'Go on with an unfinished ceremony from its last completed step. A step left running when Keyward stopped is rolled back first; the officers who checked in approve what still needs the quorum.',
    options: {
      out: transcriptOut,
      officer: 'once per officer present who had not checked in yet (they check in now).',
      answers,
      'network-acknowledged': networkAcknowledged,
    },
    needs: { out: transcriptOut.replace(/\.$/, '') },
    logsIn: true,
    noJson: ceremonyPrints,
  },
  'ceremony abort': {
    operand: ceremonyId('ceremony abort'),
    summary:
      "End an unfinished ceremony without completing it, by the rules of the app: the officers each sign the abort for its reason with their passphrase. Completed steps are undone, newest first, except those that took effect (an activation, a bundle written, an officer or policy change), which only an abort signed by the ceremony's quorum undoes, and those later ceremonies built on.",
    options: {
      reason: 'why the ceremony is aborted (signed by each officer); at most 500 printable characters.',
      out: transcriptOut,
      officer:
        'once per officer who signs the abort (default: every one who checked in; who had not, checks in first).',
      answers,
      'network-acknowledged': networkAcknowledged,
    },
    needs: {
      reason: 'why the ceremony is aborted, which each officer signs',
      out: transcriptOut.replace(/\.$/, ''),
    },
    logsIn: true,
    noJson: ceremonyPrints,
  },
  'ceremony transcript': {
    operand: ceremonyId('ceremony transcript'),
    summary:
      'Write the signed transcript (JSON and PDF) of an ended ceremony, e.g. when Keyward stopped after its last step.',
    options: { out: 'the drive folder to write it to.' },
    needs: { out: transcriptOut.replace(/\.$/, '') },
    logsIn: true,
    noJson: ceremonyPrints,
  },
  'ceremony script': {
    operand: ceremonyId('ceremony script'),
    summary:
      'Write the signed ceremony script (PDF) of a planned ceremony, to print before it: the plan digest, every step with its values and digest, and lines for each officer to initial each step and sign.',
    options: { out: 'the drive folder to write it to.' },
    needs: { out: 'the drive folder for the signed ceremony script' },
    logsIn: true,
    noJson: ceremonyPrints,
  },
  'ceremony list': {
    summary:
      'The unfinished ceremonies (those a crash or power cut interrupted are marked) and the recently ended ones.',
    options: { json: optionSpecs.json.help },
  },
  verify: {
    operand: { name: 'BUNDLE', refusal: 'verify needs exactly one BUNDLE folder.' },
    summary:
      "On the connected side, before upload: check an upload bundle folder (signature and signer, every file's hash, the officers' quorum, the provider's deadline, the payload's structure). Exit 0 only when all hold and the bundle was not made in a rehearsal (REHEARSAL: do not upload).",
    options: { json: optionSpecs.json.help, ...trustAnchor },
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commandTable;
const commandNames = Object.keys(commandTable) as CommandName[];
const specOf = (command: CommandName): CommandSpec => commandTable[command];

type Flag = 'json' | 'help' | 'network-acknowledged' | 'rehearsal-only' | 'markdown';
type Values = { [K in Flag]?: boolean } & { officer?: string[]; 'module-env'?: string[] } & {
  [K in Exclude<OptionName, Flag | 'officer' | 'module-env'>]?: string;
};

const takes = (command: CommandName, option: OptionName): boolean =>
  everywhere.includes(option) ||
  option in specOf(command).options ||
  (option === 'pin-parts' && specOf(command).logsIn !== undefined);

const inWords = (items: string[]): string =>
  items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}` : (items[0] ?? '');

/** The value an option names in a refusal (--out names a FILE for audit export, a DIR for the ceremonies). */
const valueName = (option: OptionName, command: CommandName): string => {
  const spec = optionSpecs[option] as { type: string; value?: string };
  if (spec.value === 'FILE|DIR') return command === 'audit export' ? 'FILE' : 'DIR';
  return spec.value ?? '';
};

/** The help text, derived from the table. */
export const usage = (() => {
  /** Words filled into lines of `width`, the first line after `first`, the others after `rest`. */
  const wrap = (text: string, first: string, rest: string, width = 110): string => {
    const lines: string[] = [];
    let line = first;
    for (const word of text.split(' ')) {
      const indent = lines.length ? rest : first;
      if (line.length > indent.length && line.length + word.length + 1 > width) {
        lines.push(line);
        line = `${rest}${word}`;
      } else line = line.length > indent.length ? `${line} ${word}` : `${line}${word}`;
    }
    lines.push(line);
    return lines.join('\n');
  };
  const option = (name: OptionName, command?: CommandName) => {
    const value = command ? valueName(name, command) : (optionSpecs[name] as { value?: string }).value;
    return `--${name}${value ? ` ${value}` : ''}`;
  };
  const text = ' '.repeat(18);
  const commands = commandNames.map((name) => {
    const spec = specOf(name);
    const head = `  ${name}${spec.operand ? ` ${spec.operand.name}` : ''}`;
    const options = Object.entries(spec.options)
      .filter(([o]) => o !== 'json')
      .map(([o, what]) =>
        wrap(
          `${option(o as OptionName, name)}${spec.needs && o in spec.needs ? ' (needed)' : ''}: ${what}`,
          `${text}  `,
          `${text}      `,
        ),
      );
    const pin =
      typeof spec.logsIn === 'function'
        ? ' Needs the user PIN (--pin-parts N), except with --export.'
        : spec.logsIn
          ? ' Needs the user PIN (--pin-parts N).'
          : '';
    const json = 'json' in spec.options ? ' --json prints JSON.' : '';
    return [head, wrap(`${spec.summary}${pin}${json}`, text, text), ...options].join('\n');
  });
  const general = (
    ['module', 'module-args', 'module-env', 'token', 'rehearsal-only', 'pin-parts', 'data-dir', 'help'] as const
  ).map((name) => `  ${option(name)}\n${wrap(optionSpecs[name].help, text, text)}`);
  return `Usage: keyward <command> [options]\n\nCommands:\n${commands.join('\n')}\n\nOptions for every command (--pin-parts for those that log in):\n${general.join('\n')}`;
})();

export interface CliOptions {
  command: CommandName | 'help';
  json: boolean;
  /** token probe --markdown. */
  markdown?: true;
  /** --module, with its C_Initialize arguments and variables (--module-args, --module-env). */
  module?: ModuleLoad;
  tokenUri?: string;
  /** --rehearsal-only: the --module/--token token is set apart for rehearsals. */
  rehearsalOnly?: true;
  dataDir?: string;
  out?: string;
  exportFile?: string;
  signerFingerprint?: string;
  organization?: string;
  workstationName?: string;
  spec?: SigningKeySpec;
  pinParts: number;
  bundle?: string;
  caFile?: string;
  founding?: { id: string; role: OfficerRole; displayName: string }[];
  /** With audit export: the officers present who approve it; with ceremony resume or abort: the officers present. */
  approvers?: string[];
  /** With ceremony abort: why, as the officers sign it. */
  reason?: string;
  planFile?: string;
  /** With ceremony resume, abort, transcript or script: the ceremony's id. */
  ceremonyId?: string;
  answersFile?: string;
  /** A security officer has read the air-gap findings and acknowledges them (confirmed with their passphrase). */
  networkAcknowledged?: boolean;
}

function usageError(message: string): KeywardError {
  return new KeywardError('INVALID_REQUEST', message, 'Run "keyward --help" for the commands and options.');
}

const absolutePath = (what: string) =>
  z
    .string()
    .min(1, `${what} is empty`)
    .refine((p) => p.startsWith('/'), `${what} must be an absolute path (start with /)`);

/** The command the words name (the longest that matches), and what follows them. */
function commandOf(positionals: string[]): { command: CommandName; rest: string[] } {
  const match = commandNames
    .filter((name) => name.split(' ').every((word, i) => positionals[i] === word))
    .sort((a, b) => b.split(' ').length - a.split(' ').length)[0];
  if (!match) throw usageError(`"${positionals.join(' ')}" is not a keyward command.`);
  const rest = positionals.slice(match.split(' ').length);
  const { operand } = specOf(match);
  if (operand ? rest.length !== 1 || !(operand.check?.(rest[0] ?? '') ?? true) : rest.length > 0)
    throw usageError(operand ? operand.refusal : `"${positionals.join(' ')}" is not a keyward command.`);
  return { command: match, rest };
}

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: optionSpecs });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { positionals } = parsed;
  const values = parsed.values as Values;
  if (values.help || positionals.length === 0) return { command: 'help', json: false, pinParts: 1 };
  const { command, rest } = commandOf(positionals);
  const spec = specOf(command);
  const operand = rest[0];

  // Options the command does not take, and those it cannot do without: worded from the table.
  for (const option of Object.keys(values) as OptionName[]) {
    if (values[option] === undefined || values[option] === false || takes(command, option)) continue;
    if (option === 'json') throw usageError(`--json does not go with ${command}: ${spec.noJson ?? 'it prints text'}.`);
    const goesWith = commandNames.filter((name) => takes(name, option));
    throw usageError(`--${option} goes with ${inWords(goesWith)}.`);
  }
  for (const [option, why] of Object.entries(spec.needs ?? {}) as [OptionName, string][]) {
    const given = values[option];
    if (
      given === undefined ||
      (Array.isArray(given) && given.length === 0) ||
      (typeof given === 'string' && !given.trim())
    )
      throw usageError(`${command} needs --${option} ${valueName(option, command)}: ${why}.`);
  }
  const logsIn = typeof spec.logsIn === 'function' ? spec.logsIn(values) : spec.logsIn === true;

  if (values.reason !== undefined && (values.reason.length > 500 || /\p{Cc}/u.test(values.reason)))
    throw usageError('--reason must be at most 500 printable characters.');
  if (values['signer-fingerprint'] !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(values['signer-fingerprint']))
      throw usageError('--signer-fingerprint is 64 hex digits (a SHA-256 fingerprint).');
    if (command === 'audit verify' && values.export === undefined)
      throw usageError('--signer-fingerprint goes with audit verify --export and verify.');
  }
  const exportVerify = command === 'audit verify' && values.export !== undefined;
  if (values.ca !== undefined && command === 'audit verify' && !exportVerify)
    throw usageError('--ca goes with verify and audit verify --export.');
  if (command === 'verify' && values['signer-fingerprint'] === undefined && values.ca === undefined) {
    throw usageError(
      'verify needs a trust anchor: --signer-fingerprint HEX (the workstation key your organisation recorded) or --ca FILE.',
    );
  }
  // A signature alone proves nothing: anyone can sign a forged export with a key and certificate of their own.
  if (exportVerify && values['signer-fingerprint'] === undefined && values.ca === undefined) {
    throw usageError(
      'audit verify --export needs a trust anchor: --signer-fingerprint HEX (the workstation key your organisation recorded, as "keyward workstation show" prints it) or --ca FILE (the organisation\'s CA certificate that issued the workstation\'s). Nothing was read.',
    );
  }
  const init = command === 'workstation init';
  const approvers =
    !init && values.officer !== undefined
      ? values.officer.map((id) => {
          if (!officerIdPattern.test(id)) throw usageError(`--officer "${id}" must be an officer id, e.g. carol.`);
          return id;
        })
      : undefined;
  const founding = (init ? (values.officer ?? []) : []).map((officer) => {
    const match = /^([a-z][a-z0-9._-]{1,31}):(security-officer|key-custodian|auditor):(.{1,100})$/.exec(officer);
    if (!match)
      throw usageError(`--officer "${officer}" must be ID:ROLE:FULL NAME, e.g. alice:security-officer:Alice Martin.`);
    return { id: match[1] ?? '', role: (match[2] ?? 'auditor') as OfficerRole, displayName: match[3] ?? '' };
  });
  if (init && (!values.org || !values.name))
    throw usageError('workstation init needs --org NAME and --name NAME for its certificate.');
  for (const [option, value] of [
    ['--org', values.org],
    ['--name', values.name],
  ] as const) {
    if (value !== undefined && (value.length > 64 || /\p{Cc}/u.test(value)))
      throw usageError(`${option} must be at most 64 printable characters.`);
  }
  const spec_ = values.spec ?? (init ? 'ECDSA_P384' : undefined);
  if (spec_ !== undefined && !signingKeySpecs.some((s) => s === spec_))
    throw usageError(`--spec must be one of ${signingKeySpecs.join(', ')}.`);
  if (values['pin-parts'] !== undefined && !logsIn)
    throw usageError(`--pin-parts goes with commands that log in to the token; ${command} does not.`);
  if (
    values['pin-parts'] !== undefined &&
    (!/^[1-9]$/.test(values['pin-parts']) || Number(values['pin-parts']) > maxPinParts)
  )
    throw usageError(`--pin-parts is a number from 1 to ${maxPinParts}.`);
  if (logsIn && values.module !== undefined && values.token === undefined)
    throw usageError(`${command} with --module also needs --token: the token that holds the workstation key.`);
  if (values.token !== undefined && values.module === undefined)
    throw usageError('--token needs --module: name the PKCS#11 module that holds the token.');
  const check = (schema: z.ZodType<string>, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const result = schema.safeParse(value);
    if (!result.success) throw usageError(result.error.issues[0]?.message ?? 'invalid value');
    return result.data;
  };
  const tokenUri = values.token;
  if (tokenUri !== undefined) parseTokenUri(tokenUri);
  if (values['rehearsal-only'] && (values.module === undefined || values.token === undefined))
    throw usageError('--rehearsal-only goes with --module and --token: it sets that token apart for rehearsals.');
  if ((values['module-args'] !== undefined || values['module-env'] !== undefined) && values.module === undefined)
    throw usageError('--module-args and --module-env go with --module: they are how that module starts.');
  const modulePath = check(absolutePath('--module'), values.module);
  const moduleArgs = check(moduleArgsSchema, values['module-args']);
  const moduleEnv = moduleEnvOf(values['module-env']);
  return {
    command,
    json: values.json ?? false,
    ...(values.markdown ? { markdown: true as const } : {}),
    ...(values.out !== undefined ? { out: resolve(values.out) } : {}),
    ...(values.export !== undefined ? { exportFile: resolve(values.export) } : {}),
    ...(values['signer-fingerprint'] !== undefined ? { signerFingerprint: values['signer-fingerprint'] } : {}),
    ...(values.org !== undefined ? { organization: values.org } : {}),
    ...(command === 'verify' && operand !== undefined ? { bundle: resolve(operand) } : {}),
    ...(values.ca !== undefined ? { caFile: resolve(values.ca) } : {}),
    ...(init ? { founding } : {}),
    ...(approvers ? { approvers } : {}),
    ...(values.reason !== undefined ? { reason: values.reason.trim() } : {}),
    ...((command === 'ceremony run' || command === 'plan checksum') && operand !== undefined
      ? { planFile: resolve(operand) }
      : {}),
    ...(spec.operand?.name === 'ID' && operand !== undefined ? { ceremonyId: operand } : {}),
    ...(values.answers !== undefined ? { answersFile: resolve(values.answers) } : {}),
    ...(values.name !== undefined ? { workstationName: values.name } : {}),
    ...(spec_ !== undefined ? { spec: spec_ as SigningKeySpec } : {}),
    pinParts: Number(values['pin-parts'] ?? 1),
    networkAcknowledged: values['network-acknowledged'] ?? false,
    ...(modulePath !== undefined ? { module: moduleLoadOf({ modulePath, moduleArgs, moduleEnv }) } : {}),
    tokenUri,
    ...(values['rehearsal-only'] ? { rehearsalOnly: true as const } : {}),
    dataDir: check(absolutePath('--data-dir'), values['data-dir']),
  };
}

/** --module-env NAME=VALUE, each checked as settings check them. */
function moduleEnvOf(pairs: string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw usageError(`--module-env takes NAME=VALUE, not "${pair}".`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const checked = moduleEnvSchema.safeParse(env);
  if (!checked.success) throw usageError(`--module-env: ${checked.error.issues[0]?.message ?? 'invalid'}.`);
  return checked.data;
}
