/**
 * `keyward ceremony run PLAN.yaml`: the plan and its digest shown first (hex and PGP words, to read
 * aloud), each officer checks in with their passphrase, each sensitive step is approved by officers in
 * turn until the quorum is met, and every step's outcome is printed. Passphrases come from the terminal,
 * or on the rehearsal token from an answers file.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { maxShareFileBytes, readShare } from '../main/backup/shares';
import {
  newCeremonyId,
  refuseRecordOutOfTurn,
  type AbortOutcome,
  type CeremonyEngine,
  type EngineDependencies,
  type StepPlan,
} from '../main/ceremonies/engine';
import { openCeremonyEngine } from '../main/ceremonies/open-engine';
import {
  maxPlanFileBytes,
  readAnswersFile,
  readCheckedPlanFile,
  type Answers,
  type PlanFile,
} from '../main/ceremonies/plan-file';
import { planSteps } from '../main/ceremonies/plan-steps';
import { listCeremonySummaries } from '../main/ceremonies/summary';
import { readSmallText } from '../main/files/read-small';
import type { Enrolment } from '../main/officers/enrolment';
import { requireSelfGoverning } from '../main/officers/founding';
import { describeHolder, lockHolder } from '../main/store/instance-lock';
import { airGapStatus } from '../main/system/air-gap';
import type { Workstation } from '../main/workstation';
import type { AirGapStatus } from '../shared/air-gap';
import {
  describeRollback,
  keptStepWords,
  type CeremonyPlan,
  type CeremonyStatus,
  type CeremonySummary,
  type StepValue,
} from '../shared/ceremonies';
import { KeywardError, toErrorData } from '../shared/errors';
import { hexGroups, pgpWordsOf } from '../shared/fingerprint';
import { countsTowardsQuorum, roleNames, rolesInWords, type Approval } from '../shared/officers';
import { shareHandoverSteps, sharesHandedOut } from '../shared/share-files';
import { acknowledgeNetwork, acknowledgerAmong, networkDecision } from './air-gap';
import { formatFingerprint } from './format';
import { choosePassphrase, readPinParts, readSecret } from './secret-input';
import { logInUser, openToken } from './token-login';

type Print = (text: string) => void;

const readText = (path: string, what: string): string =>
  readSmallText(path, what === 'share file' ? maxShareFileBytes : maxPlanFileBytes, what);

/** A value as printed under its step: long ones (a key in base64) by their SHA-256, so a damaged one still shows. */
function printedValue(value: StepValue): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length <= 100
    ? text
    : `${text.length} characters, SHA-256 ${createHash('sha256').update(text).digest('hex').slice(0, 16)}…`;
}

/** Every value the step acts on, as its digest covers them, and the token objects it will create. */
function stepValues(step: CeremonyPlan['steps'][number]): string[] {
  const values = Object.entries(step.params).map(([name, value]) => `${name}: ${printedValue(value)}`);
  const objects = step.objects.map((o) => `"${o.label}" (CKA_ID ${o.id})`);
  return [
    ...(values.length ? [`       values: ${values.join('; ')}`] : []),
    ...(objects.length ? [`       creates: ${objects.join(', ')}`] : []),
  ];
}

export function describePlan(plan: CeremonyPlan): string {
  return [
    `CEREMONY ${plan.title}`,
    `Ceremony id: ${plan.id}`,
    ...plan.steps.flatMap((s) => [
      `  ${s.index + 1}. ${s.description}${s.sensitive ? " [needs the quorum's approval]" : ''}`,
      ...stepValues(s),
    ]),
    'Plan digest (read it aloud; every officer checks it before checking in):',
    `  ${hexGroups(plan.planDigest)}`,
    `  ${pgpWordsOf(plan.planDigest).join(' ')}`,
    '',
  ].join('\n');
}

export interface CeremonyRunOptions {
  /** On the rehearsal token only: PIN parts, passphrases and share files from a file. */
  answersPath?: string;
  /** The user PIN is typed in this many parts. */
  pinParts: number;
  /** The drive folder for the signed transcript. */
  transcriptDir: string;
  print: Print;
  /** A security officer has read the air-gap findings and acknowledges them. */
  networkAcknowledged: boolean;
  /** Fault injection for tests only (a crash at a chosen point of a step); never set by the command line. */
  crash?: EngineDependencies['crash'];
}

/** The transcript's folder is checked before anything happens, not found missing once the ceremony is over. */
function requireFolder(folder: string): void {
  let isFolder = false;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder)
    throw new KeywardError(
      'INVALID_REQUEST',
      `The transcript folder ${folder} does not exist (or is not a folder); nothing was done.`,
      'Insert and mount the drive, or name an existing folder with --out.',
    );
}

/** What a ceremony run on the command line needs once the token is open: the answers (rehearsal) and a way to ask each officer. */
interface Session {
  answers: Answers | undefined;
  tokenName: string;
  mustAcknowledge: boolean;
  network: AirGapStatus;
  passphrase(officer: string, purpose: string): Promise<string>;
  /**
   * Asks the officer's passphrase and acts with it; a wrong one typed at the terminal is asked again while
   * attempts are left (each counts towards the lock-out), so one typo does not end the ceremony.
   */
  withPassphrase<T>(officer: string, purpose: string, act: (passphrase: string) => Promise<T>): Promise<T>;
}

/** Before any PIN is typed: the air gap, the workstation key, the token and (rehearsal only) the answers file; then the user login. */
async function openSession(
  workstation: Workstation,
  options: CeremonyRunOptions,
  present: { initialising: boolean; officers: string[] },
): Promise<Session> {
  const network = airGapStatus();
  const mustAcknowledge = networkDecision(network, options.networkAcknowledged, options.print);
  // Refused before any PIN is typed: only the initialisation runs on a workstation without its signing key;
  // on a network, a security officer must be present; and only one Keyward at a time works on a workstation.
  if (!present.initialising) {
    workstation.identities().require();
    if (mustAcknowledge) acknowledgerAmong(workstation, present.officers);
  }
  const { rehearsal, tokenName } = await openToken(workstation);
  let answers: Answers | undefined;
  if (options.answersPath) {
    if (!rehearsal) {
      throw new KeywardError(
        'INVALID_REQUEST',
        'An answers file is accepted on the rehearsal token only: on a real HSM every PIN part and passphrase is typed by its officer.',
        'Run the ceremony without --answers.',
      );
    }
    answers = readAnswersFile(options.answersPath, readText(options.answersPath, 'answers file'));
  }
  await logInUser(workstation, tokenName, answers?.pinParts ?? options.pinParts, options.print);
  const passphrase = async (officer: string, purpose: string): Promise<string> => {
    const given = answers?.passphrases[officer];
    if (answers) {
      if (!given)
        throw new KeywardError(
          'INVALID_REQUEST',
          `The answers file has no passphrase for ${officer}.`,
          'Add it, or run the ceremony without --answers.',
        );
      return given;
    }
    return readSecret(`${officer}, type your passphrase to ${purpose} (not shown): `);
  };
  const withPassphrase = async <T>(
    officer: string,
    purpose: string,
    act: (passphrase: string) => Promise<T>,
  ): Promise<T> => {
    for (;;) {
      try {
        return await act(await passphrase(officer, purpose));
      } catch (error) {
        // An answers file gives the same passphrase again: asking again would only use up the attempts.
        if (answers || !(error instanceof KeywardError && error.code === 'PASSPHRASE_WRONG')) throw error;
        process.stderr.write(`${error.message} ${error.nextStep}\n`);
      }
    }
  };
  return { answers, tokenName, mustAcknowledge, network, passphrase, withPassphrase };
}

/** The engine, its prompts asking at the terminal (or, in a rehearsal, reading the answers file); an interrupted step is rolled back as it opens. */
async function openEngine(
  workstation: Workstation,
  session: Session,
  options: CeremonyRunOptions,
): Promise<CeremonyEngine> {
  const { answers, tokenName } = session;
  const engine = await openCeremonyEngine(
    workstation,
    {
      pinParts: async (role) => {
        if (role === 'user') return answers?.pinParts ?? readPinParts(tokenName, 'user', options.pinParts);
        if (answers && !answers.soPinParts)
          throw new KeywardError(
            'INVALID_REQUEST',
            "This ceremony needs the security officer's PIN, and the answers file has no soPinParts.",
            'Add them to the answers file.',
          );
        return answers?.soPinParts ?? readPinParts(tokenName, 'security-officer', 1);
      },
      backupShares: async (backupId, threshold) => {
        // Each custodian gives the path of their share file, or types its words; in a rehearsal, the answers file names the files.
        const given = answers
          ? (answers.shareFiles ?? []).map((path) =>
              readText(resolve(dirname(options.answersPath ?? '.'), path), 'share file'),
            )
          : [];
        if (answers && given.length < threshold)
          throw new KeywardError(
            'INVALID_REQUEST',
            `The answers file names ${given.length} share file(s); this backup needs ${threshold}.`,
            'Add shareFiles to the answers file.',
          );
        const shares: Uint8Array[] = [];
        for (let i = 0; i < threshold; i++) {
          const input =
            given[i] ??
            (await readSecret(
              `Custodian ${i + 1} of ${threshold}: the path of your share file, or your share's words (not shown): `,
            ));
          shares.push(readShare(backupId, input.startsWith('/') ? readText(input.trim(), 'share file') : input));
        }
        return shares;
      },
      newPassphrase: async (officer) => {
        if (answers) return session.passphrase(officer, 'enrol');
        return choosePassphrase(officer);
      },
    },
    options.crash ? { crash: options.crash } : {},
  );
  // Whichever ceremony it was, the officers are told what a rolled-back step had made and written.
  for (const rolledBack of engine.recovered) options.print(`${describeRollback(rolledBack)}\n`);
  return engine;
}

/** A plan file as `ceremony run` reads it: once, so what decides how the session opens is what runs. */
export type CheckedPlan = ReturnType<typeof readCheckedPlanFile>;

export const readPlanToRun = (planPath: string): CheckedPlan =>
  readCheckedPlanFile(planPath, readText(planPath, 'plan file'));

export async function runCeremony(
  workstation: Workstation,
  planPath: string,
  options: CeremonyRunOptions,
  read: CheckedPlan = readPlanToRun(planPath),
): Promise<boolean> {
  requireFolder(options.transcriptDir);
  const { plan: planFile, checksum } = read;
  options.print(
    checksum.state === 'verified'
      ? `Plan file ${planPath}: its checksum line verified (SHA-256 ${hexGroups(checksum.sha256).split(' ').slice(0, 4).join(' ')} …).\n`
      : `Plan file ${planPath} carries no checksum line: read every value below against the plan you reviewed ("keyward plan checksum" makes the line).\n`,
  );
  return runPlan(workstation, planFile, dirname(planPath), options);
}

/**
 * `keyward audit export --out FILE --officer ID`: the export-audit ceremony, as the app runs it, so the
 * export policy's quorum approves it (by default one auditor or security officer); its transcript goes
 * next to the export.
 */
export function exportAuditCeremony(
  workstation: Workstation,
  out: string,
  officers: string[],
  options: Omit<CeremonyRunOptions, 'transcriptDir'>,
): Promise<boolean> {
  const transcriptDir = dirname(out);
  requireFolder(transcriptDir);
  const plan = {
    type: 'export-audit' as const,
    officers,
    plan: { ceremony: 'export-audit' as const, officers, file: out },
  };
  return runPlan(workstation, plan, transcriptDir, {
    ...options,
    transcriptDir,
  });
}

/** Enough of the officers named can approve the plan's sensitive steps under its policy; refused before anything is typed. */
function requireApprovers(
  workstation: Workstation,
  type: string,
  steps: Pick<StepPlan, 'sensitive'>[],
  officers: string[],
  nextStep = 'Name enough officers in those roles (in the plan file, or with --officer), then run it again.',
): void {
  const roles = officers.map((id) => ({ id, role: workstation.officers().get(id).role }));
  if (!steps.some((s) => s.sensitive)) return;
  const policy = workstation.policy(type);
  const needed = workstation.policies().quorumNeeded(type);
  const able = roles.filter((o) => countsTowardsQuorum(policy, o.role));
  if (able.length < needed) {
    throw new KeywardError(
      'QUORUM_NOT_MET',
      `This ceremony needs ${needed} approval${needed > 1 ? 's' : ''} from officers in the roles ${rolesInWords(policy.roles)}; ${officers.length ? `of the officers present (${roles.map((o) => `${o.id}: ${roleNames[o.role]}`).join(', ')}), ${able.length} can give one` : 'no officer is present to give one'}. Nothing was done.`,
      nextStep,
    );
  }
}

/** A validated plan, its relative paths taken from `baseDir`: login, plan and digest, check-in, every step, transcript. */
async function runPlan(
  workstation: Workstation,
  planFile: PlanFile,
  baseDir: string,
  options: CeremonyRunOptions,
): Promise<boolean> {
  const { print } = options;
  if (planFile.type === 'initialise-workstation') {
    const { workstation: about, founding: foundingOfficers } = planFile.plan;
    requireSelfGoverning(foundingOfficers, (type) => workstation.policies().rule(type)); // before any PIN or passphrase is typed
    const session = await openSession(workstation, options, { initialising: true, officers: [] });
    const founding: Enrolment[] = [];
    for (const officer of foundingOfficers) {
      const chosen =
        session.answers?.passphrases[officer.id] ??
        (await choosePassphrase(`${officer.id} (${roleNames[officer.role]})`));
      founding.push({ id: officer.id, displayName: officer.name, role: officer.role, passphrase: chosen });
    }
    const { identity, officers } = await workstation.initialise(
      { name: about.name, organization: about.organization, spec: about.signingKey },
      founding,
    );
    if (session.mustAcknowledge)
      await acknowledgeNetwork(
        workstation,
        session.network,
        founding.map((f) => f.id),
        (id, act) => act(founding.find((f) => f.id === id)?.passphrase ?? ''),
        print,
      );
    print(
      `Workstation initialised: signing key ${identity.spec}, fingerprint ${hexGroups(identity.publicKeyFingerprint)}\n  ${pgpWordsOf(identity.publicKeyFingerprint).join(' ')}\nFounding officers: ${officers.map((o) => `${o.id} (${o.role})`).join(', ')}.\n`,
    );
    return true;
  }
  // The plan is validated, and the officers named checked against its policy, before any PIN is typed.
  workstation.identities().require();
  const id = newCeremonyId(planFile.type);
  const { title, steps } = await planSteps(workstation, planFile, (name) => resolve(baseDir, name), id);
  requireApprovers(workstation, planFile.type, steps, planFile.officers);
  const session = await openSession(workstation, options, { initialising: false, officers: planFile.officers });
  const engine = await openEngine(workstation, session, options);
  if (session.mustAcknowledge)
    await acknowledgeNetwork(
      workstation,
      session.network,
      planFile.officers,
      (officer, act) => session.withPassphrase(officer, 'acknowledge the air-gap findings', act),
      print,
    );
  const plan = await engine.plan(planFile.type, title, steps, id);
  print(describePlan(plan));
  try {
    for (const officer of planFile.officers) {
      await session.withPassphrase(officer, 'check in to this plan', (p) => engine.checkIn(plan.id, officer, p));
      print(`${officer} checked in.\n`);
    }
  } catch (error) {
    // Nothing has been done yet: the ceremony is ended here rather than left waiting for officers who are not there.
    const data = toErrorData(error);
    await engine.abort(plan.id, `Not every officer could check in: ${data.message}`, []);
    throw new KeywardError(
      data.code,
      `${data.message} Nothing was done; the ceremony ${plan.id} was ended (aborted).`,
      `${data.nextStep} Then run the ceremony again.`,
    );
  }
  return runRemainingSteps({ workstation, engine, id: plan.id, officers: planFile.officers, session, options });
}

/**
 * `keyward ceremony resume ID`: a ceremony a crash, a power cut or a failed step left unfinished goes on
 * from its last completed step. A step left running is rolled back first (what it had made on the token
 * destroyed, audited); the officers who checked in approve, with their passphrases, the steps that still
 * need the quorum.
 */
export async function resumeCeremony(
  workstation: Workstation,
  id: string,
  options: CeremonyRunOptions,
  arriving: string[] = [],
): Promise<boolean> {
  const { print } = options;
  requireFolder(options.transcriptDir);
  const before = unfinished(workstation, id, 'resume');
  // The officers present: those who checked in before it stopped, and those checking in now.
  const present = [...new Set([...before.checkedIn, ...arriving])];
  const remaining = before.plan.steps.filter((s) => before.steps[s.index]?.state !== 'done');
  requireApprovers(
    workstation,
    before.plan.type,
    remaining,
    present,
    `Officers checked in so far: ${before.checkedIn.join(', ') || 'none'}. Name each officer arriving now, who checks in with their passphrase: keyward ceremony resume ${id} --officer ID [--officer ID]... --out DIR. Or end the ceremony: keyward ceremony abort ${id} --reason TEXT --out DIR.`,
  );
  const { session, engine, status: now } = await openWithOfficers(workstation, id, present, options);
  const done = now.steps.filter((s) => s.state === 'done').length;
  print(
    `Resuming: ${done} of ${now.steps.length} steps done; officers checked in: ${now.checkedIn.join(', ') || 'none'}.\n`,
  );
  return runRemainingSteps({ workstation, engine, id, officers: now.checkedIn, session, options });
}

/**
 * An unfinished ceremony opened for the officers present: the login, the engine (a step left running is
 * rolled back), the air-gap acknowledgement, the plan printed, and each of them who had not checked in
 * checking in now, with their passphrase.
 */
async function openWithOfficers(
  workstation: Workstation,
  id: string,
  present: string[],
  options: CeremonyRunOptions,
): Promise<{ session: Session; engine: CeremonyEngine; status: CeremonyStatus }> {
  const { print } = options;
  const session = await openSession(workstation, options, { initialising: false, officers: present });
  const engine = await openEngine(workstation, session, options);
  if (session.mustAcknowledge)
    await acknowledgeNetwork(
      workstation,
      session.network,
      present,
      (officer, act) => session.withPassphrase(officer, 'acknowledge the air-gap findings', act),
      print,
    );
  const planned = engine.status(id);
  print(describePlan(planned.plan));
  for (const officer of present.filter((o) => !planned.checkedIn.includes(o))) {
    await session.withPassphrase(officer, 'check in to this plan', (p) => engine.checkIn(id, officer, p));
    print(`${officer} checked in.\n`);
  }
  return { session, engine, status: engine.status(id) };
}

/** The ceremony, when it has not ended; otherwise a refusal saying what there is instead. */
function unfinished(workstation: Workstation, id: string, what: 'resume' | 'abort'): CeremonyStatus {
  const status = workstation.ceremonies().status(id);
  if (status.state === 'completed' || status.state === 'aborted') {
    throw new KeywardError(
      'CEREMONY_ENDED',
      `Ceremony ${id} has ended (${status.state}); there is nothing to ${what}.`,
      `Its signed transcript: "keyward ceremony transcript ${id} --out DIR". Plan a new ceremony if the work is still needed.`,
    );
  }
  return status;
}

/**
 * `keyward ceremony abort ID --reason TEXT`: the app's abort, at the terminal. Each officer who checked in
 * and is present signs the abort for the reason (their passphrase); the engine then undoes what those
 * signatures allow (a step that took effect only with the quorum's), and the transcript is written.
 */
export async function abortCeremony(
  workstation: Workstation,
  id: string,
  reason: string,
  named: string[],
  options: CeremonyRunOptions,
): Promise<void> {
  const { print } = options;
  requireFolder(options.transcriptDir);
  const before = unfinished(workstation, id, 'abort');
  // As in the app, an officer who had not checked in checks in (signing the plan digest) before signing the abort.
  for (const officer of named) workstation.officers().get(officer);
  // By default, the checked-in officers whose role may sign this ceremony's abort: nobody types a
  // passphrase for a signature that cannot count.
  const policy = workstation.policy(before.plan.type);
  const signers = named.length
    ? named
    : before.checkedIn.filter((officer) => countsTowardsQuorum(policy, workstation.officers().get(officer).role));
  const { session, engine, status } = await openWithOfficers(workstation, id, signers, options);
  print(describeAbortReach(engine, status));
  const approvals: Approval[] = [];
  for (const officer of signers) {
    approvals.push(
      await session.withPassphrase(officer, `sign the abort of ${id} ("${reason}")`, (p) =>
        engine.approveAbort(id, officer, p, reason),
      ),
    );
    print(`  abort signed by ${officer}\n`);
  }
  const outcome = await engine.abort(id, reason, approvals);
  print(describeAbortOutcome(id, outcome));
  print(`Signed transcript (JSON and PDF): ${await engine.writeTranscript(id, options.transcriptDir)}\n`);
}

const stepList = (indices: number[]): string =>
  [...indices]
    .sort((a, b) => a - b)
    .map((i) => i + 1)
    .join(', ');

/** Before anyone signs: what one officer's abort undoes, and what only the quorum's does. */
function describeAbortReach(engine: CeremonyEngine, status: CeremonyStatus): string {
  const alone = engine.abortReach(status, false);
  const quorum = engine.abortReach(status, true);
  if (alone.undo.length === 0 && alone.kept.length === 0) return 'No step has been done: the ceremony simply ends.\n';
  return [
    alone.undo.length
      ? `Aborting undoes step(s) ${stepList(alone.undo)}: what they created in the token is destroyed.`
      : "One officer's abort undoes no step.",
    ...(alone.kept.length
      ? [
          `One officer's abort leaves step(s) ${stepList(alone.kept)} as done; signed by the quorum, it undoes step(s) ${stepList(quorum.undo) || 'none'}.`,
        ]
      : []),
    ...quorum.changed.map((c) => keptStepWords(c, 'before')),
    '',
  ].join('\n');
}

function describeAbortOutcome(id: string, outcome: AbortOutcome): string {
  return [
    `Ceremony ${id} aborted (recorded in the audit log with each signed reason).`,
    outcome.undone.length ? `Undone: step(s) ${stepList(outcome.undone)}.` : 'No step was undone.',
    ...(outcome.kept.length ? [`Kept as done: step(s) ${stepList(outcome.kept)}.`] : []),
    ...outcome.changed.map((c) => keptStepWords(c, 'after')),
    '',
  ].join('\n');
}

/** A ceremony being run from the command line: the officers present and the session they typed into. */
interface StepRun {
  workstation: Workstation;
  engine: CeremonyEngine;
  id: string;
  officers: string[];
  session: Session;
  options: CeremonyRunOptions;
}

/** Runs every step not yet done; a failure says how to go on with the ceremony once its cause is fixed. */
async function runRemainingSteps(run: StepRun): Promise<boolean> {
  const { workstation, id } = run;
  try {
    return await runSteps(run);
  } catch (error) {
    const data = toErrorData(error);
    const state = workstation.ceremonies().status(id).state;
    if (state === 'aborted') throw error;
    if (state === 'completed') {
      throw new KeywardError(
        data.code,
        `${data.message} The ceremony itself is complete; only its signed transcript was not written.`,
        `${data.nextStep.split('. ')[0]}. Then write the transcript: keyward ceremony transcript ${id} --out DIR (do not run the ceremony again).`,
      );
    }
    // A plan that no longer holds, or was tampered with, goes no further: it is aborted, not resumed.
    if (data.code === 'CEREMONY_STALE' || data.code === 'CEREMONY_TAMPERED') {
      throw new KeywardError(
        data.code,
        data.message,
        `${data.nextStep} To abort it: keyward ceremony abort ${id} --reason TEXT --out DIR.`,
      );
    }
    throw new KeywardError(
      data.code,
      data.message,
      `${data.nextStep} Then go on with the ceremony where it stopped: keyward ceremony resume ${id} --out DIR.`,
    );
  }
}

/** Every step not yet done, the officers present approving each sensitive one that lacks the quorum; then the transcript. */
async function runSteps({ workstation, engine, id, officers, session, options }: StepRun): Promise<boolean> {
  const { print } = options;
  const { plan } = engine.status(id);
  const policy = workstation.policy(plan.type);
  for (const step of plan.steps) {
    if (engine.status(id).steps[step.index]?.state === 'done') continue;
    if (step.sensitive) {
      print(`Step ${step.index + 1}: ${step.description}\n  step digest ${hexGroups(step.digest.slice(0, 16))}…\n`);
      for (const officer of officers.filter((o) => countsTowardsQuorum(policy, workstation.officers().get(o).role))) {
        const approvedBy = engine.status(id).steps[step.index]?.approvedBy ?? [];
        if (approvedBy.length >= workstation.policies().quorumNeeded(plan.type)) break;
        if (approvedBy.includes(officer)) continue;
        await session.withPassphrase(officer, `approve step ${step.index + 1}`, (p) =>
          engine.approve(id, step.index, officer, p),
        );
        print(`  approved by ${officer}\n`);
      }
    }
    const after = await engine.runNext(id);
    const result = after.steps[step.index]?.result ?? {};
    print(`Step ${step.index + 1} done${stepDetail(result)}.\n`);
    print(shareHandover(result));
  }
  const final = engine.status(id);
  print(final.state === 'completed' ? `Ceremony completed: ${id}.\n` : `Ceremony ${final.state}.\n`);
  print(`Signed transcript (JSON and PDF): ${await engine.writeTranscript(id, options.transcriptDir)}\n`);
  return final.state === 'completed';
}

/** After a backup: who holds which share, and what each custodian does with it before leaving. */
function shareHandover(result: Record<string, StepValue>): string {
  const shares = sharesHandedOut(result);
  if (!shares) return '';
  return [
    'Hand over the shares:',
    ...shares.map((s) => `  ${s.holder}: ${s.folder}`),
    'Each custodian, before leaving:',
    ...shareHandoverSteps.map((step, i) => `  ${i + 1}. ${step}`),
    '',
  ].join('\n');
}

function stepDetail(result: Record<string, StepValue>): string {
  if (typeof result.kcv === 'string')
    return typeof result.publicKeySha256 === 'string'
      ? `: ${formatFingerprint("the key pair's public-key fingerprint (SHA-256), to compare", result.publicKeySha256).trimEnd()}\n(key check value ${result.kcv.toUpperCase()})`
      : `: key check value ${result.kcv.toUpperCase()}`;
  if (
    typeof result.backupId === 'string' &&
    typeof result.kekKcv === 'string' &&
    typeof result.folder === 'string' &&
    Array.isArray(result.shareFolders)
  ) {
    return `: backup ${result.backupId} (backup key check value ${result.kekKcv.toUpperCase()}) in ${result.folder}; shares in ${result.shareFolders.filter((f) => typeof f === 'string').join(', ')}`;
  }
  if (typeof result.file === 'string' && typeof result.sha256 === 'string') {
    const signer =
      typeof result.signerFingerprint === 'string'
        ? `\n${formatFingerprint('Signed by the workstation key', result.signerFingerprint).trimEnd()}`
        : '';
    return `: written to ${result.file} (${typeof result.entries === 'number' ? result.entries : '?'} entries); ${formatFingerprint('its SHA-256, to compare where it is verified', result.sha256).trimEnd()}${signer}`;
  }
  return typeof result.folder === 'string' ? `: written to ${result.folder}` : '';
}

/** `keyward ceremony list`: the unfinished ceremonies (interrupted ones marked) and the recently ended. */
export function listCeremonies(workstation: Workstation): { unfinished: CeremonySummary[]; recent: CeremonySummary[] } {
  // A step marked running belongs to a live Keyward when one holds the data folder: running, not interrupted.
  const holder = lockHolder(workstation.dataDir);
  return listCeremonySummaries(workstation.ceremonies(), workstation.audit(), () =>
    holder ? { interrupted: false, runningIn: describeHolder(holder) } : { interrupted: true },
  );
}

/** The engine for writing a ceremony's record (its transcript or script), signed in the token: the user PIN is needed, nothing else. */
async function recordsEngine(workstation: Workstation, pinParts: number, print: Print, what: string) {
  const { tokenName } = await openToken(workstation);
  await logInUser(workstation, tokenName, pinParts, print);
  const engine = await openCeremonyEngine(workstation, {
    pinParts: () =>
      Promise.reject(
        new KeywardError('INVALID_REQUEST', `Writing ${what} needs no other login.`, 'Run the command again.'),
      ),
    newPassphrase: () =>
      Promise.reject(new KeywardError('INVALID_REQUEST', `Writing ${what} enrols nobody.`, 'Run the command again.')),
    backupShares: () =>
      Promise.reject(new KeywardError('INVALID_REQUEST', `Writing ${what} needs no shares.`, 'Run the command again.')),
  });
  for (const rolledBack of engine.recovered) print(`${describeRollback(rolledBack)}\n`);
  return engine;
}

/** A ceremony's signed records: what each is called, and what to do instead when it is out of its turn. */
const ceremonyRecords = {
  transcript: {
    what: 'a transcript',
    instead: (id: string) => `Go on with it first: keyward ceremony resume ${id} --out DIR.`,
  },
  script: {
    what: 'a ceremony script',
    instead: (id: string) => `Write its transcript instead: keyward ceremony transcript ${id} --out DIR.`,
  },
} as const;

/**
 * `keyward ceremony transcript ID`: the signed transcript of an ended ceremony; `keyward ceremony script ID`:
 * the signed ceremony script (PDF) of a ceremony not yet ended, to print before it. Signed in the token, so
 * the user PIN is needed; refused before it is asked for when the ceremony is not at that point.
 */
export async function writeCeremonyRecord(
  workstation: Workstation,
  record: keyof typeof ceremonyRecords,
  id: string,
  folder: string,
  pinParts: number,
  print: Print,
): Promise<string> {
  requireFolder(folder);
  workstation.identities().require();
  const { what, instead } = ceremonyRecords[record];
  refuseRecordOutOfTurn(id, workstation.ceremonies().status(id).state, record, instead(id));
  const engine = await recordsEngine(workstation, pinParts, print, what);
  return record === 'transcript' ? engine.writeTranscript(id, folder) : engine.writeScript(id, folder);
}
