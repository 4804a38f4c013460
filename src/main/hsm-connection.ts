/**
 * The workstation's connection to its HSM: the rehearsal token by default, or the module and token its
 * security officers approved (the saved selection and its signed approval, checked before the module is
 * loaded and again against the token); throw-away processes for reading other modules; the selection the
 * change-hsm ceremony reads, checks and saves. One HSM process at a time, shared by concurrent callers.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditDetails } from '../shared/audit';
import type { ModuleTokens, TokenStatus } from '../shared/contract';
import { KeywardError } from '../shared/errors';
import type { WorkstationIdentity } from '../shared/inventory';
import type { Capabilities, EnforcementFinding } from '../shared/keys';
import { moduleLoadOf, type ModuleLoad } from '../shared/module-load';
import { rehearsalToken } from '../shared/rehearsal';
import type { HsmSettings } from '../shared/settings';
import type { ModuleInfo, TokenDetails } from '../shared/token';
import type { HsmSelection } from './ceremonies/hsm-selection';
import { sha256File } from './files/digest';
import type { HsmChannelFactory, HsmProcessOptions } from './hsm/channel';
import {
  approvalHolds,
  requireWorkstationKeyOnToken,
  sameSelection,
  selectionHistory,
  selectionStanding,
  signSelection,
  type SavedSelection,
} from './hsm/client/approved-selection';
import { HsmClient, type HsmClientOptions } from './hsm/client/client';
import { prepareRehearsalModule } from './hsm/client/rehearsal';
import { trustedModulePath } from './hsm/module-path';
import { HsmProcessRegistry } from './hsm/process-registry';
import { readSavedSelection, settingsPath, settleStagedSettings, stageSettings, writeSettings } from './settings-file';
import { databaseFileName } from './store/database';
import { whileNoOtherKeyward } from './store/instance-lock';
import type { Stores } from './store/stores';
import type { Signer } from './x509/signer';

export interface TokenReport {
  rehearsal: boolean;
  module: ModuleInfo;
  selectedTokenUri: string | null;
  tokens: TokenDetails[];
}

/** Details of every initialised token, or only of the one a URI names (which must then exist, exactly once). */
async function readTokens(client: HsmClient, uri?: string): Promise<TokenDetails[]> {
  if (uri !== undefined) return [await client.request('describeToken', { uri })];
  const tokens = (await client.request('listTokens', {})).filter((t) => t.initialized);
  const details: TokenDetails[] = [];
  for (const token of tokens) details.push(await client.request('describeToken', { uri: token.uri }));
  return details;
}

export interface Connection {
  settings: HsmSettings;
  client: HsmClient;
  tokenUri: string;
}

export interface ConnectionDependencies {
  dataDir: string;
  startProcess: HsmChannelFactory;
  /** Settings given for this run only (CLI --module/--token); otherwise the saved settings apply. */
  override: HsmSettings | undefined;
  /** For every HSM process: who is told that a request is still running (the CLI shows it), and (tests only) shorter limits. */
  hsmOptions: Pick<HsmClientOptions, 'onProgress' | 'limits'>;
  /** The workstation's stores: its identity vouches for the module, its audit log records selections. */
  stores: () => Stores;
  /** The database is open already (a workstation without one is not initialised, and none is created to find out). */
  databaseOpen: () => boolean;
  /** A transaction is open: a staged selection is not settled inside one (its commit is not known yet). */
  inTransaction: () => boolean;
  /** This Keyward holds the data folder's instance lock. */
  lockHeld: () => boolean;
}

/** An HSM process's options for a module: its file, its variables and its C_Initialize arguments. */
const processOptionsOf = (load: ModuleLoad): HsmProcessOptions => ({
  modulePath: load.modulePath,
  env: load.moduleEnv ?? {},
  ...(load.moduleArgs !== undefined ? { moduleArgs: load.moduleArgs } : {}),
});

export class HsmConnection {
  /** What each module's token (by serial) was found to enforce, in this run. */
  private readonly enforcement = new Map<string, EnforcementFinding[]>();
  /** A promise, so that concurrent first calls share one HSM process. */
  private connection: Promise<Connection> | undefined;
  /** Set by allowHsmReapproval(). */
  private hsmReapproval = false;
  /** Why the open HSM selection is not approved as it is (opened for its re-approval only). */
  private unapproved: { why: string; problem: KeywardError } | undefined;

  constructor(private readonly d: ConnectionDependencies) {}

  /** Warnings for a login on a selection opened for its re-approval only. */
  loginWarnings(): string[] {
    return this.unapproved
      ? [
          `${this.unapproved.why}. It was opened, and the PIN typed, for the security officers to approve it again in a change-hsm ceremony: no other ceremony can be planned in this session.`,
        ]
      : [];
  }

  settings(): HsmSettings {
    return this.d.override ?? this.savedSelection().settings;
  }

  /** The saved selection and its approval; a selection a change-hsm step staged is settled first (settings-file.ts). */
  savedSelection(): SavedSelection {
    // Never while a transaction is open: a step's completion being committed is not known yet.
    if (!this.d.inTransaction())
      settleStagedSettings(
        this.d.dataDir,
        (ceremonyId) => this.selectHsmCommitted(ceremonyId),
        (act) => {
          if (!this.d.lockHeld()) return whileNoOtherKeyward(this.d.dataDir, act);
          act();
          return true;
        },
      );
    return readSavedSelection(this.d.dataDir);
  }

  private selectHsmCommitted(ceremonyId: string): boolean {
    let steps;
    try {
      steps = this.d.stores().ceremonies.status(ceremonyId).steps;
    } catch (error) {
      if (error instanceof KeywardError) return false; // no such ceremony: nothing was committed for it
      throw error;
    }
    return steps.some((s) => s.action === 'select-hsm' && s.state === 'done');
  }

  /**
   * For a session that runs a change-hsm ceremony (the CLI, given such a plan): a saved selection that lacks
   * a valid approval only because it predates signed approvals, or because root changed its module file (a
   * vendor update), is opened, so the security officers can approve it again. One changed outside Keyward
   * is refused all the same.
   */
  allowHsmReapproval(): void {
    this.hsmReapproval = true;
  }

  /**
   * A session that opened an HSM selection for its re-approval plans the change-hsm ceremony that approves
   * it, and nothing else: no key ceremony runs on a module the officers have not approved as it is.
   */
  requireHsmApprovedFor(ceremony: string): void {
    if (this.unapproved && ceremony !== 'change-hsm') {
      throw new KeywardError(
        this.unapproved.problem.code,
        `${this.unapproved.why}. It was opened only for the security officers to approve it again, so a ${ceremony} ceremony cannot be planned. Nothing was planned.`,
        this.unapproved.problem.nextStep,
      );
    }
  }

  async tokenStatus(): Promise<TokenStatus> {
    const { settings, client, tokenUri } = await this.connect();
    const [module, token] = await Promise.all([
      client.request('describeModule', {}),
      client.request('describeToken', { uri: tokenUri }),
    ]);
    return { settings, rehearsal: settings.mode === 'rehearsal', module, token, readAt: new Date().toISOString() };
  }

  /** Loads a module in a throw-away HSM process, so that a bad library cannot disturb the current one. */
  async listModuleTokens(load: ModuleLoad): Promise<ModuleTokens> {
    return this.withProbe(load, async (probe) => ({
      module: await probe.request('describeModule', {}),
      tokens: (await probe.request('listTokens', {})).filter((t) => t.initialized),
    }));
  }

  /**
   * Every initialised token of a module, read live: of the configured module when no path is given
   * (marking the selected token), otherwise of that module through a throw-away HSM process.
   */
  async tokenReport(load?: ModuleLoad, tokenUri?: string): Promise<TokenReport> {
    if (load !== undefined) {
      return this.withProbe(load, async (probe) => ({
        rehearsal: false,
        module: await probe.request('describeModule', {}),
        selectedTokenUri: tokenUri ?? null,
        tokens: await readTokens(probe, tokenUri),
      }));
    }
    const { settings, client, tokenUri: selected } = await this.connect();
    return {
      rehearsal: settings.mode === 'rehearsal',
      module: await client.request('describeModule', {}),
      selectedTokenUri: selected,
      tokens: await readTokens(client),
    };
  }

  /**
   * Refuses a CMK ceremony on a token that does not enforce what Keyward relies on (the probe's enforcement
   * trials, learned once per module and token serial in this run); the rehearsal token is never refused, its
   * outputs being marked REHEARSAL.
   */
  async requireEnforcing(ceremony: string): Promise<void> {
    const { settings, client, tokenUri } = await this.connect();
    if (settings.mode === 'rehearsal') return;
    const token = await client.request('describeToken', { uri: tokenUri });
    const key = `${settings.modulePath}\0${token.serial}`;
    let findings = this.enforcement.get(key);
    if (!findings) {
      findings = (await client.request('probe', { uri: tokenUri })).enforcement;
      this.enforcement.set(key, findings);
    }
    const failed = findings.filter((f) => !f.holds);
    if (failed.length === 0) return;
    throw new KeywardError(
      'HSM_NOT_ENFORCING',
      `The token "${token.label}" (serial ${token.serial}) does not enforce what Keyward relies on to protect a CMK, so no ${ceremony} ceremony runs on it: ${failed.map((f) => `${f.property} (${f.detail})`).join('; ')}. Nothing was planned.`,
      'Use an HSM that enforces these (keyward token probe shows what each token does); this token may serve only as a rehearsal token.',
    );
  }

  /** The capability probe of the configured token, or of a token of another module (CLI --module/--token). */
  async probe(load?: ModuleLoad, tokenUri?: string): Promise<Capabilities> {
    if (load === undefined) {
      const { client, tokenUri: selected } = await this.connect();
      return client.request('probe', { uri: selected });
    }
    return this.withProbe(load, async (probe) => {
      let uri = tokenUri;
      if (uri === undefined) {
        const tokens = (await probe.request('listTokens', {})).filter((t) => t.initialized);
        const [only] = tokens;
        if (!only || tokens.length > 1) {
          throw new KeywardError(
            'HSM_TOKEN_AMBIGUOUS',
            `The module ${load.modulePath} has ${tokens.length} initialised tokens${tokens.length ? `: ${tokens.map((t) => `"${t.label}" (serial ${t.serial})`).join(', ')}` : ''}.`,
            'Name the token with --token (a PKCS#11 URI such as pkcs11:token=LABEL;serial=SERIAL).',
          );
        }
        uri = only.uri;
      }
      return probe.request('probe', { uri });
    });
  }

  private async withProbe<T>(load: ModuleLoad, work: (probe: HsmClient) => Promise<T>): Promise<T> {
    const probe = this.client(processOptionsOf(load));
    try {
      return await work(probe);
    } finally {
      probe.close();
    }
  }

  /**
   * Opens the chosen token before saving the choice, so settings never name a token that cannot be read.
   * Only before initialisation: afterwards the security officers decide it in a change-hsm ceremony.
   */
  async select(settings: HsmSettings): Promise<HsmSettings> {
    if (this.d.stores().identities.current()) {
      throw new KeywardError(
        'QUORUM_NOT_MET',
        'This workstation is initialised, so its HSM module and token change only in a change-hsm ceremony that the security officers approve: every PIN typed afterwards goes through the module.',
        'Plan a "Change the HSM module" ceremony (Ceremonies, or keyward ceremony run with a change-hsm plan); the officers read the module\'s SHA-256 and approve it.',
      );
    }
    if (this.d.override) {
      throw new KeywardError(
        'SETTINGS_INVALID',
        'This session was started with --module/--token, which override the saved settings.',
        'Start Keyward without --module/--token to change the saved HSM.',
      );
    }
    const candidate = await this.open(settings);
    try {
      await candidate.client.request('describeToken', { uri: candidate.tokenUri });
    } catch (error) {
      candidate.client.close();
      throw error;
    }
    const subject = settings.mode === 'hsm' ? settings.tokenUri : 'rehearsal token';
    const details: AuditDetails =
      settings.mode === 'hsm'
        ? {
            mode: settings.mode,
            ...moduleLoadOf(settings),
            moduleSha256: await sha256File(trustedModulePath(settings.modulePath, this.d.dataDir)),
          }
        : { mode: settings.mode };
    // Officer identities arrive with the ceremonies; until then the workstation is the recorded actor.
    this.d
      .stores()
      .log.record({ actors: ['workstation'], action: 'hsm.select', subject, details }, () =>
        writeSettings(this.d.dataDir, settings),
      );
    this.disconnect();
    this.connection = Promise.resolve(candidate);
    return settings;
  }

  /**
   * On an initialised workstation, PINs go only to the module the security officers approved: a module
   * or token named for one run (CLI --module/--token) that differs from the saved settings is refused.
   */
  requireSavedHsm(): void {
    const { override } = this.d;
    if (!override || !this.d.stores().identities.current()) return;
    if (!sameSelection(this.savedSelection().settings, override)) {
      throw new KeywardError(
        'QUORUM_NOT_MET',
        'This workstation is initialised: no PIN is typed into another module or token than the one its security officers approved.',
        'Run the command without --module/--token, or change the HSM in a change-hsm ceremony first.',
      );
    }
  }

  /** The HSM choice as the change-hsm ceremony reads, checks and saves it. */
  hsmSelection(): HsmSelection {
    return {
      current: () => this.settings(),
      inspect: async (load, tokenUri) => {
        const identity = this.d.stores().identities.require();
        const moduleSha256 = await sha256File(trustedModulePath(load.modulePath, this.d.dataDir));
        return this.withProbe(load, async (probe) => {
          const token = await probe.request('describeToken', { uri: tokenUri });
          const certified = new X509Certificate(Buffer.from(identity.certificateDer)).publicKey.export({
            type: 'spki',
            format: 'der',
          });
          let holdsKey: boolean;
          try {
            holdsKey =
              token.serial === identity.tokenSerial &&
              certified.equals(
                Buffer.from(
                  (await probe.request('publicKeyWithoutLogin', { uri: tokenUri, id: identity.tokenObjectId }))
                    .publicKeySpki,
                ),
              );
          } catch {
            holdsKey = false;
          }
          if (!holdsKey) {
            throw new KeywardError(
              'WORKSTATION_NOT_INITIALISED',
              `The token at ${tokenUri} ("${token.label}", serial ${token.serial}) does not hold this workstation's signing key, so the workstation could sign nothing with it.`,
              `Name the module and token address that reach the workstation's own token (serial ${identity.tokenSerial}).`,
            );
          }
          return { moduleSha256, tokenSerial: token.serial, tokenLabel: token.label };
        });
      },
      approvedModuleSha256: () => {
        const { settings, approval } = this.savedSelection();
        return approval && approvalHolds(settings, approval, this.d.stores().identities.require().certificateDer)
          ? approval.moduleSha256
          : undefined;
      },
      save: (selection, ceremonyId) => {
        stageSettings(this.d.dataDir, ceremonyId, selection);
        // In force as soon as the engine's transaction has ended, if it committed (else at the next read).
        queueMicrotask(() => {
          try {
            this.savedSelection();
          } catch {
            // The next read of the settings settles it, and reports what stands in its way.
          }
        });
      },
    };
  }

  /**
   * At initialisation: the founding officers' approval of the HSM selection the workstation key was made
   * on, signed by that key and saved beside the selection, audited with the module file's SHA-256.
   */
  async approveSelection(
    signer: Signer,
    identity: WorkstationIdentity,
    change: { actors: string[]; ceremony: string },
  ): Promise<void> {
    const settings = this.settings();
    const moduleSha256 =
      settings.mode === 'hsm' ? await sha256File(trustedModulePath(settings.modulePath, this.d.dataDir)) : null;
    const approval = await signSelection(signer, settings, {
      moduleSha256,
      tokenSerial: identity.tokenSerial,
      approvedIn: change.ceremony,
      approvedAt: new Date().toISOString(),
    });
    const subject = settings.mode === 'hsm' ? settings.tokenUri : 'rehearsal token';
    const details: AuditDetails = {
      mode: settings.mode,
      ...(settings.mode === 'hsm' ? moduleLoadOf(settings) : {}),
      moduleSha256,
      tokenSerial: identity.tokenSerial,
      ceremony: change.ceremony,
      approvalSignature: approval.signature,
    };
    this.d
      .stores()
      .log.record({ actors: change.actors, action: 'hsm.approve', subject, details }, () =>
        writeSettings(this.d.dataDir, settings, approval),
      );
  }

  /**
   * The HSM the workstation uses, opened only as its security officers approved it. On an initialised
   * workstation the saved selection's signed approval is verified, and its module file hashed again, before
   * the module is loaded; then the token must hold the workstation key, read without login, before any
   * PIN is asked for (approved-selection.ts).
   */
  private async openApproved(): Promise<Connection> {
    // Read once: what is checked is what is opened.
    const saved = this.savedSelection();
    // Not created where there is none: a workstation without a database is not initialised.
    let identity: WorkstationIdentity | undefined;
    try {
      identity =
        this.d.databaseOpen() || existsSync(join(this.d.dataDir, databaseFileName))
          ? this.d.stores().identities.current()
          : undefined;
    } catch (error) {
      // A database that cannot be read cannot vouch for a module: only Keyward's own rehearsal token is
      // still read (to be shown; no login goes ahead without the database), never an HSM's module.
      if (saved.settings.mode !== 'rehearsal') throw error;
    }
    // A selection named for this run that differs from the saved one reads tokens only: login() refuses it.
    if (!identity || (this.d.override && !sameSelection(this.d.override, saved.settings)))
      return this.open(this.d.override ?? saved.settings);
    const standing = await selectionStanding({
      saved,
      file: settingsPath(this.d.dataDir),
      identity,
      moduleSha256Of: async (modulePath) => sha256File(trustedModulePath(modulePath, this.d.dataDir)),
      history: () => selectionHistory(this.d.stores().log),
    });
    if (standing.state === 'reapprove' && !this.hsmReapproval) throw standing.problem;
    const connection = await this.open(saved.settings);
    try {
      await requireWorkstationKeyOnToken(connection.client, connection.tokenUri, identity, saved.approval);
    } catch (error) {
      connection.client.close();
      throw error;
    }
    this.unapproved = standing.state === 'reapprove' ? standing : undefined;
    return connection;
  }

  /** Drops the HSM connection (the settings changed): the next call opens the HSM the settings now name. */
  reconnect(): void {
    this.disconnect();
  }

  private disconnect(): void {
    const previous = this.connection;
    this.connection = undefined;
    void previous?.then((c) => c.client.close()).catch(() => undefined);
  }

  connect(): Promise<Connection> {
    if (!this.connection) {
      const opening = this.openApproved();
      // A failed open is not kept: the next call tries again (the officer may have plugged the HSM in).
      opening.catch(() => {
        if (this.connection === opening) this.connection = undefined;
      });
      this.connection = opening;
    }
    return this.connection;
  }

  private async open(settings: HsmSettings): Promise<Connection> {
    if (settings.mode === 'hsm') {
      return {
        settings,
        client: this.client(processOptionsOf(settings)),
        tokenUri: settings.tokenUri,
      };
    }
    const client = this.client(prepareRehearsalModule(this.d.dataDir));
    try {
      const token = await client.request('ensureInitializedToken', {
        label: rehearsalToken.label,
        soPin: rehearsalToken.soPin,
        userPin: rehearsalToken.userPin,
      });
      return { settings, client, tokenUri: token.uri };
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /**
   * An HSM process for a module, which must be a library Keyward may load (see module-path.ts). Every one,
   * the throw-away probes of other modules too, is recorded in the data folder, and none starts while one
   * that an exited Keyward left behind is alive (process-registry.ts): a probe loads a module as any other.
   */
  private client(options: HsmProcessOptions): HsmClient {
    trustedModulePath(options.modulePath, this.d.dataDir);
    return new HsmClient(options, this.d.startProcess, {
      ...this.d.hsmOptions,
      registry: new HsmProcessRegistry(this.d.dataDir),
    });
  }
}
