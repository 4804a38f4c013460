/**
 * The workstation's connection to its HSM: the rehearsal token by default, or the module and token
 * chosen in settings. Both shells and the CLI drive the same instance type.
 */
import { X509Certificate, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AuditCheckpoint } from '../shared/audit';
import type { CeremonyRule } from '../shared/ceremony-types';
import type { ModuleTokens, StoreStatus, TokenStatus } from '../shared/contract';
import { KeywardError } from '../shared/errors';
import type { WorkstationIdentity } from '../shared/inventory';
import type { LoginResult, LoginRole, SigningKeySpec } from '../shared/keys';
import type { ModuleLoad } from '../shared/module-load';
import type { OfficerRecord, QuorumPolicy } from '../shared/officers';
import type { HsmSettings } from '../shared/settings';
import type { CapabilitySheet } from '../shared/token-sheet';
import {
  verifyAuditTrail,
  writeAnchoredCheckpoint,
  type AuditAnchor,
  type AuditTrailVerification,
} from './audit/anchor';
import type { HsmSelection } from './ceremonies/hsm-selection';
import { ensureDataDir } from './data-dir';
import { HsmConnection, type TokenReport } from './hsm-connection';
import type { HsmChannelFactory } from './hsm/channel';
import { HsmClient, type HsmClientOptions } from './hsm/client/client';
import { createIdentity, identitySigner } from './identity/workstation-identity';
import { enrolOfficer, type Enrolment } from './officers/enrolment';
import { requireSelfGoverning } from './officers/founding';
import { checkPassphraseRules } from './officers/passphrase';
import { AuditLog } from './store/audit-log';
import { onFullDisk } from './store/busy';
import { CeremonyStore } from './store/ceremonies';
import { Checkpoints } from './store/checkpoints';
import { databaseFileName, openDatabase, type Db } from './store/database';
import { Identities } from './store/identity';
import { lockDataDir, type InstanceLock } from './store/instance-lock';
import { Inventory } from './store/inventory';
import { schemaVersion } from './store/migrations';
import { Officers } from './store/officers';
import { Policies } from './store/policies';
import { openStores, type Stores } from './store/stores';
import { WrappingKeys } from './store/wrapping-keys';
import type { Signer } from './x509/signer';

export type { TokenReport } from './hsm-connection';

export class Workstation {
  private db: Db | undefined;
  private storeSet: Stores | undefined;
  private instanceLock: InstanceLock | undefined;
  /** Set by readOnly(): the database is opened read-only. */
  private readOnlyDb = false;
  /** The HSM: the selection the security officers approved, opened once and shared. */
  readonly hsm: HsmConnection;

  constructor(
    readonly dataDir: string,
    startProcess: HsmChannelFactory,
    /** Each ceremony type's default policy and dual control: openWorkstation gives the catalogue's. */
    private readonly ceremonyRules: Readonly<Record<string, CeremonyRule>>,
    /** Settings given for this run only (CLI --module/--token); otherwise the saved settings apply. */
    override?: HsmSettings,
    /** For every HSM process: who is told that a request is still running (the CLI shows it), and (tests only) shorter limits. */
    hsmOptions: Pick<HsmClientOptions, 'onProgress' | 'limits'> = {},
  ) {
    ensureDataDir(dataDir);
    this.hsm = new HsmConnection({
      dataDir,
      startProcess,
      override,
      hsmOptions,
      stores: () => this.stores(),
      databaseOpen: () => this.db !== undefined,
      inTransaction: () => this.db?.inTransaction === true,
      lockHeld: () => this.instanceLock !== undefined,
    });
  }

  // The HSM's calls as the handlers and the CLI make them on the workstation.
  settings(): HsmSettings {
    return this.hsm.settings();
  }
  allowHsmReapproval(): void {
    this.hsm.allowHsmReapproval();
  }
  requireHsmApprovedFor(ceremony: string): void {
    this.hsm.requireHsmApprovedFor(ceremony);
  }
  tokenStatus(): Promise<TokenStatus> {
    return this.hsm.tokenStatus();
  }
  listModuleTokens(load: ModuleLoad): Promise<ModuleTokens> {
    return this.hsm.listModuleTokens(load);
  }
  tokenReport(load?: ModuleLoad, tokenUri?: string): Promise<TokenReport> {
    return this.hsm.tokenReport(load, tokenUri);
  }
  probe(load?: ModuleLoad, tokenUri?: string): Promise<CapabilitySheet> {
    return this.hsm.probe(load, tokenUri);
  }
  select(settings: HsmSettings): Promise<HsmSettings> {
    return this.hsm.select(settings);
  }
  hsmSelection(): HsmSelection {
    return this.hsm.hsmSelection();
  }
  /** Drops the HSM connection (the settings changed): the next call opens the HSM the settings now name. */
  reconnect(): void {
    this.hsm.reconnect();
  }

  /** The database's stores, built once when it is first used (the database opened and migrated then). */
  stores(): Stores {
    this.storeSet ??= openStores(this.openDb(), this.ceremonyRules);
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
    this.hsm.requireSavedHsm();
    this.holdInstanceLock();
    const { client, tokenUri } = await this.hsm.connect();
    const result = await client.request('login', { uri: tokenUri, role, pinParts });
    return { ...result, warnings: [...result.warnings, ...this.hsm.loginWarnings()] };
  }

  /** Ends the token's login (the user's, or a security officer's a step left), so nothing more is done as them. */
  async logout(): Promise<void> {
    const { client, tokenUri } = await this.hsm.connect();
    await client.request('logout', { uri: tokenUri });
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
    requireSelfGoverning(founding, (type) => this.policies().rule(type));
    for (const f of founding) checkPassphraseRules(f.passphrase, f.id);
    const change = { actors: ids, ceremony: `initialise-workstation-${randomUUID()}` };
    const { client, tokenUri } = await this.hsm.connect();
    const anchor = await this.hsm.auditAnchor();
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
    await this.hsm.approveSelection(signer, identity, change);
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

  policy(type: string): QuorumPolicy {
    return this.policies().get(type);
  }

  /** The selected token, its HSM process started (and its module approved) if it was not yet. */
  async token(): Promise<{ client: HsmClient; tokenUri: string }> {
    const { client, tokenUri } = await this.hsm.connect();
    return { client, tokenUri };
  }

  private async signer(): Promise<Signer> {
    const identity = this.identities().require();
    const { client, tokenUri } = await this.hsm.connect();
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

  /** The audit anchor on the selected token. */
  private async anchor(): Promise<AuditAnchor> {
    return this.hsm.auditAnchor();
  }

  /**
   * The whole audit log, verified against the workstation key read from the token and the anchor in the
   * HSM (needs a user login); how many entries come after the anchored head.
   */
  async verifyAudit(): Promise<AuditTrailVerification> {
    const identity = this.identities().require();
    const { client, tokenUri } = await this.hsm.connect();
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
    this.hsm.reconnect();
  }
}
