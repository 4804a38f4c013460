/** The keyward command line. The HSM runs in a child process here too. */
import { readFileSync } from 'node:fs';
import { notInitialisedYet, unanchoredVerification } from '../main/audit/anchor';
import { verifyBundle } from '../main/bundles/verify-bundle';
import { planChecksumLine, withoutChecksumLine } from '../main/ceremonies/plan-checksum';
import { maxPlanFileBytes, readPlanFile } from '../main/ceremonies/plan-file';
import { defaultDataDir } from '../main/data-dir';
import { readSmallText } from '../main/files/read-small';
import type { RunningRequest } from '../main/hsm/client/client';
import { nodeHsmChannel } from '../main/hsm/client/node-channel';
import { listRemovableDrives } from '../main/media/drives';
import type { Enrolment } from '../main/officers/enrolment';
import { requireSelfGoverning } from '../main/officers/founding';
import { openWorkstation } from '../main/open-workstation';
import { verifyAuditExport } from '../main/store/audit-export';
import { airGapStatus } from '../main/system/air-gap';
import type { Workstation } from '../main/workstation';
import { KeywardError, toErrorData, type KeywardErrorData } from '../shared/errors';
import { hexGroups } from '../shared/fingerprint';
import { roleNames } from '../shared/officers';
import { rehearsing } from '../shared/settings';
import { utcText } from '../shared/time-text';
import { featuresOf, sheetMarkdown } from '../shared/token-sheet';
import { acknowledgeNetwork, networkDecision } from './air-gap';
import { parseCli, usage, type CliOptions, type CommandName } from './args';
import {
  abortCeremony,
  exportAuditCeremony,
  listCeremonies,
  readPlanToRun,
  resumeCeremony,
  runCeremony,
  writeCeremonyRecord,
  type CheckedPlan,
} from './ceremony-run';
import {
  formatBundleVerification,
  formatCapabilities,
  formatCeremonies,
  formatDrives,
  formatExportSignature,
  formatIdentity,
  formatInventory,
  formatTokenReport,
  formatVerification,
} from './format';
import { choosePassphrase, closeSecretInput } from './secret-input';
import { logInUser, openToken } from './token-login';

/** Until officers are enrolled (the initialisation ceremony), CLI actions are attributed to the workstation. */
const actors = ['workstation'];

/**
 * "Still generating a key (12 s)…" on stderr while an HSM operation runs longer than a few seconds, and
 * again every few seconds: the officers see that Keyward is waiting on the HSM, and for how long.
 */
function stillRunning(write: (text: string) => void): (running: RunningRequest) => void {
  const firstAfterMs = 3_000;
  const everyMs = 5_000;
  let shown: { id: number; atMs: number } | undefined;
  return ({ id, description, elapsedMs }) => {
    if (elapsedMs < firstAfterMs || (shown?.id === id && elapsedMs - shown.atMs < everyMs)) return;
    shown = { id, atMs: elapsedMs };
    write(`Still ${description} (${Math.floor(elapsedMs / 1000)} s)…\n`);
  };
}

/**
 * Whether the command runs, resumes or aborts a change-hsm ceremony: the one session in which an HSM
 * selection its officers are to approve again is opened (Workstation.allowHsmReapproval).
 */
function runsChangeHsm(
  workstation: Workstation,
  plan: CheckedPlan | undefined,
  ceremonyId: string | undefined,
): boolean {
  if (plan) return plan.plan.type === 'change-hsm';
  try {
    return ceremonyId !== undefined && workstation.ceremonies().status(ceremonyId).plan.type === 'change-hsm';
  } catch {
    return false; // the resume or abort reports what is wrong with the ceremony
  }
}

function printError(error: KeywardErrorData, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
  process.stderr.write(`keyward: ${error.message}\nNext step: ${error.nextStep}\n`);
}

const print = (text: string): void => {
  process.stdout.write(text);
};
const printStatus = (text: string): void => {
  process.stderr.write(text);
};

/** A command that needs neither an HSM nor a data folder (on the connected side, on the auditor's machine). */
type Offline = { offline: (options: CliOptions) => Promise<number> | number };
/** A command on this workstation; `readOnly` opens its database read-only (it works on a full disk too). */
type OnWorkstation = { run: (options: CliOptions, workstation: Workstation) => Promise<number>; readOnly?: true };
type Handler = Offline | OnWorkstation;

/** `ceremony transcript` and `ceremony script`: the signed record written to the folder given, and where it is. */
const ceremonyRecord = (record: 'transcript' | 'script', written: string): OnWorkstation => ({
  run: async (options, workstation) => {
    const folder = await writeCeremonyRecord(
      workstation,
      record,
      options.ceremonyId ?? '',
      options.out ?? '',
      options.pinParts,
      print,
    );
    print(`${written}: ${folder}\n`);
    return 0;
  },
});

/** The plan's checksum line, made from the plan as the officers reviewed it. */
function planChecksum(options: CliOptions): number {
  const file = options.planFile ?? '';
  const text = readSmallText(file, maxPlanFileBytes, 'plan file');
  const body = withoutChecksumLine(text);
  readPlanFile(file, body);
  const line = planChecksumLine(body);
  print(options.json ? `${JSON.stringify({ line }, null, 2)}\n` : `${line}\n`);
  return 0;
}

function verifyBundleFolder(options: CliOptions): number {
  const report = verifyBundle(options.bundle ?? '', {
    ...(options.signerFingerprint ? { signerFingerprint: options.signerFingerprint } : {}),
    ...(options.caFile ? { caCertificate: readFileSync(options.caFile) } : {}),
  });
  print(
    options.json
      ? `${JSON.stringify({ ok: report.ok, upload: report.ok && !report.rehearsal, problems: report.problems, rehearsal: report.rehearsal ?? null, signerFingerprint: report.signerFingerprint, approvedBy: report.approvedBy, manifest: report.manifest }, null, 2)}\n`
      : formatBundleVerification(report),
  );
  // A rehearsal bundle verifies, yet is never uploaded: a script that uploads on success stops here.
  return report.ok && !report.rehearsal ? 0 : 1;
}

async function verifyExportedAudit(options: CliOptions): Promise<number> {
  let caCertificate: Buffer | undefined;
  if (options.caFile) {
    try {
      caCertificate = readFileSync(options.caFile);
    } catch {
      throw new KeywardError(
        'INVALID_REQUEST',
        `The CA certificate ${options.caFile} cannot be read.`,
        "Check the path to the organisation's CA certificate (PEM or DER) and run the command again.",
      );
    }
  }
  // The parser has made sure of one of the two; verifyAuditExport refuses without either.
  const anchor = caCertificate
    ? { signerFingerprint: options.signerFingerprint, caCertificate }
    : { signerFingerprint: options.signerFingerprint ?? '' };
  const report = await verifyAuditExport(options.exportFile ?? '', anchor);
  print(
    options.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : `${formatExportSignature(report.signature)}${formatVerification(report.chain, report.checkpoints)}${report.fileProblems.map((p) => `File problem: ${p}.\n`).join('')}`,
  );
  return report.ok ? 0 : 1;
}

/** Checkpoints are verified against the workstation key and the anchor the token holds: a user login. */
async function verifyAudit(options: CliOptions, workstation: Workstation): Promise<number> {
  // Before initialisation there is neither: the hash chain alone is checked, and said to be only that.
  const initialised = workstation.identities().current() !== undefined;
  if (initialised) {
    let tokenName: string;
    try {
      ({ tokenName } = await openToken(workstation));
    } catch (error) {
      // The workstation's records do not show its HSM as approved (settings.json or the database's certificate
      // replaced): no PIN is asked for, and the log cannot be held to the HSM. That is a failed verification.
      if (!(
        error instanceof KeywardError &&
        (error.code === 'HSM_SELECTION_UNAPPROVED' || error.code === 'SIGNATURE_INVALID')
      ))
        throw error;
      const { chain, checkpoints } = unanchoredVerification(
        workstation.audit(),
        workstation.checkpoints(),
        error.message,
      );
      const failed = { ...checkpoints, problem: { checkpoint: 0, message: `${error.message} ${error.nextStep}` } };
      print(
        options.json
          ? `${JSON.stringify({ ok: false, chain, checkpoints: failed }, null, 2)}\n`
          : formatVerification(chain, failed),
      );
      return 1;
    }
    await logInUser(workstation, tokenName, options.pinParts, printStatus);
  }
  const { chain, checkpoints } = initialised
    ? await workstation.verifyAudit()
    : unanchoredVerification(workstation.audit(), workstation.checkpoints(), notInitialisedYet);
  print(
    options.json
      ? `${JSON.stringify({ ok: chain.ok && checkpoints.ok, chain, checkpoints }, null, 2)}\n`
      : formatVerification(chain, checkpoints),
  );
  return chain.ok && checkpoints.ok ? 0 : 1;
}

/** ceremony run, resume and abort: the officers at the terminal, the transcript to --out. */
async function ceremony(options: CliOptions, workstation: Workstation): Promise<number> {
  const runOptions = {
    ...(options.answersFile ? { answersPath: options.answersFile } : {}),
    pinParts: options.pinParts,
    transcriptDir: options.out ?? '',
    print,
    networkAcknowledged: options.networkAcknowledged ?? false,
  };
  const plan = options.command === 'ceremony run' && options.planFile ? readPlanToRun(options.planFile) : undefined;
  if (runsChangeHsm(workstation, plan, options.ceremonyId)) workstation.allowHsmReapproval();
  if (options.command === 'ceremony abort') {
    await abortCeremony(
      workstation,
      options.ceremonyId ?? '',
      options.reason ?? '',
      options.approvers ?? [],
      runOptions,
    );
    return 0;
  }
  const completed = options.planFile
    ? await runCeremony(workstation, options.planFile, runOptions, plan)
    : await resumeCeremony(workstation, options.ceremonyId ?? '', runOptions, options.approvers ?? []);
  return completed ? 0 : 1;
}

async function initialise(options: CliOptions, workstation: Workstation): Promise<number> {
  // Refused before any PIN is typed: a founding set that cannot govern itself, or an unacknowledged network.
  requireSelfGoverning(options.founding ?? [], (type) => workstation.policies().rule(type));
  const network = airGapStatus();
  const mustAcknowledge = networkDecision(network, options.networkAcknowledged ?? false, printStatus);
  const { tokenName } = await openToken(workstation);
  await logInUser(workstation, tokenName, options.pinParts, printStatus);
  const founding: Enrolment[] = [];
  for (const officer of options.founding ?? [])
    founding.push({ ...officer, passphrase: await choosePassphrase(`${officer.id} (${roleNames[officer.role]})`) });
  const { identity, officers } = await workstation.initialise(
    {
      name: options.workstationName ?? '',
      organization: options.organization ?? '',
      spec: options.spec ?? 'ECDSA_P384',
    },
    founding,
  );
  if (mustAcknowledge)
    await acknowledgeNetwork(
      workstation,
      network,
      founding.map((f) => f.id),
      (id, act) => act(founding.find((f) => f.id === id)?.passphrase ?? ''),
      printStatus,
    );
  print(
    options.json
      ? `${JSON.stringify({ publicKeyFingerprint: identity.publicKeyFingerprint, spec: identity.spec, officers: officers.map((o) => ({ id: o.id, role: o.role })) }, null, 2)}\n`
      : `Workstation initialised.\n${formatIdentity(identity)}Founding officers: ${officers.map((o) => `${o.id} (${o.role})`).join(', ')}.\n`,
  );
  return 0;
}

async function checkpoint(options: CliOptions, workstation: Workstation): Promise<number> {
  // Refused before any PIN is typed when there is nothing to sign with.
  workstation.identities().require();
  const { tokenName } = await openToken(workstation);
  await logInUser(workstation, tokenName, options.pinParts, printStatus);
  const written = await workstation.writeCheckpoint(actors);
  print(
    options.json
      ? `${JSON.stringify({ seq: written.seq, headHash: written.headHash, time: written.time }, null, 2)}\n`
      : `Checkpoint written: entry ${written.seq}, head ${hexGroups(written.headHash)}, at ${utcText(written.time)}.\n`,
  );
  return 0;
}

/** What each command does; the table in ./args declares its arguments and help. */
const handlers: Record<CommandName, Handler | ((options: CliOptions) => Handler)> = {
  'plan checksum': { offline: planChecksum },
  'media list': {
    offline: (options) => {
      const drives = listRemovableDrives();
      print(options.json ? `${JSON.stringify(drives, null, 2)}\n` : formatDrives(drives));
      return 0;
    },
  },
  verify: { offline: verifyBundleFolder },
  'audit verify': (options) =>
    options.exportFile !== undefined ? { offline: verifyExportedAudit } : { run: verifyAudit, readOnly: true },
  'key list': {
    readOnly: true,
    run: (options, workstation) => {
      const inventory = workstation.inventory();
      const keys = inventory.list();
      const due = inventory.rotationDue();
      print(options.json ? `${JSON.stringify({ keys, rotationDue: due }, null, 2)}\n` : formatInventory(keys, due));
      return Promise.resolve(0);
    },
  },
  'workstation show': {
    readOnly: true,
    run: (options, workstation) => {
      const identity = workstation.identities().require();
      print(
        options.json
          ? `${JSON.stringify({ ...identity, certificateDer: Buffer.from(identity.certificateDer).toString('base64') }, null, 2)}\n`
          : formatIdentity(identity),
      );
      return Promise.resolve(0);
    },
  },
  'ceremony list': {
    readOnly: true,
    run: (options, workstation) => {
      const list = listCeremonies(workstation);
      print(options.json ? `${JSON.stringify(list, null, 2)}\n` : formatCeremonies(list));
      return Promise.resolve(0);
    },
  },
  'ceremony run': { run: ceremony },
  'ceremony resume': { run: ceremony },
  'ceremony abort': { run: ceremony },
  'ceremony transcript': ceremonyRecord('transcript', 'Signed transcript (JSON and PDF)'),
  'ceremony script': ceremonyRecord('script', 'Signed ceremony script (PDF, to print)'),
  'audit export': {
    run: async (options, workstation) => {
      const out = options.out ?? '';
      const exported = await exportAuditCeremony(workstation, out, options.approvers ?? [], {
        pinParts: options.pinParts,
        print,
        networkAcknowledged: options.networkAcknowledged ?? false,
      });
      if (exported)
        print(`Wrote ${out}, with ${out}.p7s (its signature) and ${out}.signer.pem (the signer's certificate).\n`);
      return exported ? 0 : 1;
    },
  },
  'workstation init': { run: initialise },
  'audit checkpoint': { run: checkpoint },
  'token probe': {
    run: async (options, workstation) => {
      const sheet = await workstation.probe(options.module, options.tokenUri);
      const rehearsal =
        options.module === undefined ? rehearsing(workstation.settings()) : options.rehearsalOnly === true;
      print(
        options.json
          ? `${JSON.stringify({ rehearsal, ...sheet, features: featuresOf(sheet.capabilities) }, null, 2)}\n`
          : options.markdown
            ? sheetMarkdown(sheet)
            : formatCapabilities(sheet, rehearsal),
      );
      return 0;
    },
  },
  'token list': {
    run: async (options, workstation) => {
      const report = await workstation.tokenReport(options.module, options.tokenUri);
      print(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatTokenReport(report));
      return 0;
    },
  },
};

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    printError(toErrorData(error, true), json);
    return 2;
  }
  if (options.command === 'help') {
    print(`${usage}\n`);
    return 0;
  }
  const entry = handlers[options.command];
  const handler = typeof entry === 'function' ? entry(options) : entry;
  if ('offline' in handler) {
    try {
      return await handler.offline(options);
    } catch (error) {
      printError(toErrorData(error, true), options.json);
      return 1;
    }
  }
  // --module with --token selects the HSM for this run (token list/probe with --module alone read any token).
  const override =
    options.module !== undefined && options.tokenUri !== undefined
      ? {
          mode: 'hsm' as const,
          ...options.module,
          tokenUri: options.tokenUri,
          ...(options.rehearsalOnly ? { rehearsalOnly: true as const } : {}),
        }
      : undefined;
  const workstation = openWorkstation(options.dataDir ?? defaultDataDir(), nodeHsmChannel, override, {
    onProgress: stillRunning(printStatus),
  });
  if (handler.readOnly) workstation.readOnly();
  try {
    return await handler.run(options, workstation);
  } catch (error) {
    printError(toErrorData(error, handler.readOnly === true), options.json);
    return 1;
  } finally {
    closeSecretInput();
    workstation.close();
  }
}
