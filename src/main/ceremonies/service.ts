/**
 * Ceremonies for the app: the same engine and plans as `keyward ceremony run`, driven call by call from
 * the renderer. One token login per session; one privileged operation at a time; the PIN parts, new
 * passphrases and shares a step needs are handed to that step only and dropped when it ends.
 */
import { dirname, resolve } from 'node:path';
import {
  missingInputs,
  stepInputNames,
  type CeremonyView,
  type RecoveredStep,
  type StepInputKind,
  type StepInputs,
} from '../../shared/ceremonies';
import type { BundleCheck, CeremonyList } from '../../shared/contract';
import { errorCodeOf, KeywardError, sessionLostCodes } from '../../shared/errors';
import type { LoginResult, SigningKeySpec } from '../../shared/keys';
import type { DriveEntry, RemovableDrive } from '../../shared/media';
import { type Approval, type OfficerRole } from '../../shared/officers';
import { rehearsing } from '../../shared/settings';
import { notInitialisedYet, unanchoredVerification, type AuditTrailVerification } from '../audit/anchor';
import { maxShareFileBytes, readShare } from '../backup/shares';
import { verifyBundle } from '../bundles/verify-bundle';
import { readSmallText } from '../files/read-small';
import { appDrives, driveEntries, driveOf } from '../media/drive-access';
import { uploadGuide } from '../providers/registry';
import type { AirGapGuard } from '../system/air-gap-guard';
import type { Workstation } from '../workstation';
import type { Place } from './ceremony-type';
import { abortReach, newCeremonyId, type CeremonyEngine } from './engine';
import { openCeremonyEngine } from './open-engine';
import { maxPlanFileBytes, planOf, readPlanFile, type PlanFile } from './plan-file';
import { planSteps } from './plan-steps';
import { ceremonyExecutors } from './registry';
import { stepDetails } from './step-details';
import type { Params } from './steps';
import { listCeremonySummaries } from './summary';

export type PlanRequest = { plan: Record<string, unknown> } | { planFile: string };

export interface FoundingOfficer {
  id: string;
  name: string;
  role: OfficerRole;
  passphrase: string;
}

export interface InitialiseRequest {
  organization: string;
  name: string;
  signingKey: SigningKeySpec;
  founding: FoundingOfficer[];
  /** The air-gap findings the founding security officer read and acknowledges. */
  airGapFindings: string[];
}

/** The places on drives a planned step declares it reads or writes: checked again just before it runs (a drive may have been swapped since the plan). */
function placesOf(step: { action: string; params: Params } | undefined): string[] {
  const executor = step ? ceremonyExecutors[step.action] : undefined;
  if (!step || !executor) return [];
  return [...(executor.writes?.(step.params) ?? []), ...(executor.reads?.(step.params) ?? [])];
}

export class CeremonyService {
  private engine: CeremonyEngine | undefined;
  /** The token was logged in as the user in this session (the engine exists once the workstation is initialised). */
  private loggedIn = false;
  private inputs: StepInputs = {};
  /** Signed aborts given so far, by ceremony, for one reason: signed by the quorum, an abort may undo steps that took effect. */
  private readonly abortApprovals = new Map<string, { reason: string; approvals: Approval[] }>();
  private busy: string | undefined;
  /** The ceremony whose step is running now: a running step of any other ceremony was interrupted. */
  private running: string | undefined;

  constructor(
    private readonly workstation: Workstation,
    private readonly airGap: AirGapGuard,
  ) {}

  /** Drops the engine (the token changed, or its login was lost): the officers log in again. */
  reset(): void {
    this.engine = undefined;
    this.loggedIn = false;
  }

  /** Practice folders count as drives on the rehearsal token only; the settings say which token is in use, without asking the HSM. */
  drives(): Promise<RemovableDrive[]> {
    return Promise.resolve(appDrives(this.workstation.dataDir, rehearsing(this.workstation.settings())));
  }

  async driveEntries(mountPoint: string): Promise<DriveEntry[]> {
    const drive = (await this.drives()).find((d) => d.mountPoint === mountPoint);
    if (!drive)
      throw new KeywardError(
        'INVALID_REQUEST',
        `No drive is mounted at ${mountPoint}.`,
        'Insert the drive and pick it from the list again.',
      );
    return driveEntries(drive);
  }

  /** Logs in to the token as the user (PIN parts joined only in the HSM process) and opens the engine, which first rolls back any interrupted step. */
  async login(pinParts: string[]): Promise<LoginResult & { recovered: RecoveredStep[] }> {
    return this.exclusive('logging in', async () => {
      this.reset();
      const log = this.workstation.audit();
      let result: LoginResult;
      try {
        result = await this.workstation.login('user', pinParts);
      } catch (error) {
        log.append({
          actors: ['workstation'],
          action: 'hsm.login',
          subject: 'user',
          outcome: error instanceof KeywardError && error.code === 'HSM_PIN_INCORRECT' ? 'refused' : 'failure',
          details: { parts: pinParts.length, error: errorCodeOf(error) },
        });
        throw error;
      }
      log.append({
        actors: ['workstation'],
        action: 'hsm.login',
        subject: 'user',
        outcome: 'success',
        details: { parts: pinParts.length, warnings: result.warnings.length },
      });
      let recovered: RecoveredStep[] = [];
      if (this.workstation.identities().current()) {
        // Opening the engine rolls back any step a crash left running.
        this.engine = await this.openEngine();
        recovered = this.engine.recovered;
      }
      this.loggedIn = true;
      return { ...result, recovered };
    });
  }

  /**
   * Ends the session: the token is logged out, signed aborts given so far are forgotten, and nothing more
   * is done until an officer logs in again. A token that cannot be reached is logged out all the same.
   */
  async logout(): Promise<void> {
    return this.exclusive('logging out', async () => {
      const wasLoggedIn = this.loggedIn;
      this.reset();
      this.abortApprovals.clear();
      let outcome: 'success' | 'failure' = 'success';
      let error: string | undefined;
      try {
        await this.workstation.logout();
      } catch (failure) {
        // The token or its process is gone: the login went with it.
        outcome = 'failure';
        error = errorCodeOf(failure);
      }
      if (this.workstation.identities().current())
        this.workstation.audit().append({
          actors: ['workstation'],
          action: 'hsm.logout',
          subject: 'user',
          outcome,
          details: { wasLoggedIn, ...(error ? { error } : {}) },
        });
    });
  }

  async initialise(request: InitialiseRequest): Promise<{ signerFingerprint: string; officers: string[] }> {
    return this.exclusive('initialising the workstation', async () => {
      if (!this.loggedIn) throw notLoggedIn();
      // No officer exists yet to acknowledge a finding: the founding security officer does it in the initialisation itself.
      const network = this.airGap.requireShown(request.airGapFindings);
      const founder = request.founding.find((f) => f.role === 'security-officer');
      const { identity, officers } = await this.workstation.initialise(
        { name: request.name, organization: request.organization, spec: request.signingKey },
        request.founding.map((f) => ({ id: f.id, displayName: f.name, role: f.role, passphrase: f.passphrase })),
      );
      this.engine = await this.openEngine();
      if (!network.isolated && founder)
        await this.airGap.acknowledge(founder.id, founder.passphrase, request.airGapFindings);
      return { signerFingerprint: identity.publicKeyFingerprint, officers: officers.map((o) => o.id) };
    });
  }

  list(): CeremonyList {
    const store = this.workstation.ceremonies();
    return {
      initialised: this.workstation.identities().current() !== undefined,
      loggedIn: this.loggedIn,
      ...listCeremonySummaries(store, this.workstation.audit(), (status) => ({
        interrupted: this.interrupted(status.plan.id, status.steps),
      })),
    };
  }

  /** Plans a ceremony from the app's form or a plan file on a drive; every path it names must be on a drive. */
  async plan(request: PlanRequest): Promise<CeremonyView> {
    const drives = await this.drives();
    const onDrive = (path: string): string => {
      driveOf(path, drives);
      return resolve(path);
    };
    let planFile: PlanFile;
    let place: Place;
    if ('planFile' in request) {
      const path = onDrive(request.planFile);
      planFile = readPlanFile(path, readSmallText(path, maxPlanFileBytes, 'plan file'));
      place = (name) => onDrive(resolve(dirname(path), name));
    } else {
      planFile = planOf({ form: true }, request.plan);
      place = (name) => {
        if (!name.startsWith('/'))
          throw new KeywardError(
            'INVALID_REQUEST',
            `The ceremony form names ${name}, which is not a full path.`,
            'Pick the file or folder from a drive.',
          );
        return onDrive(name);
      };
    }
    this.airGap.require();
    if (planFile.type === 'initialise-workstation')
      throw new KeywardError(
        'INVALID_REQUEST',
        'The initialisation is not a planned ceremony: it creates the officers who approve ceremonies.',
        'Use the Initialise form, shown while the workstation has no signing key.',
      );
    return this.exclusive('planning the ceremony', async () => {
      const engine = this.requireEngine();
      const id = newCeremonyId(planFile.type);
      const { title, steps } = await planSteps(this.workstation, planFile, place, id);
      const plan = await engine.plan(planFile.type, title, steps, id);
      return this.view(plan.id);
    });
  }

  view(id: string): CeremonyView {
    const store = this.workstation.ceremonies();
    const status = store.status(id);
    const policy = this.workstation.policy(status.plan.type);
    const inputsOf = (
      action: string,
      params: Record<string, unknown>,
      kind: 'inputs' | 'undoInputs',
    ): StepInputKind[] => ceremonyExecutors[action]?.[kind]?.(params as never) ?? [];
    // Logged in, the engine also keeps the steps later ceremonies changed; before that, nobody can abort.
    const reach = (quorum: boolean) =>
      this.engine ? this.engine.abortReach(status, quorum) : abortReach(status, ceremonyExecutors, quorum);
    const alone = reach(false);
    const withQuorum = reach(true);
    const signed = this.abortApprovals.get(id);
    return {
      status,
      policy,
      quorumNeeded: this.workstation.policies().quorumNeeded(status.plan.type),
      steps: status.plan.steps.map((step) => ({
        index: step.index,
        inputs: inputsOf(step.action, step.params, 'inputs'),
        approvals: store.approvals(id, step.index).map((a) => ({ officer: a.officer, role: a.role, at: a.signedAt })),
        details: stepDetails(step),
      })),
      abortInputs: [
        ...new Set(
          withQuorum.undo.flatMap((index) =>
            ((step) => (step ? inputsOf(step.action, step.params, 'undoInputs') : []))(status.plan.steps[index]),
          ),
        ),
      ],
      abort: {
        undoneAlone: alone.undo,
        undoneWithQuorum: withQuorum.undo,
        keptAlone: alone.kept,
        changedSince: withQuorum.changed,
        signedBy: signed?.approvals.map((a) => a.officer) ?? [],
        reason: signed?.reason ?? null,
      },
      interrupted: this.interrupted(id, status.steps),
    };
  }

  private interrupted(id: string, steps: { state: string }[]): boolean {
    return id !== this.running && steps.some((s) => s.state === 'running');
  }

  async checkIn(id: string, officer: string, passphrase: string): Promise<CeremonyView> {
    return this.exclusive('checking in', async () => {
      await this.requireEngine().checkIn(id, officer, passphrase);
      return this.view(id);
    });
  }

  async approve(id: string, step: number, officer: string, passphrase: string): Promise<CeremonyView> {
    return this.exclusive('recording the approval', async () => {
      await this.requireEngine().approve(id, step, officer, passphrase);
      return this.view(id);
    });
  }

  /** Runs the next step with the inputs it needs; they are dropped when it ends, whatever the outcome. */
  async runNext(id: string, inputs: StepInputs): Promise<CeremonyView> {
    return this.exclusive('running a step', async () => {
      const engine = this.requireEngine();
      const view = this.view(id);
      const next = view.status.steps.find((s) => s.state !== 'done');
      // The network may have come up since the plan: the air gap is checked again before any step.
      this.airGap.require();
      if (next) {
        this.requireInputs(view.steps[next.index]?.inputs ?? [], inputs, `step ${next.index + 1}`);
        const drives = await this.drives();
        for (const path of placesOf(view.status.plan.steps[next.index])) driveOf(path, drives);
      }
      this.running = id;
      try {
        return await this.withInputs(inputs, async () => {
          const status = await engine.runNext(id);
          if (status.plan.type === 'change-hsm' && status.state === 'completed') {
            // The officers approved another module: its process starts at the next login, which goes through it.
            this.workstation.reconnect();
            this.reset();
          }
          return this.view(id);
        });
      } finally {
        this.running = undefined;
      }
    });
  }

  /**
   * A checked-in officer, with their passphrase, signs the abort of a ceremony for the reason they give;
   * with `finish`, the ceremony is aborted with every signature given for that reason. Completed steps are
   * undone, except those that took effect, which only an abort signed by the policy's quorum undoes.
   */
  async abort(
    id: string,
    reason: string,
    officer: string,
    passphrase: string,
    inputs: StepInputs,
    finish: boolean,
  ): Promise<CeremonyView> {
    return this.exclusive('aborting the ceremony', async () => {
      const engine = this.requireEngine();
      if (finish) this.requireInputs(this.view(id).abortInputs, inputs, 'undoing the completed steps');
      const proof = await engine.approveAbort(id, officer, passphrase, reason);
      const held = this.abortApprovals.get(id);
      const approvals = [
        ...(held?.reason === reason ? held.approvals.filter((a) => a.officer !== officer) : []),
        proof,
      ];
      this.abortApprovals.set(id, { reason, approvals });
      if (!finish) return this.view(id);
      await this.withInputs(inputs, () => engine.abort(id, reason, approvals));
      this.abortApprovals.delete(id);
      return this.view(id);
    });
  }

  /** Runs work that must not overlap a ceremony's (switching the HSM). */
  whileIdle<T>(what: string, work: () => Promise<T>): Promise<T> {
    return this.exclusive(what, work);
  }

  async writeTranscript(id: string, folder: string): Promise<string> {
    driveOf(folder, await this.drives());
    return this.exclusive('writing the transcript', () => this.requireEngine().writeTranscript(id, resolve(folder)));
  }

  /** The signed ceremony script (PDF), to print before the ceremony, written to a drive. */
  async writeScript(id: string, folder: string): Promise<string> {
    driveOf(folder, await this.drives());
    return this.exclusive('writing the ceremony script', () => this.requireEngine().writeScript(id, resolve(folder)));
  }

  /**
   * The audit log verified in full: against the workstation key and the anchor the token holds, which
   * needs the token logged in; until then the verification is reported as not finished, never as passed.
   */
  async verifyAudit(): Promise<AuditTrailVerification> {
    const { workstation } = this;
    if (!workstation.identities().current() || !this.loggedIn) {
      return unanchoredVerification(
        workstation.audit(),
        workstation.checkpoints(),
        workstation.identities().current()
          ? 'The checkpoints are checked against the workstation key and the audit anchor in the HSM, which needs the token logged in: log in to the token, then verify again.'
          : notInitialisedYet,
      );
    }
    return this.exclusive('verifying the audit log', () => workstation.verifyAudit());
  }

  /** Reads a bundle back from its drive and verifies it as the connected side will, against this workstation's key. */
  async verifyBundle(folder: string): Promise<BundleCheck> {
    driveOf(folder, await this.drives());
    const identity = this.workstation.identities().require();
    const check = verifyBundle(resolve(folder), { signerFingerprint: identity.publicKeyFingerprint });
    const manifest = check.manifest;
    const guide = manifest
      ? uploadGuide(
          { provider: manifest.provider, ...manifest.wrapping, target: manifest.target },
          manifest.key,
          manifest.files.map((f) => f.name),
        )
      : undefined;
    return {
      ok: check.ok,
      problems: check.problems,
      bundleId: check.manifest?.bundleId ?? null,
      files: check.manifest?.files.map((f) => ({ name: f.name, sha256: f.sha256 })) ?? [],
      approvedBy: check.approvedBy,
      signerFingerprint: check.signerFingerprint ?? null,
      upload:
        manifest && guide
          ? {
              provider: manifest.provider,
              rehearsal: check.rehearsal !== undefined,
              deadline: manifest.wrapping.deadline ?? null,
              verifyCommand: `keyward verify ${resolve(folder)} --signer-fingerprint ${identity.publicKeyFingerprint}`,
              steps: guide.steps,
              client: guide.client ?? null,
              notes: guide.notes ?? [],
              permission: guide.permission,
              check: guide.check,
            }
          : null,
    };
  }

  private requireEngine(): CeremonyEngine {
    this.workstation.identities().require();
    if (!this.engine) throw notLoggedIn();
    return this.engine;
  }

  private requireInputs(kinds: StepInputKind[], inputs: StepInputs, what: string): void {
    const missing = missingInputs(kinds, inputs);
    if (missing.length)
      throw new KeywardError(
        'STEP_INPUTS_MISSING',
        `${what[0]?.toUpperCase() ?? ''}${what.slice(1)} needs ${missing.map((k) => stepInputNames[k]).join(' and ')}.`,
        'Type them in the fields shown for the step, then run it again.',
      );
  }

  private async withInputs<T>(inputs: StepInputs, work: () => Promise<T>): Promise<T> {
    this.inputs = inputs;
    try {
      return await work();
    } finally {
      this.inputs = {};
    }
  }

  /** One privileged operation at a time: a second call while a step runs is refused, never interleaved. */
  private async exclusive<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.busy)
      throw new KeywardError(
        'BUSY',
        `Keyward is still ${this.busy}.`,
        'Wait for it to finish; the screen shows when it has.',
      );
    this.busy = what;
    try {
      return await work();
    } catch (error) {
      // The HSM process restarted (or the token was re-inserted): its login is gone, so is this session's.
      if (error instanceof KeywardError && sessionLostCodes.includes(error.code)) this.reset();
      throw error;
    } finally {
      this.busy = undefined;
    }
  }

  private async openEngine(): Promise<CeremonyEngine> {
    const missing = (what: string): KeywardError =>
      new KeywardError(
        'STEP_INPUTS_MISSING',
        `This step needs ${what}, which were not given.`,
        'Type them in the fields shown for the step, then run it again.',
      );
    return openCeremonyEngine(this.workstation, {
      pinParts: (role) => {
        const parts = role === 'user' ? this.inputs.userPin : this.inputs.securityOfficerPin;
        if (!parts?.length)
          return Promise.reject(
            missing(role === 'user' ? stepInputNames['user-pin'] : stepInputNames['security-officer-pin']),
          );
        return Promise.resolve(parts);
      },
      newPassphrase: () =>
        this.inputs.newPassphrase
          ? Promise.resolve(this.inputs.newPassphrase)
          : Promise.reject(missing(stepInputNames['new-passphrase'])),
      backupShares: async (backupId, threshold) => {
        const given = this.inputs.shares ?? [];
        if (given.length < threshold)
          throw new KeywardError(
            'INVALID_REQUEST',
            `${given.length} share(s) were given; this backup key is rebuilt from ${threshold}.`,
            `${threshold} custodians each give their share (its file on their drive, or its words typed).`,
          );
        const drives = await this.drives();
        return given.map((share, index) => {
          try {
            if (!share.trim().startsWith('/')) return readShare(backupId, share);
            const path = resolve(share.trim());
            driveOf(path, drives);
            return readShare(backupId, readSmallText(path, maxShareFileBytes, 'share file'));
          } catch (error) {
            if (!(error instanceof KeywardError)) throw error;
            throw new KeywardError(
              error.code,
              `Share ${index + 1} of ${given.length}: ${error.message}`,
              error.nextStep,
            );
          }
        });
      },
    });
  }
}

const notLoggedIn = (): KeywardError =>
  new KeywardError(
    'HSM_NOT_LOGGED_IN',
    'The token is not logged in for ceremonies in this session.',
    'The officers holding the user PIN parts log in to the token, each typing their part.',
  );
