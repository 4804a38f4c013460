/**
 * The workstation's connection to its HSM: the rehearsal token by default, or the module and token
 * chosen in settings. Both shells and the CLI drive the same instance type.
 */
import type { AuditDetails } from '../shared/audit';
import { KeywardError } from '../shared/errors';
import { rehearsalToken } from '../shared/rehearsal';
import type { ModuleTokens, StoreStatus, TokenStatus } from '../shared/contract';
import type { HsmSettings } from '../shared/settings';
import type { Capabilities } from '../shared/keys';
import type { ModuleInfo, TokenDetails } from '../shared/token';
import type { HsmChannelFactory, HsmProcessOptions } from './hsm/channel';
import { HsmClient } from './hsm/client';
import { prepareRehearsalModule } from './hsm/rehearsal';
import { ensureDataDir } from './data-dir';
import { readSettings, writeSettings } from './settings-file';
import { AuditLog } from './store/audit-log';
import { Checkpoints } from './store/checkpoints';
import { databaseFileName, openDatabase, type Db } from './store/database';
import { schemaVersion } from './store/migrations';
import { join } from 'node:path';
import { Identities } from './store/identity';
import { createIdentity, identitySigner, type NewIdentity } from './identity/workstation-identity';
import { randomUUID } from 'node:crypto';
import { CeremonyEngine, type EngineDependencies } from './ceremonies/engine';
import { lockDataDir, type InstanceLock } from './store/instance-lock';
import { ceremonyExecutors } from './ceremonies/registry';
import { enrolOfficer, type Enrolment } from './officers/enrolment';
import { checkPassphraseRules } from './officers/passphrase';
import { CeremonyStore } from './store/ceremonies';
import { Inventory } from './store/inventory';
import { Officers } from './store/officers';
import { Policies } from './store/policies';
import { Bundles } from './store/bundles';
import { WrappingKeys } from './store/wrapping-keys';
import { generator } from './paths';
import type { CeremonyType, OfficerRecord, QuorumPolicy } from '../shared/officers';
import type { WorkstationIdentity } from '../shared/inventory';
import type { AuditCheckpoint } from '../shared/audit';
import type { LoginResult } from './hsm/sessions';
import type { LoginRole } from '../shared/keys';
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
  private auditLog: AuditLog | undefined;
  private checkpointStore: Checkpoints | undefined;
  private identityStore: Identities | undefined;
  private officerStore: Officers | undefined;
  private inventoryStore: Inventory | undefined;
  private policyStore: Policies | undefined;
  private wrappingKeyStore: WrappingKeys | undefined;
  private ceremonyStore: CeremonyStore | undefined;
  private instanceLock: InstanceLock | undefined;

  constructor(
    readonly dataDir: string,
    private readonly startProcess: HsmChannelFactory,
    /** Settings given for this run only (CLI --module/--token); otherwise the saved settings apply. */
    private readonly override?: HsmSettings,
  ) {
    ensureDataDir(dataDir);
  }

  settings(): HsmSettings {
    return this.override ?? readSettings(this.dataDir);
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

  /** Opens the chosen token before saving the choice, so settings never name a token that cannot be read. */
  async select(settings: HsmSettings): Promise<HsmSettings> {
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
    const details: AuditDetails = settings.mode === 'hsm' ? { mode: settings.mode, modulePath: settings.modulePath } : { mode: settings.mode };
    // Officer identities arrive with the ceremonies; until then the workstation is the recorded actor.
    this.audit().record({ actors: ['workstation'], action: 'hsm.select', subject, details }, () => writeSettings(this.dataDir, settings));
    this.disconnect();
    this.connection = Promise.resolve(candidate);
    return settings;
  }

  /** The audit log, opened (and the database migrated) on first use. */
  audit(): AuditLog {
    this.auditLog ??= new AuditLog(this.openDb());
    return this.auditLog;
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
    this.db ??= openDatabase(this.dataDir);
    return this.db;
  }

  checkpoints(): Checkpoints {
    this.checkpointStore ??= new Checkpoints(this.openDb(), this.audit());
    return this.checkpointStore;
  }

  identities(): Identities {
    this.identityStore ??= new Identities(this.openDb(), this.audit());
    return this.identityStore;
  }

  /** Logs in to the selected token; the PIN parts are joined only inside the HSM process. */
  async login(role: LoginRole, pinParts: string[]): Promise<LoginResult> {
    this.holdInstanceLock();
    const { client, tokenUri } = await this.connect();
    return client.request('login', { uri: tokenUri, role, pinParts });
  }

  officers(): Officers {
    this.officerStore ??= new Officers(this.openDb(), this.audit());
    return this.officerStore;
  }

  wrappingKeys(): WrappingKeys {
    this.wrappingKeyStore ??= new WrappingKeys(this.openDb(), this.audit());
    return this.wrappingKeyStore;
  }

  inventory(): Inventory {
    this.inventoryStore ??= new Inventory(this.openDb(), this.audit());
    return this.inventoryStore;
  }

  /**
   * First initialisation: the workstation's signing key and certificate, and its founding officers
   * enrolled together (at least two, one of them a security officer). Needs a user login.
   */
  async initialise(request: NewIdentity, founding: Enrolment[]): Promise<{ identity: WorkstationIdentity; officers: OfficerRecord[] }> {
    if (this.identities().current()) throw new KeywardError('INVALID_REQUEST', 'This workstation is already initialised.', 'Enrol further officers in an officer ceremony.');
    const ids = founding.map((f) => f.id);
    if (founding.length < 2 || new Set(ids).size !== ids.length || !founding.some((f) => f.role === 'security-officer')) {
      throw new KeywardError('INVALID_REQUEST', 'A workstation is initialised by at least two distinct founding officers, one of them a security officer.', 'Name every founding officer and their role.');
    }
    for (const f of founding) checkPassphraseRules(f.passphrase, f.id);
    const change = { actors: ids, ceremony: `initialise-workstation-${randomUUID()}` };
    const { client, tokenUri } = await this.connect();
    const identity = await createIdentity(client, tokenUri, this.identities(), request, change);
    const signer = await identitySigner(client, tokenUri, identity);
    const officers: OfficerRecord[] = [];
    for (const f of founding) officers.push(await enrolOfficer(this.officers(), { signer, certificateDer: identity.certificateDer }, f, change));
    return { identity, officers };
  }

  ceremonies(): CeremonyStore {
    this.ceremonyStore ??= new CeremonyStore(this.openDb());
    return this.ceremonyStore;
  }

  policies(): Policies {
    this.policyStore ??= new Policies(this.openDb(), this.audit());
    return this.policyStore;
  }

  policy(type: CeremonyType): QuorumPolicy {
    return this.policies().get(type);
  }

  /**
   * The ceremony engine on the selected token (needs a user login); an interrupted step is rolled back
   * first. `pinParts` asks the officers for a role's PIN parts when a step needs another login.
   * `faults` is for fault-injection tests only (a crash at a chosen point); never given in production.
   */
  async ceremonyEngine(
    prompts: {
      pinParts: (role: LoginRole) => Promise<string[]>;
      newPassphrase: (officerId: string) => Promise<string>;
      backupShares: (backupId: string, threshold: number) => Promise<Uint8Array[]>;
    },
    faults: Pick<EngineDependencies, 'crash'> = {},
  ): Promise<CeremonyEngine> {
    // Never roll back the step of a ceremony another Keyward is running.
    this.holdInstanceLock();
    const identity = this.identities().require();
    const { client, tokenUri } = await this.connect();
    const signer = await identitySigner(client, tokenUri, identity);
    const token = await client.request('describeToken', { uri: tokenUri });
    const db = this.openDb();
    const log = this.audit();
    const engine = new CeremonyEngine({
      ...faults,
      db,
      store: this.ceremonies(),
      log,
      officers: this.officers(),
      policies: this.policies(),
      workstationCertificate: identity.certificateDer,
      executors: ceremonyExecutors,
      stepContext: {
        client,
        uri: tokenUri,
        tokenSerial: token.serial,
        inventory: this.inventory(),
        wrappingKeys: this.wrappingKeys(),
        bundles: new Bundles(db, log, this.inventory()),
        checkpoints: this.checkpoints(),
        log,
        signer,
        certificateDer: identity.certificateDer,
        generator,
        officers: this.officers(),
        policies: this.policies(),
        newPassphrase: prompts.newPassphrase,
        backupShares: prompts.backupShares,
        login: async (role) => {
          const result = await client.request('login', { uri: tokenUri, role, pinParts: await prompts.pinParts(role) });
          for (const warning of result.warnings) log.append({ actors: ['workstation'], action: 'hsm.pin-warning', subject: tokenUri, outcome: 'success', details: { role, warning } });
        },
      },
    });
    await engine.recover();
    return engine;
  }

  private async signer(): Promise<Signer> {
    const identity = this.identities().require();
    const { client, tokenUri } = await this.connect();
    return identitySigner(client, tokenUri, identity);
  }

  /** A checkpoint of the audit log signed by the workstation key (needs a user login). */
  async writeCheckpoint(actors: string[]): Promise<AuditCheckpoint> {
    return this.checkpoints().write(await this.signer(), actors);
  }

  /** Taken before the first login (callers may take it before asking for the PIN), kept until close: see instance-lock.ts. */
  holdInstanceLock(): void {
    this.instanceLock ??= lockDataDir(this.dataDir);
  }

  close(): void {
    this.instanceLock?.release();
    this.instanceLock = undefined;
    this.checkpointStore = undefined;
    this.identityStore = undefined;
    this.officerStore = undefined;
    this.inventoryStore = undefined;
    this.policyStore = undefined;
    this.wrappingKeyStore = undefined;
    this.ceremonyStore = undefined;
    this.db?.close();
    this.db = undefined;
    this.auditLog = undefined;
    this.disconnect();
  }


  private disconnect(): void {
    const previous = this.connection;
    this.connection = undefined;
    void previous?.then((c) => c.client.close()).catch(() => undefined);
  }

  private connect(): Promise<Connection> {
    if (!this.connection) {
      const opening = this.open(this.settings());
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
      return { settings, client: this.client({ modulePath: settings.modulePath, env: {} }), tokenUri: settings.tokenUri };
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

  private client(options: HsmProcessOptions): HsmClient {
    return new HsmClient(options, this.startProcess);
  }
}
