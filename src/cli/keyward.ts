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
import { verifyAuditExport } from '../main/store/audit-export';
import { airGapStatus } from '../main/system/air-gap';
import { Workstation } from '../main/workstation';
import { KeywardError, toErrorData, type KeywardErrorData } from '../shared/errors';
import { hexGroups } from '../shared/fingerprint';
import { roleNames } from '../shared/officers';
import { acknowledgeNetwork, networkDecision } from './air-gap';
import { parseCli, usage } from './args';
import {
  abortCeremony,
  exportAuditCeremony,
  listCeremonies,
  readPlanToRun,
  resumeCeremony,
  runCeremony,
  writeCeremonyTranscript,
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

/** Commands that only read the workstation's data: its database is opened read-only, which works on a full disk too. */
const readOnlyCommands = new Set(['key list', 'workstation show', 'ceremony list', 'audit verify']);

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

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  let options;
  try {
    options = parseCli(argv);
  } catch (error) {
    printError(toErrorData(error, true), json);
    return 2;
  }
  if (options.command === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (options.command === 'plan checksum' && options.planFile) {
    // No HSM and no data folder: the line is made from the plan as the officers reviewed it.
    try {
      const text = readSmallText(options.planFile, maxPlanFileBytes, 'plan file');
      const body = withoutChecksumLine(text);
      readPlanFile(options.planFile, body);
      const line = planChecksumLine(body);
      process.stdout.write(options.json ? `${JSON.stringify({ line }, null, 2)}\n` : `${line}\n`);
      return 0;
    } catch (error) {
      printError(toErrorData(error, true), options.json);
      return 1;
    }
  }
  if (options.command === 'media list') {
    try {
      const drives = listRemovableDrives();
      process.stdout.write(options.json ? `${JSON.stringify(drives, null, 2)}\n` : formatDrives(drives));
      return 0;
    } catch (error) {
      printError(toErrorData(error, true), options.json);
      return 1;
    }
  }
  if (options.command === 'verify' && options.bundle) {
    // On the connected side: no HSM, no Keyward data directory.
    try {
      const report = verifyBundle(options.bundle, {
        ...(options.signerFingerprint ? { signerFingerprint: options.signerFingerprint } : {}),
        ...(options.caFile ? { caCertificate: readFileSync(options.caFile) } : {}),
      });
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ ok: report.ok, problems: report.problems, signerFingerprint: report.signerFingerprint, approvedBy: report.approvedBy, manifest: report.manifest }, null, 2)}\n`
          : formatBundleVerification(report),
      );
      return report.ok ? 0 : 1;
    } catch (error) {
      printError(toErrorData(error, true), options.json);
      return 1;
    }
  }
  if (options.command === 'audit verify' && options.exportFile) {
    // On the auditor's machine: no HSM, no Keyward data directory.
    try {
      let caCertificate: Buffer | undefined;
      if (options.caFile) {
        try {
          caCertificate = readFileSync(options.caFile);
        } catch {
          printError(
            {
              code: 'INVALID_REQUEST',
              message: `The CA certificate ${options.caFile} cannot be read.`,
              nextStep: "Check the path to the organisation's CA certificate (PEM or DER) and run the command again.",
            },
            options.json,
          );
          return 1;
        }
      }
      // The parser has made sure of one of the two; verifyAuditExport refuses without either.
      const anchor = caCertificate
        ? { signerFingerprint: options.signerFingerprint, caCertificate }
        : { signerFingerprint: options.signerFingerprint ?? '' };
      const report = await verifyAuditExport(options.exportFile, anchor);
      process.stdout.write(
        options.json
          ? `${JSON.stringify(report, null, 2)}\n`
          : `${formatExportSignature(report.signature)}${formatVerification(report.chain, report.checkpoints)}${report.fileProblems.map((p) => `File problem: ${p}.\n`).join('')}`,
      );
      return report.ok ? 0 : 1;
    } catch (error) {
      printError(toErrorData(error, true), options.json);
      return 1;
    }
  }
  // --module with --token selects the HSM for this run (token list/probe with --module alone read any token).
  const override =
    options.modulePath !== undefined && options.tokenUri !== undefined
      ? { mode: 'hsm' as const, modulePath: options.modulePath, tokenUri: options.tokenUri }
      : undefined;
  const workstation = new Workstation(options.dataDir ?? defaultDataDir(), nodeHsmChannel, override, {
    onProgress: stillRunning((text) => process.stderr.write(text)),
  });
  const readOnly = readOnlyCommands.has(options.command) && !options.exportFile;
  if (readOnly) workstation.readOnly();
  try {
    if (options.command === 'key list') {
      const inventory = workstation.inventory();
      const keys = inventory.list();
      const due = inventory.rotationDue();
      process.stdout.write(
        options.json ? `${JSON.stringify({ keys, rotationDue: due }, null, 2)}\n` : formatInventory(keys, due),
      );
      return 0;
    }
    if (options.command === 'workstation show') {
      const identity = workstation.identities().require();
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ ...identity, certificateDer: Buffer.from(identity.certificateDer).toString('base64') }, null, 2)}\n`
          : formatIdentity(identity),
      );
      return 0;
    }
    if (
      (options.command === 'ceremony run' ||
        options.command === 'ceremony resume' ||
        options.command === 'ceremony abort') &&
      options.out
    ) {
      const runOptions = {
        ...(options.answersFile ? { answersPath: options.answersFile } : {}),
        pinParts: options.pinParts,
        transcriptDir: options.out,
        print: (text: string) => process.stdout.write(text),
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
    if (options.command === 'ceremony transcript' && options.out) {
      const folder = await writeCeremonyTranscript(
        workstation,
        options.ceremonyId ?? '',
        options.out,
        options.pinParts,
        (text) => process.stdout.write(text),
      );
      process.stdout.write(`Signed transcript (JSON and PDF): ${folder}\n`);
      return 0;
    }
    if (options.command === 'ceremony list') {
      const list = listCeremonies(workstation);
      process.stdout.write(options.json ? `${JSON.stringify(list, null, 2)}\n` : formatCeremonies(list));
      return 0;
    }
    if (options.command === 'audit export' && options.out) {
      const exported = await exportAuditCeremony(workstation, options.out, options.approvers ?? [], {
        pinParts: options.pinParts,
        print: (text: string) => process.stdout.write(text),
        networkAcknowledged: options.networkAcknowledged ?? false,
      });
      if (exported)
        process.stdout.write(
          `Wrote ${options.out}, with ${options.out}.p7s (its signature) and ${options.out}.signer.pem (the signer's certificate).\n`,
        );
      return exported ? 0 : 1;
    }
    if (options.command === 'workstation init' || options.command === 'audit checkpoint') {
      // Refused before any PIN is typed when there is nothing to sign with, or (initialisation) on an unacknowledged network.
      if (options.command !== 'workstation init') workstation.identities().require();
      else requireSelfGoverning(options.founding ?? []);
      const network = options.command === 'workstation init' ? airGapStatus() : undefined;
      const mustAcknowledge =
        network !== undefined &&
        networkDecision(network, options.networkAcknowledged ?? false, (text) => process.stderr.write(text));
      const { tokenName } = await openToken(workstation);
      await logInUser(workstation, tokenName, options.pinParts, (text) => process.stderr.write(text));
      if (options.command === 'workstation init') {
        const founding: Enrolment[] = [];
        for (const officer of options.founding ?? []) {
          founding.push({
            ...officer,
            passphrase: await choosePassphrase(`${officer.id} (${roleNames[officer.role]})`),
          });
        }
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
            (id) => Promise.resolve(founding.find((f) => f.id === id)?.passphrase ?? ''),
            (text) => process.stderr.write(text),
          );
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ publicKeyFingerprint: identity.publicKeyFingerprint, spec: identity.spec, officers: officers.map((o) => ({ id: o.id, role: o.role })) }, null, 2)}\n`
            : `Workstation initialised.\n${formatIdentity(identity)}Founding officers: ${officers.map((o) => `${o.id} (${o.role})`).join(', ')}.\n`,
        );
      } else {
        const checkpoint = await workstation.writeCheckpoint(actors);
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ seq: checkpoint.seq, headHash: checkpoint.headHash, time: checkpoint.time }, null, 2)}\n`
            : `Checkpoint written: entry ${checkpoint.seq}, head ${hexGroups(checkpoint.headHash)}, at ${checkpoint.time}.\n`,
        );
      }
      return 0;
    }
    if (options.command === 'audit verify') {
      // Checkpoints are verified against the workstation key and the anchor the token holds: a user login.
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
          process.stdout.write(
            options.json
              ? `${JSON.stringify({ ok: false, chain, checkpoints: failed }, null, 2)}\n`
              : formatVerification(chain, failed),
          );
          return 1;
        }
        await logInUser(workstation, tokenName, options.pinParts, (text) => process.stderr.write(text));
      }
      const { chain, checkpoints } = initialised
        ? await workstation.verifyAudit()
        : unanchoredVerification(workstation.audit(), workstation.checkpoints(), notInitialisedYet);
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ ok: chain.ok && checkpoints.ok, chain, checkpoints }, null, 2)}\n`
          : formatVerification(chain, checkpoints),
      );
      return chain.ok && checkpoints.ok ? 0 : 1;
    }
    if (options.command === 'token probe') {
      const capabilities = await workstation.probe(options.modulePath, options.tokenUri);
      const rehearsal = options.modulePath === undefined && workstation.settings().mode === 'rehearsal';
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ rehearsal, ...capabilities }, null, 2)}\n`
          : formatCapabilities(capabilities, rehearsal),
      );
    } else {
      const report = await workstation.tokenReport(options.modulePath, options.tokenUri);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatTokenReport(report));
    }
    return 0;
  } catch (error) {
    printError(toErrorData(error, readOnly), options.json);
    return 1;
  } finally {
    closeSecretInput();
    workstation.close();
  }
}
