/**
 * The soak's rehearsal workstation, its ceremonies and its leftovers (bench/soak.bench-run.ts): a base
 * workstation built through the real CLI, a plan for every ceremony type that runs on it, and a count of
 * what a ceremony killed and then resumed or aborted may have left behind, read from the token (with
 * pkcs11-tool), the database (read-only) and the drives, each compared with what Keyward records.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { rehearsalToken } from '../src/shared/rehearsal';
import { listTokenObjects } from '../test/helpers/softhsm';

export const softhsmModule = '/usr/lib/softhsm/libsofthsm2.so';
const keywardCli = join(import.meta.dirname, '..', 'bin', 'keyward.mjs');
export const drives = ['usb', 'backup', 'c1', 'c2', 'c3', 'audit', 'transcripts'];
const auditAnchorLabel = 'Keyward audit anchor';

const passphrases = {
  alice: 'granite lantern over the river',
  bob: 'seven quiet owls at dawn',
  carol: 'the ledger never forgets',
  dave: 'copper kettle in the vault',
  grace: 'a third security officer signs',
  erin: 'a new custodian arrives today',
};
const answers = (shareFiles: string[] = []): string =>
  [
    `pinParts: ['${rehearsalToken.userPin}']`,
    `soPinParts: ['${rehearsalToken.soPin}']`,
    'passphrases:',
    ...Object.entries(passphrases).map(([officer, passphrase]) => `  ${officer}: ${passphrase}`),
    ...(shareFiles.length ? [`shareFiles: [${shareFiles.map((f) => `'${f}'`).join(', ')}]`] : []),
    '',
  ].join('\n');

export interface SoakPlan {
  /** The plan file's text (paths relative to the workstation folder). */
  text: string;
  /** The officers it names: they check in when a resume or an abort needs them. */
  officers: string[];
  answersFile: string;
}

const plan = (text: string, answersFile = 'answers.yaml'): SoakPlan => ({
  text,
  officers: /^officers: \[(.*)\]$/m.exec(text)?.[1]?.split(', ') ?? [],
  answersFile,
});

/** Every ceremony type that runs on an initialised workstation with one HSM (change-hsm needs a second token; initialise-workstation is not resumable). */
export const plans: Record<string, SoakPlan> = {
  'generate-cmk': plan(
    'ceremony: generate-cmk\nofficers: [alice, bob]\nkey: { name: Soak CMK, purpose: Soak test, provider: aws-kms, spec: AES_256, rotationDays: 365 }\n',
  ),
  'rotate-cmk': plan('ceremony: rotate-cmk\nofficers: [alice, bob]\nkey: { name: Tenant CMK }\nreason: manual\n'),
  'disable-key': plan('ceremony: disable-key\nofficers: [alice, bob]\nkey: { name: Tenant CMK, version: 2 }\n'),
  'enable-key': plan(
    'ceremony: enable-key\nofficers: [alice, bob]\nkey: { name: Dormant CMK, version: 1 }\nstate: active\n',
  ),
  'destroy-key': plan(
    'ceremony: destroy-key\nofficers: [alice, bob]\nkey: { name: Tenant CMK, version: 2 }\ndestination: { folder: usb }\n',
  ),
  'import-wrapping-key': plan(
    'ceremony: import-wrapping-key\nofficers: [alice, bob]\nprovider: aws-kms\nlabel: AWS import 2\nfiles: { wrappingKey: params-2.json }\nfields: { algorithm: RSAES_OAEP_SHA_1 }\n',
  ),
  'export-key': plan(
    'ceremony: export-key\nofficers: [alice, bob]\nkey: { name: Tenant CMK, version: 2 }\nprovider: aws-kms\nfiles: { wrappingKey: params.json }\nfields: { algorithm: RSAES_OAEP_SHA_1 }\ndestination: { folder: usb, drive: KEYWARD-USB }\n',
  ),
  backup: plan(
    'ceremony: backup\nofficers: [alice, bob]\nkeys: [{ name: Tenant CMK, version: 2 }]\nthreshold: 2\npackage: backup\nshares: [c1, c2, c3]\n',
  ),
  restore: plan(
    'ceremony: restore\nofficers: [alice, bob]\npackage: PACKAGE\nkeys: [{ name: Tenant CMK, version: 1 }]\n',
    'restore-answers.yaml',
  ),
  'enrol-officer': plan(
    'ceremony: enrol-officer\nofficers: [alice, dave]\nofficer: { id: erin, name: Erin Park, role: key-custodian }\n',
  ),
  'suspend-officer': plan('ceremony: suspend-officer\nofficers: [alice, dave]\nofficer: bob\nchange: suspend\n'),
  'remove-officer': plan('ceremony: remove-officer\nofficers: [alice, dave]\nofficer: carol\n'),
  'change-policy': plan(
    'ceremony: change-policy\nofficers: [alice, dave]\npolicy: { ceremonyType: export-key, quorum: 3, roles: [security-officer, key-custodian] }\n',
  ),
  'export-audit': plan('ceremony: export-audit\nofficers: [dave]\nfile: audit/audit-export.jsonl\n'),
};

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const env = (dataDir: string) => ({ ...process.env, KEYWARD_DATA_DIR: dataDir });

/** The Keyward CLI in the workstation folder, to its end (`input` on stdin: the PIN where it asks). */
export function keyward(dataDir: string, args: string[], input?: string): Run {
  const result = spawnSync(process.execPath, [keywardCli, ...args], {
    cwd: dataDir,
    env: env(dataDir),
    encoding: 'utf8',
    timeout: 180_000,
    ...(input === undefined ? {} : { input }),
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

export const ceremonyArgs = (soakPlan: SoakPlan, dataDir: string): string[] => [
  '--network-acknowledged',
  '--answers',
  soakPlan.answersFile,
  '--out',
  join(dataDir, 'transcripts'),
];

/** `keyward ceremony run` of a plan; throws unless it completes. */
export function runToCompletion(dataDir: string, soakPlan: SoakPlan): { stdout: string; ms: number } {
  writeFileSync(join(dataDir, 'plan.yaml'), soakPlan.text);
  const start = process.hrtime.bigint();
  const result = keyward(dataDir, ['ceremony', 'run', 'plan.yaml', ...ceremonyArgs(soakPlan, dataDir)]);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(
      `ceremony run of\n${soakPlan.text}failed (${String(result.status ?? result.signal)}):\n${result.stdout}\n${result.stderr}`,
    );
  return { stdout: result.stdout, ms };
}

export interface Killed {
  /** Killed by the signal; false when the CLI had already exited. */
  killed: boolean;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `keyward ceremony run PLAN`, sent SIGKILL `delayMs` after it was started (the CLI alone: its HSM process ends itself). */
export function runAndKill(dataDir: string, soakPlan: SoakPlan, delayMs: number): Promise<Killed> {
  writeFileSync(join(dataDir, 'plan.yaml'), soakPlan.text);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [keywardCli, 'ceremony', 'run', 'plan.yaml', ...ceremonyArgs(soakPlan, dataDir)],
      { cwd: dataDir, env: env(dataDir), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', status, stdout, stderr });
    });
  });
}

/** Waits until every HSM process a killed Keyward left (as DATA/hsm-processes names them) has ended; returns those still alive at the deadline. */
export async function hsmProcessesEnded(dataDir: string, timeoutMs = 60_000): Promise<number[]> {
  const folder = join(dataDir, 'hsm-processes');
  const alive = (): number[] => {
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .filter((name) => /^\d+$/.test(name))
      .flatMap((name) => {
        try {
          const entry = JSON.parse(readFileSync(join(folder, name), 'utf8')) as {
            process?: { pid?: number; startTime?: string };
          };
          const pid = entry.process?.pid ?? Number(name);
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const state = fields[0] ?? 'X';
          return fields[19] === entry.process?.startTime && state !== 'Z' && state !== 'X' ? [pid] : [];
        } catch {
          return [];
        }
      });
  };
  const deadline = Date.now() + timeoutMs;
  for (let left = alive(); ; left = alive()) {
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A copy of a workstation folder: the rehearsal token's configuration is made anew for the copy's own token folder. */
export function copyWorkstation(from: string, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(from, dir, { recursive: true });
  rmSync(join(dir, 'rehearsal', 'softhsm2.conf'), { force: true });
  return dir;
}

/**
 * The base workstation, through the real CLI: initialised (five founding officers, three of them security
 * officers), a Tenant CMK generated and rotated, AWS import parameters imported, version 1 backed up and
 * then destroyed (restore brings it back), and a Dormant CMK generated and disabled (enable-key enables
 * it). Its own outputs move off the drives to kept/, so each run's drives hold only what its ceremony wrote.
 */
export function buildBase(): string {
  const base = mkdtempSync(join(tmpdir(), 'keyward-soak-base-'));
  for (const drive of drives) mkdirSync(join(base, drive));
  writeFileSync(join(base, 'answers.yaml'), answers());
  // Two sets of AWS import parameters: one imported in the base (for exports), one for the import ceremony.
  for (const file of ['params.json', 'params-2.json']) {
    const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(
      join(base, file),
      JSON.stringify({
        KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        ImportToken: randomBytes(40).toString('base64'),
        PublicKey: provider.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        ParametersValidTo: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      }),
    );
  }
  const run = (text: string) => runToCompletion(base, plan(text));
  run(
    'ceremony: initialise-workstation\nworkstation: { organization: Example Org, name: SOAK-WS, signingKey: ECDSA_P256 }\nfounding:\n  - { id: alice, name: Alice Martin, role: security-officer }\n  - { id: bob, name: Bob Chen, role: key-custodian }\n  - { id: dave, name: Dave Okafor, role: security-officer }\n  - { id: grace, name: Grace Lindqvist, role: security-officer }\n  - { id: carol, name: Carol Diaz, role: auditor }\n',
  );
  run(
    'ceremony: generate-cmk\nofficers: [alice, bob]\nkey: { name: Tenant CMK, purpose: Tenant data, provider: aws-kms, spec: AES_256, rotationDays: 365 }\n',
  );
  run(
    plans['import-wrapping-key']?.text
      .replace('AWS import 2', 'AWS import 1')
      .replace('params-2.json', 'params.json') ?? '',
  );
  run(plans['rotate-cmk']?.text ?? '');
  run((plans.backup?.text ?? '').replace('version: 2', 'version: 1'));
  run(
    'ceremony: destroy-key\nofficers: [alice, bob]\nkey: { name: Tenant CMK, version: 1 }\ndestination: { folder: usb }\n',
  );
  run(
    'ceremony: generate-cmk\nofficers: [alice, bob]\nkey: { name: Dormant CMK, purpose: Enabled by the soak, provider: aws-kms, spec: AES_256, rotationDays: 365 }\n',
  );
  run('ceremony: disable-key\nofficers: [alice, bob]\nkey: { name: Dormant CMK, version: 1 }\n');
  // The base's own outputs move to kept/<drive>/...: the restore ceremony reads the backup package and two shares there.
  for (const drive of drives) {
    mkdirSync(join(base, 'kept', drive), { recursive: true });
    for (const entry of readdirSync(join(base, drive)))
      renameSync(join(base, drive, entry), join(base, 'kept', drive, entry));
  }
  const only = (drive: string): string => {
    const entries = readdirSync(join(base, 'kept', drive)).filter((e) => !e.startsWith('.'));
    if (entries.length !== 1)
      throw new Error(`expected one backup output in kept/${drive}, found ${entries.join(', ')}`);
    return join('kept', drive, entries[0] ?? '');
  };
  const packageFolder = only('backup');
  writeFileSync(
    join(base, 'restore-answers.yaml'),
    answers([join(only('c1'), 'share.txt'), join(only('c2'), 'share.txt')]),
  );
  if (plans.restore) plans.restore = { ...plans.restore, text: plans.restore.text.replace('PACKAGE', packageFolder) };
  return base;
}

export interface CeremonyLine {
  id: string;
  type: string;
  state: string;
  stepsDone: number;
  steps: number;
  interrupted: boolean;
  checkedIn: string[];
}

export function ceremonyList(dataDir: string): { unfinished: CeremonyLine[]; recent: CeremonyLine[] } {
  const listed = keyward(dataDir, ['ceremony', 'list', '--json']);
  if (listed.status !== 0) throw new Error(`keyward ceremony list failed: ${listed.stderr}`);
  return JSON.parse(listed.stdout) as { unfinished: CeremonyLine[]; recent: CeremonyLine[] };
}

/** What Keyward's error said, without the air-gap warning every command prints on a networked machine. */
export const errorText = (run: Run): string =>
  run.stderr.replace(/^This workstation may not be air-gapped:\n|^ {2}.*\n/gm, '').trim();

export interface TokenObject {
  kind: string;
  label: string;
  id: string;
}

/** Every object on the rehearsal token, as pkcs11-tool (OpenSC, independent of Keyward) lists it after a user login. */
export function tokenObjects(dataDir: string): TokenObject[] {
  if (!existsSync(join(dataDir, 'rehearsal', 'softhsm2.conf'))) keyward(dataDir, ['token', 'list']); // writes the copy's SoftHSM configuration
  return listTokenObjects(
    { SOFTHSM2_CONF: join(dataDir, 'rehearsal', 'softhsm2.conf') },
    rehearsalToken.label,
    rehearsalToken.userPin,
  );
}

interface Records {
  /** Key versions: CKA_ID (hex), state, and name for messages. */
  versions: { name: string; version: number; state: string; id: string }[];
  /** Wrapping keys not destroyed, and every workstation signing key (a retired one is kept, never deleted). */
  otherIds: { what: string; id: string }[];
  /** The drive outputs the done steps of every ceremony recorded, relative to the workstation folder, and the ended ceremonies. */
  outputs: Set<string>;
  ended: string[];
}

function records(dataDir: string): Records {
  const db = new Database(join(dataDir, 'keyward.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = <T>(sql: string): T[] => db.prepare(sql).all() as T[];
    const versions = rows<{ name: string; version: number; state: string; id: string }>(
      'SELECT k.name, v.version, v.state, v.token_object_id AS id FROM key_versions v JOIN keys k ON k.id = v.key_id',
    );
    const otherIds = [
      ...rows<{ label: string; id: string }>(
        "SELECT label, token_object_id AS id FROM wrapping_keys WHERE state <> 'destroyed'",
      ).map((r) => ({ what: `wrapping key ${r.label}`, id: r.id })),
      ...rows<{ id: string }>('SELECT token_object_id AS id FROM workstation_identity').map((r) => ({
        what: 'workstation signing key',
        id: r.id,
      })),
    ];
    const outputs = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string' && value.startsWith(`${dataDir}/`)) outputs.add(relative(dataDir, value));
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    for (const { result } of rows<{ result: string | null }>("SELECT result FROM ceremony_steps WHERE state = 'done'"))
      collect(result ? JSON.parse(result) : null);
    const ended = rows<{ id: string }>("SELECT id FROM ceremonies WHERE state IN ('completed', 'aborted')").map(
      (r) => r.id,
    );
    return { versions, otherIds, outputs, ended };
  } finally {
    db.close();
  }
}

export interface Leftovers {
  /** Token objects no record explains (CKA_ID unknown or of a destroyed version, a second object of a kind under one CKA_ID, an extra audit anchor). */
  orphanObjects: string[];
  /** Key versions not destroyed whose token object is gone. */
  missingVersions: string[];
  /** Wrapping keys and workstation keys recorded whose token object is gone. */
  missingOther: string[];
  /** Hidden partial entries, empty folders, and entries on the drives that no completed step or ended ceremony's transcript explains. */
  driveLeftovers: string[];
  /** Ceremonies still unfinished. */
  unfinished: string[];
  /** `keyward audit verify` did not exit 0 (its output). */
  auditFailure: string | undefined;
}

export const leftoverCount = (l: Leftovers): number =>
  l.orphanObjects.length +
  l.missingVersions.length +
  l.missingOther.length +
  l.driveLeftovers.length +
  l.unfinished.length +
  (l.auditFailure === undefined ? 0 : 1);

function driveLeftovers(dataDir: string, explained: Set<string>, ended: string[]): string[] {
  const found: string[] = [];
  const transcripts = new Set(ended.map((id) => join('transcripts', `keyward-transcript-${id}`)));
  const walk = (path: string, top: boolean): void => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      const rel = relative(dataDir, full);
      const isFolder = statSync(full).isDirectory();
      if (/^\..+\.partial-\d+$/.test(entry)) found.push(`${rel} (hidden partial)`);
      else if (isFolder && readdirSync(full).length === 0) found.push(`${rel} (empty folder)`);
      else if (
        top &&
        !explained.has(rel) &&
        !transcripts.has(rel) &&
        ![...explained].some((o) => rel.startsWith(`${o}.`))
      )
        found.push(`${rel} (no completed step or transcript explains it)`);
      if (isFolder) walk(full, false);
    }
  };
  for (const drive of drives) walk(join(dataDir, drive), true);
  return found;
}

/** Counts what is left over on a workstation once no ceremony is meant to be running. */
export function leftovers(dataDir: string): Leftovers {
  const objects = tokenObjects(dataDir);
  const rec = records(dataDir);
  const live = rec.versions.filter((v) => v.state !== 'destroyed');
  const explainedIds = new Set([...live.map((v) => v.id), ...rec.otherIds.map((o) => o.id)]);
  const orphanObjects: string[] = [];
  const seen = new Set<string>();
  let anchors = 0;
  for (const o of objects) {
    const describe = `${o.kind} "${o.label}" id ${o.id || '(none)'}`;
    if (o.kind.startsWith('Data') && o.label === auditAnchorLabel && !o.id) {
      if (++anchors > 1) orphanObjects.push(`${describe} (a second audit anchor)`);
      continue;
    }
    if (!explainedIds.has(o.id)) {
      const destroyed = rec.versions.find((v) => v.id === o.id);
      orphanObjects.push(
        `${describe}${destroyed ? ` (${destroyed.name} v${destroyed.version}, recorded destroyed)` : ' (nothing records it)'}`,
      );
      continue;
    }
    const key = `${o.kind}|${o.id}`;
    if (seen.has(key)) orphanObjects.push(`${describe} (a second ${o.kind} under a recorded CKA_ID)`);
    seen.add(key);
  }
  const onToken = new Set(objects.map((o) => o.id));
  const missingVersions = live
    .filter((v) => !onToken.has(v.id))
    .map((v) => `${v.name} v${v.version} (${v.state}) id ${v.id}`);
  const missingOther = rec.otherIds.filter((o) => !onToken.has(o.id)).map((o) => `${o.what} id ${o.id}`);
  const unfinished = ceremonyList(dataDir).unfinished.map(
    (c) => `${c.id} (${c.state}, ${c.stepsDone} of ${c.steps} steps done)`,
  );
  const verified = keyward(dataDir, ['audit', 'verify'], `${rehearsalToken.userPin}\n`);
  return {
    orphanObjects,
    missingVersions,
    missingOther,
    driveLeftovers: driveLeftovers(dataDir, rec.outputs, rec.ended),
    unfinished,
    auditFailure:
      verified.status === 0
        ? undefined
        : `exit ${String(verified.status ?? verified.signal)}: ${errorText(verified) || verified.stdout.trim()}`.slice(
            0,
            500,
          ),
  };
}

/** Every ceremony the workstation's database holds. */
export function ceremonyIds(dataDir: string): Set<string> {
  const db = new Database(join(dataDir, 'keyward.db'), { readonly: true, fileMustExist: true });
  try {
    return new Set((db.prepare('SELECT id FROM ceremonies').all() as { id: string }[]).map((r) => r.id));
  } finally {
    db.close();
  }
}

export const hasTranscript = (dataDir: string, id: string): boolean =>
  existsSync(join(dataDir, 'transcripts', `keyward-transcript-${id}`));
