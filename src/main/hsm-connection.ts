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
import type { Capabilities } from '../shared/keys';
import { moduleLoadOf, type ModuleLoad } from '../shared/module-load';
import { rehearsalToken, type RehearsalMark } from '../shared/rehearsal';
import { rehearsalOnlyOf, rehearsing, type HsmSettings } from '../shared/settings';
import type { ModuleInfo, TokenDetails } from '../shared/token';
import type { TokenNeed } from '../shared/token-needs';
import { sheetVersions, type CapabilitySheet } from '../shared/token-sheet';
import { noAnchor, tokenAnchor, type AuditAnchor } from './audit/anchor';
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

/** A sheet from a probe and the module and token it was made on (only the token's identity and versions are kept). */
const sheetOf = (
  { module, token }: { module: ModuleInfo; token: TokenDetails },
  capabilities: Capabilities,
): CapabilitySheet => ({
  module,
  token: {
    label: token.label,
    manufacturer: token.manufacturer,
    model: token.model,
    serial: token.serial,
    firmware: token.firmware,
    hardware: token.hardware,
  },
  probedAt: new Date().toISOString(),
  capabilities,
});

export class HsmConnection {
  /** Each module's token's sheet as probed in this run, by module, token and their versions. */
  private readonly sheets = new Map<string, CapabilitySheet>();
  /** Whether the token set apart for rehearsals holds data objects (the audit anchor), tried once in this run. */
  private dataObjects: Promise<{ holds: true } | { holds: false; why: string }> | undefined;
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
    return { settings, rehearsal: rehearsing(settings), module, token, readAt: new Date().toISOString() };
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
      rehearsal: rehearsing(settings),
      module: await client.request('describeModule', {}),
      selectedTokenUri: selected,
      tokens: await readTokens(client),
    };
  }

  /**
   * The configured token's capability sheet: probed once in each run (and again when the module's or the
   * token's version changes, or when `fresh`), kept on an initialised workstation when it is the token's
   * first, its versions changed, or the token now answers differently.
   */
  async tokenSheet(fresh: boolean): Promise<CapabilitySheet> {
    const { client, tokenUri } = await this.connect();
    const [module, token] = await Promise.all([
      client.request('describeModule', {}),
      client.request('describeToken', { uri: tokenUri }),
    ]);
    const identity = { module, token };
    const key = `${module.path}\0${token.serial}\0${token.label}\0${sheetVersions(identity)}`;
    let sheet = fresh ? undefined : this.sheets.get(key);
    if (sheet) return sheet;
    sheet = sheetOf(identity, await client.request('probe', { uri: tokenUri }));
    this.sheets.set(key, sheet);
    this.keepSheet(sheet);
    return sheet;
  }

  private keepSheet(sheet: CapabilitySheet): void {
    if (!this.d.databaseOpen() || !this.d.stores().identities.current()) return;
    const sheets = this.d.stores().tokenSheets;
    const kept = sheets.latest(sheet.module.path, sheet.token);
    const why = !kept
      ? 'the first probe of this token'
      : sheetVersions(kept) !== sheetVersions(sheet)
        ? `its versions changed: was ${sheetVersions(kept)}`
        : JSON.stringify(kept.capabilities) !== JSON.stringify(sheet.capabilities)
          ? 'the token answers the probe differently from its kept sheet'
          : undefined;
    if (why) sheets.keep(sheet, why, ['workstation']);
  }

  /**
   * Refuses a CMK ceremony on a token that does not enforce what Keyward relies on, unless the token is set
   * apart for rehearsals (then its outputs are marked REHEARSAL, with what it fails); the rehearsal token
   * is never refused.
   */
  async requireEnforcing(ceremony: string): Promise<void> {
    // The rehearsal token and a token set apart for rehearsals are never refused (their outputs say REHEARSAL).
    if (rehearsing(this.settings())) return;
    const { token, capabilities } = await this.tokenSheet(false);
    const failed = capabilities.enforcement.filter((f) => !f.holds);
    if (failed.length === 0) return;
    throw new KeywardError(
      'HSM_NOT_ENFORCING',
      `The token "${token.label}" (serial ${token.serial}) does not enforce what Keyward relies on to protect a CMK, so no ${ceremony} ceremony runs on it: ${failed.map((f) => `${f.property} (${f.detail})`).join('; ')}. Nothing was planned.`,
      'Use an HSM that enforces these (keyward token probe shows what each token does). This token may serve only for rehearsals: select it "for rehearsals only" (keyward --rehearsal-only, or a change-hsm ceremony), and everything made with it is marked REHEARSAL.',
    );
  }

  /**
   * Refuses a plan the token cannot carry out (by its capability sheet, probed once in this run), before
   * anyone checks in: what the plan needs, and why the token cannot, in words.
   */
  async requireCapable(ceremony: string, needs: TokenNeed[]): Promise<void> {
    const sheet = await this.tokenSheet(false);
    const unmet = needs.flatMap((need) => {
      const why = need.whyNot(sheet.capabilities);
      return why ? [`${need.what}: ${why}`] : [];
    });
    if (unmet.length === 0) return;
    throw new KeywardError(
      'HSM_MECHANISM_UNSUPPORTED',
      `The token "${sheet.token.label}" (serial ${sheet.token.serial}) cannot carry out this ${ceremony} ceremony: it cannot ${unmet.join('; ')}. Nothing was planned.`,
      'Plan it with what the token can do (keyward token probe, or "What this token can do" on Home, lists it), or use an HSM that can.',
    );
  }

  /**
   * What marks the outputs of a rehearsal: undefined on a token that protects real keys; otherwise which
   * token it is and, for a real token set apart for rehearsals, what it fails to enforce, in words.
   */
  async rehearsalMark(): Promise<RehearsalMark | undefined> {
    const settings = this.settings();
    if (!rehearsing(settings)) return undefined;
    if (settings.mode === 'rehearsal')
      return { token: "Keyward's rehearsal token (SoftHSM2 in its data folder)", findings: [] };
    const { token, capabilities: c } = await this.tokenSheet(false);
    const anchor = await this.auditAnchor();
    return {
      token: `the token "${token.label}" (serial ${token.serial}), set apart for rehearsals only`,
      findings: [
        ...c.enforcement
          .filter((f) => !f.holds)
          .map((f) => `The token does not enforce this: ${f.property} (${f.detail}).`),
        ...(anchor.absent ? [`The audit log is not anchored: ${anchor.absent}.`] : []),
      ],
    };
  }

  /**
   * Where the audit log's anchor is kept: a data object on the token; none on a token set apart for
   * rehearsals that holds no data objects (tried once in each run, with the user logged in), whose log is
   * then held to its checkpoints only. A production token without them is refused when the anchor is written.
   */
  async auditAnchor(): Promise<AuditAnchor> {
    const settings = this.settings();
    const { client, tokenUri } = await this.connect();
    if (settings.mode === 'hsm' && settings.rehearsalOnly) {
      this.dataObjects ??= client.request('holdsDataObjects', { uri: tokenUri }).catch((error: unknown) => {
        this.dataObjects = undefined; // asked again next time (say, once the user has logged in)
        throw error;
      });
      const trial = await this.dataObjects;
      if (!trial.holds) return noAnchor(`this token, set apart for rehearsals, holds no data objects: ${trial.why}`);
    }
    return tokenAnchor(client, tokenUri);
  }

  /** The capability sheet of the configured token (probed afresh), or of a token of another module (CLI --module/--token). */
  async probe(load?: ModuleLoad, tokenUri?: string): Promise<CapabilitySheet> {
    if (load === undefined) return this.tokenSheet(true);
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
      const [module, token] = await Promise.all([
        probe.request('describeModule', {}),
        probe.request('describeToken', { uri }),
      ]);
      return sheetOf({ module, token }, await probe.request('probe', { uri }));
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
            ...rehearsalOnlyOf(settings),
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
      ...rehearsalOnlyOf(settings),
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
    this.dataObjects = undefined;
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
