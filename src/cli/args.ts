/** Command-line arguments, validated before anything runs, with a precise message for each mistake. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { KeywardError } from '../shared/errors';
import { maxPinParts, signingKeySpecs, type SigningKeySpec } from '../shared/keys';
import { officerIdPattern, type OfficerRole } from '../shared/officers';
import { parseTokenUri } from '../shared/pkcs11-uri';

export const usage = `Usage: keyward <command> [options]

Commands:
  plan checksum PLAN
                  Print the checksum line for a plan file (after checking the plan), to put as its first
                  line once its values are reviewed: a plan damaged or changed afterwards is then refused.
  token list      Read every token of the HSM module live and print its details.
  token probe     Show what the token can do for Keyward: key types, signatures, wrapping algorithms.
  audit verify    Recompute the audit log's hash chain and signed checkpoints, against the workstation key and
                  the audit anchor the token holds (needs the user PIN); name the first that does not hold,
                  and how many entries were written after the anchored point.
                  With --export FILE: verify an exported log instead, on any machine, without an HSM;
                  needs --signer-fingerprint HEX or --ca FILE.
  audit export    Write the audit log with its signed checkpoints as JSON Lines (--out FILE; never overwrites),
                  with FILE.p7s (a detached signature by the workstation key) and FILE.signer.pem: the
                  export-audit ceremony, approved as its policy says (by default one auditor or security
                  officer, --officer ID, with their passphrase); its transcript goes next to FILE.
                  Needs the user PIN; ends with a fresh checkpoint.
  audit checkpoint
                  Sign the audit log's current head with the workstation key (needs the user PIN).
  workstation init
                  First initialisation: the workstation signing key in the HSM and its certificate
                  (--org, --name), and the founding officers (--officer, repeated: enough that the
                  others can unlock any one locked out, so with the default policies at least three
                  security officers), each choosing a passphrase. Needs the user PIN.
  workstation show
                  Print the workstation certificate and the fingerprint verifiers pin.
  ceremony run PLAN
                  Run a ceremony from a plan file (YAML; see docs/ceremonies): the plan and its digest
                  are shown, the officers check in and approve each sensitive step with their
                  passphrases, typed at the terminal. --answers FILE supplies them on the rehearsal
                  token only.
  ceremony list   The unfinished ceremonies (those a crash or power cut interrupted are marked) and the
                  recently ended ones.
  ceremony resume ID
                  Go on with an unfinished ceremony from its last completed step (--out DIR for its
                  transcript). A step left running when Keyward stopped is rolled back first; the
                  officers who checked in approve what still needs the quorum. Officers who had not
                  checked in yet do so now: name them with --officer ID.
  ceremony abort ID
                  End an unfinished ceremony without completing it (--reason TEXT, --out DIR for its
                  transcript), by the rules of the app: the officers who checked in (or those named
                  with --officer ID, who check in first if they had not) each sign the abort for that
                  reason with their passphrase. Completed steps are undone, newest first, except those that took effect
                  (an activation, a bundle written, an officer or policy change), which only an abort
                  signed by the ceremony's quorum undoes, and those later ceremonies built on.
  ceremony transcript ID
                  Write the signed transcript (JSON and PDF) of an ended ceremony to --out DIR, e.g. when
                  Keyward stopped after its last step (needs the user PIN).
  key list        The key inventory: every key, its versions and their states and KCVs, and which
                  rotations are due or overdue.
  media list      List the mounted removable drives (USB sticks, SD cards) bundles and exports can go to.
  verify BUNDLE   On the connected side, before upload: check an upload bundle folder (signature and
                  signer, every file's hash, the officers' quorum, the provider's deadline, the payload's
                  structure). Needs --signer-fingerprint HEX or --ca FILE. Exit 0 only when all hold.

Options:
  --json          Print JSON instead of text.
  --module PATH   Use this PKCS#11 module instead of the configured HSM (or the rehearsal token).
  --token URI     With --module: the token this PKCS#11 URI (RFC 7512) names, e.g.
                  "pkcs11:token=CMK%20HSM;serial=1234".
  --out FILE      With audit export: the file to write.
  --export FILE   With audit verify: the exported file to verify.
  --signer-fingerprint HEX
                  With audit verify --export or verify: the SHA-256 fingerprint of the workstation
                  signing key that must have signed (see "keyward workstation show").
  --ca FILE       With verify or audit verify --export: the organisation's CA certificate that issued
                  the workstation's; that certificate must carry the Keyward workstation extended key
                  usage 2.25.222300821164029848976162889563306476388 (see the README).
  --org NAME      With workstation init: the organisation named in the certificate.
  --name NAME     With workstation init: this workstation's name in the certificate.
  --spec SPEC     With workstation init: ECDSA_P384 (default), ECDSA_P256 or RSA_PSS_3072.
  --officer ID:ROLE:FULL NAME
                  With workstation init, once per founding officer; ROLE is security-officer,
                  key-custodian or auditor.
  --officer ID    With audit export, once per officer present who approves the export; with ceremony
                  resume, once per officer present who had not checked in yet; with ceremony abort,
                  once per officer who signs the abort (default: every one who checked in).
  --reason TEXT   With ceremony abort: why the ceremony is aborted (signed by each officer).
  --answers FILE  With ceremony run, resume or abort on the rehearsal token: PIN parts and passphrases from a file.
  --out DIR       With ceremony run, resume or abort: the drive folder for the signed transcript (JSON and PDF).
  --network-acknowledged
                  With ceremony run or resume, audit export and workstation init on a workstation found on a network: a
                  security officer has read the air-gap findings and acknowledges them (their
                  passphrase confirms it; recorded in the audit log).
  --pin-parts N   The user PIN is typed in N parts, one per officer (default 1). Without a terminal,
                  one part per line of standard input.
  --data-dir DIR  Keyward's data directory (default: $KEYWARD_DATA_DIR or ~/.local/share/keyward).
  --help          Show this text.`;

const commands = [
  'plan checksum',
  'token list',
  'token probe',
  'audit verify',
  'audit export',
  'audit checkpoint',
  'workstation init',
  'workstation show',
  'key list',
  'media list',
  'ceremony run',
  'ceremony resume',
  'ceremony abort',
  'ceremony transcript',
  'ceremony list',
  'verify',
] as const;

export interface CliOptions {
  command: (typeof commands)[number] | 'help';
  json: boolean;
  modulePath?: string;
  tokenUri?: string;
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
  /** With ceremony resume: the ceremony's id. */
  ceremonyId?: string;
  answersFile?: string;
  /** A security officer has read the air-gap findings and acknowledges them (confirmed with their passphrase). */
  networkAcknowledged?: boolean;
}

/** A ceremony id: its type, then a UUID (see newCeremonyId). */
const ceremonyIdPattern = /^[a-z]+(-[a-z]+)*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
        org: { type: 'string' },
        name: { type: 'string' },
        spec: { type: 'string' },
        'pin-parts': { type: 'string' },
        ca: { type: 'string' },
        officer: { type: 'string', multiple: true },
        reason: { type: 'string' },
        answers: { type: 'string' },
        'network-acknowledged': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { command: 'help', json: false, pinParts: 1 };
  const bundle = positionals[0] === 'verify' ? positionals[1] : undefined;
  if (positionals[0] === 'verify' && (positionals.length !== 2 || !bundle))
    throw usageError('verify needs exactly one BUNDLE folder.');
  const checksumOf = positionals[0] === 'plan' && positionals[1] === 'checksum';
  const planFile =
    (positionals[0] === 'ceremony' && positionals[1] === 'run') || checksumOf ? positionals[2] : undefined;
  if (positionals[0] === 'ceremony' && positionals[1] === 'run' && (positionals.length !== 3 || !planFile))
    throw usageError('ceremony run needs exactly one PLAN file.');
  if (checksumOf && (positionals.length !== 3 || !planFile))
    throw usageError('plan checksum needs exactly one PLAN file.');
  const byId =
    positionals[0] === 'ceremony' &&
    (positionals[1] === 'resume' || positionals[1] === 'abort' || positionals[1] === 'transcript')
      ? `ceremony ${positionals[1]}`
      : undefined;
  const ceremonyId = byId ? positionals[2] : undefined;
  if (byId && (positionals.length !== 3 || !ceremonyId || !ceremonyIdPattern.test(ceremonyId))) {
    throw usageError(
      `${byId} needs exactly one ceremony ID, as "keyward ceremony list" prints it (e.g. generate-cmk-0f1e2d3c-…).`,
    );
  }
  const command =
    bundle !== undefined
      ? 'verify'
      : checksumOf
        ? 'plan checksum'
        : planFile !== undefined
          ? 'ceremony run'
          : (byId ?? positionals.join(' '));
  const known = commands.find((c) => c === command);
  if (!known) throw usageError(`"${command}" is not a keyward command.`);
  if (known === 'audit export' && !values.out) throw usageError('audit export needs --out FILE: the file to write.');
  const ceremonyRun = known === 'ceremony run' || known === 'ceremony resume' || known === 'ceremony abort';
  const aborting = known === 'ceremony abort';
  if (aborting && (values.reason === undefined || !values.reason.trim()))
    throw usageError('ceremony abort needs --reason TEXT: why the ceremony is aborted, which each officer signs.');
  if (values.reason !== undefined && !aborting) throw usageError('--reason goes with ceremony abort.');
  if (values.reason !== undefined && (values.reason.length > 500 || /\p{Cc}/u.test(values.reason)))
    throw usageError('--reason must be at most 500 printable characters.');
  if ((ceremonyRun || known === 'ceremony transcript') && !values.out)
    throw usageError(`${known} needs --out DIR: the drive folder for the ceremony transcript.`);
  if (values.out !== undefined && known !== 'audit export' && !ceremonyRun && known !== 'ceremony transcript')
    throw usageError('--out goes with audit export and the ceremony commands.');
  if (values.export !== undefined && known !== 'audit verify') throw usageError('--export goes with audit verify.');
  if (
    values['signer-fingerprint'] !== undefined &&
    ((values.export === undefined && known !== 'verify') || !/^[0-9a-fA-F]{64}$/.test(values['signer-fingerprint']))
  ) {
    throw usageError(
      '--signer-fingerprint goes with audit verify --export or verify, and is 64 hex digits (a SHA-256 fingerprint).',
    );
  }
  const exportVerify = known === 'audit verify' && values.export !== undefined;
  if (values.ca !== undefined && known !== 'verify' && !exportVerify)
    throw usageError('--ca goes with verify and audit verify --export.');
  if (known === 'verify' && values['signer-fingerprint'] === undefined && values.ca === undefined) {
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
  const init = known === 'workstation init';
  const auditExport = known === 'audit export';
  if (values.json && (ceremonyRun || auditExport || known === 'ceremony transcript'))
    throw usageError(
      `--json does not go with ${known}: a ceremony prints its plan, digests and steps for the officers to read.`,
    );
  const present = auditExport || known === 'ceremony resume' || aborting;
  if (values.officer !== undefined && !init && !present)
    throw usageError('--officer goes with workstation init, audit export, ceremony resume and ceremony abort.');
  if (auditExport && (values.officer ?? []).length === 0)
    throw usageError(
      'audit export needs --officer ID: the officer (by default an auditor or a security officer) who approves the export with their passphrase.',
    );
  const approvers =
    present && values.officer !== undefined
      ? (values.officer ?? []).map((id) => {
          if (!officerIdPattern.test(id)) throw usageError(`--officer "${id}" must be an officer id, e.g. carol.`);
          return id;
        })
      : undefined;
  if (values.answers !== undefined && !ceremonyRun)
    throw usageError('--answers goes with ceremony run, ceremony resume and ceremony abort.');
  if (values['network-acknowledged'] && !ceremonyRun && !init && !auditExport)
    throw usageError(
      '--network-acknowledged goes with ceremony run, ceremony resume, ceremony abort, audit export and workstation init.',
    );
  const founding = (init ? (values.officer ?? []) : []).map((spec) => {
    const match = /^([a-z][a-z0-9._-]{1,31}):(security-officer|key-custodian|auditor):(.{1,100})$/.exec(spec);
    if (!match)
      throw usageError(`--officer "${spec}" must be ID:ROLE:FULL NAME, e.g. alice:security-officer:Alice Martin.`);
    return { id: match[1] ?? '', role: (match[2] ?? 'auditor') as OfficerRole, displayName: match[3] ?? '' };
  });
  if (init && founding.length === 0)
    throw usageError(
      'workstation init needs its founding officers (--officer ID:ROLE:FULL NAME, repeated): enough that the others can unlock any one of them locked out, so with the default policies at least three security officers.',
    );
  for (const option of ['org', 'name', 'spec'] as const) {
    if (values[option] !== undefined && !init) throw usageError(`--${option} goes with workstation init.`);
  }
  if (init && (!values.org || !values.name))
    throw usageError('workstation init needs --org NAME and --name NAME for its certificate.');
  for (const [option, value] of [
    ['--org', values.org],
    ['--name', values.name],
  ] as const) {
    if (value !== undefined && (value.length > 64 || /\p{Cc}/u.test(value)))
      throw usageError(`${option} must be at most 64 printable characters.`);
  }
  const spec = values.spec ?? (init ? 'ECDSA_P384' : undefined);
  if (spec !== undefined && !signingKeySpecs.some((s) => s === spec))
    throw usageError(`--spec must be one of ${signingKeySpecs.join(', ')}.`);
  const needsPin =
    [
      'audit export',
      'audit checkpoint',
      'workstation init',
      'ceremony run',
      'ceremony resume',
      'ceremony abort',
      'ceremony transcript',
    ].includes(known) ||
    (known === 'audit verify' && values.export === undefined);
  if (
    values['pin-parts'] !== undefined &&
    (!needsPin || !/^[1-9]$/.test(values['pin-parts']) || Number(values['pin-parts']) > maxPinParts)
  ) {
    throw usageError('--pin-parts goes with commands that log in to the token, and is a number from 1 to 8.');
  }
  if (needsPin && values.module !== undefined && values.token === undefined) {
    throw usageError(`${known} with --module also needs --token: the token that holds the workstation key.`);
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
    ...(values.org !== undefined ? { organization: values.org } : {}),
    ...(bundle !== undefined ? { bundle: resolve(bundle) } : {}),
    ...(values.ca !== undefined ? { caFile: resolve(values.ca) } : {}),
    ...(init ? { founding } : {}),
    ...(approvers ? { approvers } : {}),
    ...(values.reason !== undefined ? { reason: values.reason.trim() } : {}),
    ...(planFile !== undefined ? { planFile: resolve(planFile) } : {}),
    ...(ceremonyId !== undefined ? { ceremonyId } : {}),
    ...(values.answers !== undefined ? { answersFile: resolve(values.answers) } : {}),
    ...(values.name !== undefined ? { workstationName: values.name } : {}),
    ...(spec !== undefined ? { spec: spec as SigningKeySpec } : {}),
    pinParts: Number(values['pin-parts'] ?? 1),
    networkAcknowledged: values['network-acknowledged'],
    modulePath: check(absolutePath('--module'), values.module),
    tokenUri,
    dataDir: check(absolutePath('--data-dir'), values['data-dir']),
  };
}
