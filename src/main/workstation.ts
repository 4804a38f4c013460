/**
 * The workstation's connection to its HSM: the rehearsal token by default, or the module and token
 * chosen in settings. Both shells and the CLI drive the same instance type.
 */
import { X509Certificate, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditCheckpoint, AuditDetails } from '../shared/audit';
import type { CeremonyType } from '../shared/ceremony-types';
import type { ModuleTokens, StoreStatus, TokenStatus } from '../shared/contract';
import { KeywardError } from '../shared/errors';
import type { WorkstationIdentity } from '../shared/inventory';
import type { Capabilities, LoginResult, LoginRole, SigningKeySpec } from '../shared/keys';
import type { OfficerRecord, QuorumPolicy } from '../shared/officers';
import { rehearsalToken } from '../shared/rehearsal';
import type { HsmSettings } from '../shared/settings';
import type { ModuleInfo, TokenDetails } from '../shared/token';
import {
  tokenAnchor,
  verifyAuditTrail,
  writeAnchoredCheckpoint,
  type AuditAnchor,
  type AuditTrailVerification,
} from './audit/anchor';
import type { HsmSelection } from './ceremonies/hsm-selection';
import { ensureDataDir } from './data-dir';
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
import { createIdentity, identitySigner } from './identity/workstation-identity';
import { enrolOfficer, type Enrolment } from './officers/enrolment';
import { requireSelfGoverning } from './officers/founding';
import { checkPassphraseRules } from './officers/passphrase';
import { readSavedSelection, settingsPath, settleStagedSettings, stageSettings, writeSettings } from './settings-file';
import { AuditLog } from './store/audit-log';
import { onFullDisk } from './store/busy';
import { CeremonyStore } from './store/ceremonies';
import { Checkpoints } from './store/checkpoints';
import { databaseFileName, openDatabase, type Db } from './store/database';
import { Identities } from './store/identity';
import { lockDataDir, whileNoOtherKeyward, type InstanceLock } from './store/instance-lock';
import { Inventory } from './store/inventory';
import { schemaVersion } from './store/migrations';
import { Officers } from './store/officers';
import { Policies } from './store/policies';
import { openStores, type Stores } from './store/stores';
import { WrappingKeys } from './store/wrapping-keys';
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

interface Connection {
  settings: HsmSettings;
  client: HsmClient;
  tokenUri: string;
}

export class Workstation {
  /** A promise, so that concurrent first calls share one HSM process. */
  private connection: Promise<Connection> | undefined;
  private db: Db | undefined;
  private storeSet: Stores | undefined;
  private instanceLock: InstanceLock | undefined;
  /** Set by readOnly(): the database is opened read-only. */
  private readOnlyDb = false;
  /** Set by allowHsmReapproval(). */
  private hsmReapproval = false;
  /** Why the open HSM selection is not approved as it is (opened for its re-approval only). */
  private unapproved: { why: string; problem: KeywardError } | undefined;

  constructor(
    readonly dataDir: string,
    private readonly startProcess: HsmChannelFactory,
    /** Settings given for this run only (CLI --module/--token); otherwise the saved settings apply. */
    private readonly override?: HsmSettings,
    /** For every HSM process: who is told that a request is still running (the CLI shows it), and (tests only) shorter limits. */
    private readonly hsmOptions: Pick<HsmClientOptions, 'onProgress' | 'limits'> = {},
  ) {
    ensureDataDir(dataDir);
  }

  settings(): HsmSettings {
    return this.override ?? this.savedSelection().settings;
  }

  /** The saved selection and its approval; a selection a change-hsm step staged is settled first (settings-file.ts). */
  private savedSelection(): SavedSelection {
    // Never while a transaction is open: a step's completion being committed is not known yet.
    if (!this.db?.inTransaction)
      settleStagedSettings(
        this.dataDir,
        (ceremonyId) => this.selectHsmCommitted(ceremonyId),
        (act) => {
          if (!this.instanceLock) return whileNoOtherKeyward(this.dataDir, act);
          act();
          return true;
        },
      );
    return readSavedSelection(this.dataDir);
  }

  private selectHsmCommitted(ceremonyId: string): boolean {
    let steps;
    try {
      steps = this.ceremonies().status(ceremonyId).steps;
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
  async listModuleTokens(modulePath: string): Promise<ModuleTokens> {
    return this.withProbe(modulePath, async (probe) => ({
      module: await probe.request('describeModule', {}),
      tokens: (await probe.request('listTokens', {})).filter((t) => t.initialized),
    }));
  }

  /**
   * Every initialised token of a module, read live: of the configured module when no path is given
   * (marking the selected token), otherwise of that module through a throw-away HSM process.
   */
  async tokenReport(modulePath?: string, tokenUri?: string): Promise<TokenReport> {
    if (modulePath !== undefined) {
      return this.withProbe(modulePath, async (probe) => ({
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

  /** The capability probe of the configured token, or of a token of another module (CLI --module/--token). */
  async probe(modulePath?: string, tokenUri?: string): Promise<Capabilities> {
    if (modulePath === undefined) {
      const { client, tokenUri: selected } = await this.connect();
      return client.request('probe', { uri: selected });
    }
    return this.withProbe(modulePath, async (probe) => {
      let uri = tokenUri;
      if (uri === undefined) {
        const tokens = (await probe.request('listTokens', {})).filter((t) => t.initialized);
        const [only] = tokens;
        if (!only || tokens.length > 1) {
          throw new KeywardError(
            'HSM_TOKEN_AMBIGUOUS',
            `The module ${modulePath} has ${tokens.length} initialised tokens${tokens.length ? `: ${tokens.map((t) => `"${t.label}" (serial ${t.serial})`).join(', ')}` : ''}.`,
            'Name the token with --token (a PKCS#11 URI such as pkcs11:token=LABEL;serial=SERIAL).',
          );
        }
        uri = only.uri;
      }
      return probe.request('probe', { uri });
    });
  }

  private async withProbe<T>(modulePath: string, work: (probe: HsmClient) => Promise<T>): Promise<T> {
    const probe = this.client({ modulePath, env: {} });
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
    if (this.identities().current()) {
      throw new KeywardError(
        'QUORUM_NOT_MET',
        'This workstation is initialised, so its HSM module and token change only in a change-hsm ceremony that the security officers approve: every PIN typed afterwards goes through the module.',
        'Plan a "Change the HSM module" ceremony (Ceremonies, or keyward ceremony run with a change-hsm plan); the officers read the module\'s SHA-256 and approve it.',
      );
    }
    if (this.override) {
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
            modulePath: settings.modulePath,
            moduleSha256: await sha256File(trustedModulePath(settings.modulePath, this.dataDir)),
          }
        : { mode: settings.mode };
    // Officer identities arrive with the ceremonies; until then the workstation is the recorded actor.
    this.audit().record({ actors: ['workstation'], action: 'hsm.select', subject, details }, () =>
      writeSettings(this.dataDir, settings),
    );
    this.disconnect();
    this.connection = Promise.resolve(candidate);
    return settings;
  }

  /** The database's stores, built once when it is first used (the database opened and migrated then). */
  stores(): Stores {
    this.storeSet ??= openStores(this.openDb());
    return this.storeSet;
  }

  audit(): AuditLog {
    return this.stores().log;
  }

  /**
   * Opens the database (migrations and PRAGMA integrity_check run here). Both shells call it at start, so
   * a damaged or too-new database is reported before any officer begins work, and nothing is written to it.
   */
  storeStatus(): StoreStatus {
    const head = this.audit().head();
    return {
      path: join(this.dataDir, databaseFileName),
      schemaVersion,
      auditEntries: head.seq,
      auditHeadHash: head.hash,
      signerFingerprint: this.identities().current()?.publicKeyFingerprint ?? null,
      lastCheckpoint: ((last) => (last ? { seq: last.seq, time: last.time } : null))(this.checkpoints().last()),
    };
  }

  private openDb(): Db {
    this.db ??= openDatabase(this.dataDir, { readOnly: this.readOnlyDb });
    return this.db;
  }

  /**
   * For commands that only read: the database is opened read-only, so they never write to it and work on
   * a full disk too. Called before the database is first used.
   */
  readOnly(): void {
    this.readOnlyDb = true;
  }

  checkpoints(): Checkpoints {
    return this.stores().checkpoints;
  }

  identities(): Identities {
    return this.stores().identities;
  }

  /** Logs in to the selected token; the PIN parts are joined only inside the HSM process. */
  async login(role: LoginRole, pinParts: string[]): Promise<LoginResult> {
    this.requireSavedHsm();
    this.holdInstanceLock();
    const { client, tokenUri } = await this.connect();
    const result = await client.request('login', { uri: tokenUri, role, pinParts });
    const unapproved = this.unapproved
      ? [
          `${this.unapproved.why}. It was opened, and the PIN typed, for the security officers to approve it again in a change-hsm ceremony: no other ceremony can be planned in this session.`,
        ]
      : [];
    return { ...result, warnings: [...result.warnings, ...unapproved] };
  }

  officers(): Officers {
    return this.stores().officers;
  }

  wrappingKeys(): WrappingKeys {
    return this.stores().wrappingKeys;
  }

  inventory(): Inventory {
    return this.stores().inventory;
  }

  /**
   * First initialisation: the workstation's signing key and certificate, and its founding officers
   * enrolled together (at least two, one of them a security officer). Needs a user login.
   */
  /**
   * The initialisation, for the app and both of the command line's ways alike: the workstation key made in
   * the token and certified (organisation and name as given), the founding officers enrolled.
   */
  async initialise(
    request: { organization: string; name: string; spec: SigningKeySpec },
    founding: Enrolment[],
  ): Promise<{ identity: WorkstationIdentity; officers: OfficerRecord[] }> {
    if (this.identities().current())
      throw new KeywardError(
        'INVALID_REQUEST',
        'This workstation is already initialised.',
        'Enrol further officers in an officer ceremony.',
      );
    const ids = founding.map((f) => f.id);
    if (new Set(ids).size !== ids.length) {
      throw new KeywardError(
        'INVALID_REQUEST',
        `The founding officers' names are not distinct: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')} is named twice.`,
        'Name each founding officer once.',
      );
    }
    // Also refuses too few officers: the others must be able to unlock any one locked out.
    requireSelfGoverning(founding);
    for (const f of founding) checkPassphraseRules(f.passphrase, f.id);
    const change = { actors: ids, ceremony: `initialise-workstation-${randomUUID()}` };
    const { client, tokenUri } = await this.connect();
    const anchor = tokenAnchor(client, tokenUri);
    if (await anchor.read()) {
      throw new KeywardError(
        'INVALID_REQUEST',
        "This token already anchors the audit log of a workstation, so it is not initialised again: the other workstation's history would be lost.",
        'Use a token that holds no Keyward workstation, or (rehearsal only) delete the rehearsal folder in the data directory.',
      );
    }
    const identity = await createIdentity(
      client,
      tokenUri,
      this.identities(),
      {
        subject: {
          commonName: request.name,
          organization: request.organization,
          organizationalUnit: 'Keyward workstation',
        },
        spec: request.spec,
      },
      change,
    );
    const signer = await identitySigner(client, tokenUri, identity);
    await this.approveSelection(signer, identity, change);
    const officers: OfficerRecord[] = [];
    for (const f of founding)
      officers.push(
        await enrolOfficer(this.officers(), { signer, certificateDer: identity.certificateDer }, f, change),
      );
    // The first checkpoint, and the anchor in the HSM that every later verification holds the log to.
    await writeAnchoredCheckpoint({ log: this.audit(), checkpoints: this.checkpoints() }, signer, anchor, ids);
    return { identity, officers };
  }

  ceremonies(): CeremonyStore {
    return this.stores().ceremonies;
  }

  policies(): Policies {
    return this.stores().policies;
  }

  policy(type: CeremonyType): QuorumPolicy {
    return this.policies().get(type);
  }

  /** The selected token, its HSM process started (and its module approved) if it was not yet. */
  async token(): Promise<{ client: HsmClient; tokenUri: string }> {
    const { client, tokenUri } = await this.connect();
    return { client, tokenUri };
  }

  private async signer(): Promise<Signer> {
    const identity = this.identities().require();
    const { client, tokenUri } = await this.connect();
    return identitySigner(client, tokenUri, identity);
  }

  /** A checkpoint of the audit log signed by the workstation key and anchored in the HSM (needs a user login). */
  async writeCheckpoint(actors: string[]): Promise<AuditCheckpoint> {
    return writeAnchoredCheckpoint(
      { log: this.audit(), checkpoints: this.checkpoints() },
      await this.signer(),
      await this.anchor(),
      actors,
    );
  }

  /**
   * On an initialised workstation, PINs go only to the module the security officers approved: a module
   * or token named for one run (CLI --module/--token) that differs from the saved settings is refused.
   */
  private requireSavedHsm(): void {
    const { override } = this;
    if (!override || !this.identities().current()) return;
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
      inspect: async (modulePath, tokenUri) => {
        const identity = this.identities().require();
        const moduleSha256 = await sha256File(trustedModulePath(modulePath, this.dataDir));
        return this.withProbe(modulePath, async (probe) => {
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
        return approval && approvalHolds(settings, approval, this.identities().require().certificateDer)
          ? approval.moduleSha256
          : undefined;
      },
      save: (selection, ceremonyId) => {
        stageSettings(this.dataDir, ceremonyId, selection);
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
  private async approveSelection(
    signer: Signer,
    identity: WorkstationIdentity,
    change: { actors: string[]; ceremony: string },
  ): Promise<void> {
    const settings = this.settings();
    const moduleSha256 =
      settings.mode === 'hsm' ? await sha256File(trustedModulePath(settings.modulePath, this.dataDir)) : null;
    const approval = await signSelection(signer, settings, {
      moduleSha256,
      tokenSerial: identity.tokenSerial,
      approvedIn: change.ceremony,
      approvedAt: new Date().toISOString(),
    });
    const subject = settings.mode === 'hsm' ? settings.tokenUri : 'rehearsal token';
    const details: AuditDetails = {
      mode: settings.mode,
      ...(settings.mode === 'hsm' ? { modulePath: settings.modulePath } : {}),
      moduleSha256,
      tokenSerial: identity.tokenSerial,
      ceremony: change.ceremony,
      approvalSignature: approval.signature,
    };
    this.audit().record({ actors: change.actors, action: 'hsm.approve', subject, details }, () =>
      writeSettings(this.dataDir, settings, approval),
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
      identity = this.db || existsSync(join(this.dataDir, databaseFileName)) ? this.identities().current() : undefined;
    } catch (error) {
      // A database that cannot be read cannot vouch for a module: only Keyward's own rehearsal token is
      // still read (to be shown; no login goes ahead without the database), never an HSM's module.
      if (saved.settings.mode !== 'rehearsal') throw error;
    }
    // A selection named for this run that differs from the saved one reads tokens only: login() refuses it.
    if (!identity || (this.override && !sameSelection(this.override, saved.settings)))
      return this.open(this.override ?? saved.settings);
    const standing = await selectionStanding({
      saved,
      file: settingsPath(this.dataDir),
      identity,
      moduleSha256Of: async (modulePath) => sha256File(trustedModulePath(modulePath, this.dataDir)),
      history: () => selectionHistory(this.audit()),
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

  /** The audit anchor on the selected token. */
  private async anchor(): Promise<AuditAnchor> {
    const { client, tokenUri } = await this.connect();
    return tokenAnchor(client, tokenUri);
  }

  /**
   * The whole audit log, verified against the workstation key read from the token and the anchor in the
   * HSM (needs a user login); how many entries come after the anchored head.
   */
  async verifyAudit(): Promise<AuditTrailVerification> {
    const identity = this.identities().require();
    const { client, tokenUri } = await this.connect();
    // The key itself, as the token holds it: never the database's record of it.
    const onToken = (await client.request('signingPublicKey', { uri: tokenUri, id: identity.tokenObjectId }))
      .publicKeySpki;
    const verified = await verifyAuditTrail(this.audit(), this.checkpoints(), await this.anchor(), onToken);
    const certified = new X509Certificate(Buffer.from(identity.certificateDer)).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    if (verified.checkpoints.ok && !certified.equals(Buffer.from(onToken))) {
      return {
        ...verified,
        checkpoints: {
          ...verified.checkpoints,
          ok: false,
          problem: {
            checkpoint: 0,
            message:
              'The workstation certificate recorded in the database is not for the signing key on the token: the database was changed outside Keyward.',
          },
        },
      };
    }
    return verified;
  }

  /** Taken before the first login (callers may take it before asking for the PIN), kept until close: see instance-lock.ts. */
  holdInstanceLock(): void {
    this.instanceLock ??= onFullDisk(
      this.dataDir,
      'take the lock that keeps a second Keyward off this workstation and its token',
      'Nothing was done: no PIN was used.',
      () => lockDataDir(this.dataDir),
    );
  }

  close(): void {
    this.instanceLock?.release();
    this.instanceLock = undefined;
    this.storeSet = undefined;
    this.db?.close();
    this.db = undefined;
    this.disconnect();
  }

  private disconnect(): void {
    const previous = this.connection;
    this.connection = undefined;
    void previous?.then((c) => c.client.close()).catch(() => undefined);
  }

  private connect(): Promise<Connection> {
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
        client: this.client({ modulePath: settings.modulePath, env: {} }),
        tokenUri: settings.tokenUri,
      };
    }
    const client = this.client(prepareRehearsalModule(this.dataDir));
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
    trustedModulePath(options.modulePath, this.dataDir);
    return new HsmClient(options, this.startProcess, {
      ...this.hsmOptions,
      registry: new HsmProcessRegistry(this.dataDir),
    });
  }
}
