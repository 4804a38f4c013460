/**
 * The one contract for every renderer-to-main call: its request validator and response type.
 * Main binds handlers to it (both shells), the preload exposes it as window.keyward, and the renderer
 * calls it; all three derive their types from here.
 */
import { z } from 'zod';
import type { AirGapView } from './air-gap';
import type { AuditEntry, AuditVerification, CheckpointVerification } from './audit';
import type { CallName } from './call-names';
import type { CeremonySummary, CeremonyView, RecoveredStep } from './ceremonies';
import type { CeremonyCatalogueEntry, CeremonyTypeName } from './ceremony-types';
import type { Result } from './errors';
import type { BundleUpload, InventoryKey, RotationDue, VersionCustody, WrappingKeyRecord } from './inventory';
import { maxPinParts, signingKeySpecs } from './keys';
import type { DriveEntry, RemovableDrive } from './media';
import { moduleArgsSchema, moduleEnvSchema } from './module-load';
import { officerIdPattern, officerRoles, type OfficerRecord, type QuorumPolicy } from './officers';
import { parseTokenUri } from './pkcs11-uri';
import type { HsmSettings } from './settings';
import type { ModuleInfo, TokenDetails, TokenSummary } from './token';
import type { CapabilitySheet } from './token-sheet';

export interface TokenStatus {
  settings: HsmSettings;
  rehearsal: boolean;
  module: ModuleInfo;
  token: TokenDetails;
  /** ISO 8601 time at which the token was read. */
  readAt: string;
}

/** The workstation database, opened and integrity-checked at start. */
export interface StoreStatus {
  path: string;
  schemaVersion: number;
  auditEntries: number;
  auditHeadHash: string;
  /** The workstation signing identity, once initialised. */
  signerFingerprint: string | null;
  /** The last signed checkpoint of the audit log. */
  lastCheckpoint: { seq: number; time: string } | null;
}

/** The officers (never their secrets) and the quorum each ceremony type needs. */
export interface OfficersView {
  officers: OfficerRecord[];
  policies: { ceremonyType: CeremonyTypeName; policy: QuorumPolicy; dualControl: boolean }[];
}

/** The key inventory and which rotations are due. */
export interface InventoryView {
  keys: InventoryKey[];
  rotationDue: RotationDue[];
  /** Each version's backups and exports (none listed for a version with neither). */
  custody: VersionCustody[];
  /** The providers' wrapping keys imported onto the token, retired and destroyed ones too. */
  wrappingKeys: WrappingKeyRecord[];
}

/** A bundle as read back from its drive and verified (signature, every file's hash, quorum, deadline). */
export interface BundleCheck {
  ok: boolean;
  problems: string[];
  bundleId: string | null;
  files: { name: string; sha256: string }[];
  approvedBy: string[];
  signerFingerprint: string | null;
  /** What the uploader does with the bundle, from its manifest as read back: null when it could not be read. */
  upload: UploadSteps | null;
}

/** The uploader's part, after an export: verify, upload before the deadline, check. */
export interface UploadSteps {
  provider: string;
  /** Made with a rehearsal token: never to be uploaded. */
  rehearsal: boolean;
  deadline: string | null;
  /** The command that verifies the bundle on the connected side, pinned to this workstation's key. */
  verifyCommand: string;
  /** The upload commands or console steps, in order; the client they need; what to know about them. */
  steps: string[];
  client: string | null;
  notes: string[];
  permission: string;
  /** How to check afterwards that the provider holds this very key. */
  check: string[];
}

export interface CeremonyList {
  initialised: boolean;
  /** The token is logged in for ceremonies in this session. */
  loggedIn: boolean;
  unfinished: CeremonySummary[];
  recent: CeremonySummary[];
}

export interface ModuleTokens {
  module: ModuleInfo;
  tokens: TokenSummary[];
}

interface CallSpec<Req extends z.ZodType, Res> {
  request: Req;
  /** Type-only marker for the response; never read at run time. */
  response: Res;
}

/** Curried so the response type can be named while the request type is inferred from its validator. */
const call =
  <Res>() =>
  <Req extends z.ZodType>(request: Req): CallSpec<Req, Res> => ({ request, response: undefined as Res });

const noArguments = z.object({}).strict();

const absolutePath = (what: string) =>
  z
    .string()
    .min(1, `the ${what} is empty`)
    .max(4096, `the ${what} is longer than 4096 characters`)
    .refine((p) => p.startsWith('/'), `the ${what} must be a full path (start with /)`)
    .refine((p) => !p.includes('\0'), `the ${what} contains a NUL character`);
const ceremonyId = z
  .string()
  .min(1, 'the ceremony id is empty')
  .max(200, 'the ceremony id is longer than 200 characters');
const officerId = z
  .string()
  .regex(
    officerIdPattern,
    'an officer name is 2 to 32 characters: lower-case letters, digits, dot, dash or underscore, starting with a letter',
  );
const passphrase = z
  .string()
  .min(1, 'the passphrase is empty')
  .max(1024, 'the passphrase is longer than 1024 characters');
const pinParts = z
  .array(z.string().min(1, 'a PIN part is empty').max(256, 'a PIN part is longer than 256 characters'))
  .min(1, 'give at least one PIN part')
  .max(maxPinParts, `a PIN has at most ${maxPinParts} parts`);
const stepInputs = z
  .object({
    securityOfficerPin: pinParts.optional(),
    userPin: pinParts.optional(),
    newPassphrase: passphrase.optional(),
    shares: z
      .array(z.string().min(1, 'a share is empty').max(8192, 'a share is longer than 8192 characters'))
      .max(16, 'at most 16 shares')
      .optional(),
  })
  .strict();

const modulePath = z
  .string()
  .min(1, 'the module path is empty')
  .max(4096, 'the module path is longer than 4096 characters')
  .refine((p) => p.startsWith('/'), 'the module path must be absolute (start with /)')
  .refine((p) => !p.includes('\0'), 'the module path contains a NUL character');

const tokenUri = z
  .string()
  .max(2048, 'the token URI is longer than 2048 characters')
  .superRefine((uri, ctx) => {
    try {
      parseTokenUri(uri);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    }
  });

export const hsmSettingsSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('rehearsal') }).strict(),
  z
    .object({
      mode: z.literal('hsm'),
      modulePath,
      tokenUri,
      moduleArgs: moduleArgsSchema.optional(),
      moduleEnv: moduleEnvSchema.optional(),
      /** Set apart for rehearsals: everything made with it is marked REHEARSAL. */
      rehearsalOnly: z.literal(true).optional(),
    })
    .strict(),
]);

export const contract = {
  /** Reads the selected token live: identity, PIN flags, login state, object counts. */
  getTokenStatus: call<TokenStatus>()(noArguments),
  getHsmSettings: call<HsmSettings>()(noArguments),
  /** Loads a module (in the HSM process) and lists its tokens, so an officer can pick one. */
  listModuleTokens: call<ModuleTokens>()(
    z.object({ modulePath, moduleArgs: moduleArgsSchema.optional(), moduleEnv: moduleEnvSchema.optional() }).strict(),
  ),
  /** Switches the workstation to a token after checking that it can be opened; returns the saved settings. */
  selectHsm: call<HsmSettings>()(hsmSettingsSchema),
  /** What the selected token can do for Keyward: key types, signature schemes, wrapping algorithms. */
  probeToken: call<CapabilitySheet>()(noArguments),
  /** The same sheet as probed once in this run (forms offer only what the token can do): probes only when none is kept. */
  getTokenSheet: call<CapabilitySheet>()(noArguments),
  /** Audit entries, newest first, filtered; `before` pages back by sequence number. */
  queryAudit: call<AuditEntry[]>()(
    z
      .object({
        action: z.string().max(100).optional(),
        actor: z.string().max(100).optional(),
        subject: z.string().max(500).optional(),
        ceremony: z.string().max(100).optional(),
        from: z.iso.datetime({ message: 'from must be an ISO 8601 time' }).optional(),
        to: z.iso.datetime({ message: 'to must be an ISO 8601 time' }).optional(),
        before: z.number().int().min(1).optional(),
        limit: z.number().int().min(1).max(500),
      })
      .strict(),
  ),
  /** The database's state; an unreadable or damaged database is reported here with what to do. */
  getStoreStatus: call<StoreStatus>()(noArguments),
  /** The officers and the quorum policies. */
  getOfficers: call<OfficersView>()(noArguments),
  /** Every ceremony type: what it is, its default quorum rule and its form, in the order the app offers them. */
  getCeremonyCatalogue: call<CeremonyCatalogueEntry[]>()(noArguments),
  /** Every key with its versions (destroyed ones too), and the rotation due list. */
  getInventory: call<InventoryView>()(noArguments),
  /** Network interfaces up, wireless devices and default routes: what would break the air gap. */
  getAirGapStatus: call<AirGapView>()(noArguments),
  /** A security officer, with their passphrase, acknowledges what the air-gap check found (audited); ceremonies may then be planned. */
  acknowledgeAirGap: call<AirGapView>()(
    z.object({ officer: officerId, passphrase, findings: z.array(z.string().max(500)).max(64) }).strict(),
  ),
  /** An officer records, with their passphrase (signed and audited), that a bundle was uploaded to its provider; once per bundle. */
  recordBundleUpload: call<BundleUpload>()(
    z
      .object({
        bundleId: z.uuid('a bundle id'),
        officer: officerId,
        passphrase,
        note: z.string().trim().min(1, 'say what shows the upload took').max(500),
      })
      .strict(),
  ),
  /** Removable drives (and practice folders on the rehearsal token) a ceremony may read from and write to. */
  listDrives: call<RemovableDrive[]>()(noArguments),
  /** The files and folders on one listed drive, two levels deep. */
  listDriveFiles: call<DriveEntry[]>()(z.object({ mountPoint: absolutePath('mount point') }).strict()),
  /** Logs in to the token as the user, the PIN typed in parts by their holders; rolls back an interrupted step. */
  loginToken: call<{ warnings: string[]; recovered: RecoveredStep[] }>()(z.object({ pinParts }).strict()),
  /** Ends the session: logs the token out, and signed aborts given so far are forgotten. */
  logoutToken: call<null>()(noArguments),
  /** The first initialisation: the workstation's signing key and its founding officers (needs the token logged in). */
  initialiseWorkstation: call<{ signerFingerprint: string; officers: string[] }>()(
    z
      .object({
        organization: z
          .string()
          .trim()
          .min(1, 'the organisation is empty')
          .max(64, 'the organisation is longer than 64 characters'),
        name: z
          .string()
          .trim()
          .min(1, 'the workstation name is empty')
          .max(64, 'the workstation name is longer than 64 characters'),
        signingKey: z.enum(signingKeySpecs),
        founding: z
          .array(
            z
              .object({
                id: officerId,
                name: z.string().trim().min(1, 'a name is empty').max(100),
                role: z.enum(officerRoles),
                passphrase,
              })
              .strict(),
          )
          .min(2, 'at least two founding officers')
          .max(16, 'at most 16 founding officers'),
        /** The air-gap findings the founding security officer read and acknowledges (none on an isolated workstation). */
        airGapFindings: z.array(z.string().max(500)).max(64),
      })
      .strict(),
  ),
  /** Unfinished ceremonies (interrupted ones marked) and the last ended ones. */
  getCeremonies: call<CeremonyList>()(noArguments),
  /** Plans a ceremony from the app's form (the plan file's fields) or from a plan file on a drive. */
  planCeremony: call<CeremonyView>()(
    z.union([
      z.object({ plan: z.record(z.string(), z.unknown()) }).strict(),
      z.object({ planFile: absolutePath('plan file') }).strict(),
    ]),
  ),
  getCeremony: call<CeremonyView>()(z.object({ id: ceremonyId }).strict()),
  /** An officer checks in by signing the plan digest; their passphrase unseals their approval key. */
  checkInOfficer: call<CeremonyView>()(z.object({ id: ceremonyId, officer: officerId, passphrase }).strict()),
  /** An officer approves one sensitive step by signing its digest. */
  approveCeremonyStep: call<CeremonyView>()(
    z.object({ id: ceremonyId, step: z.number().int().min(0).max(100), officer: officerId, passphrase }).strict(),
  ),
  /** Runs the next step once its approvals verify, with the PIN parts, passphrase or shares it needs (never kept). */
  runCeremonyStep: call<CeremonyView>()(z.object({ id: ceremonyId, inputs: stepInputs }).strict()),
  /** A checked-in officer (their passphrase proves it) ends a ceremony without completing it; its completed steps are undone. */
  /**
   * A checked-in officer (their passphrase proves it) signs the abort of a ceremony; unless `finish` is
   * false (another officer signs too), it ends without completing. Steps that took effect are undone only
   * when the officers who signed meet the ceremony's quorum.
   */
  abortCeremony: call<CeremonyView>()(
    z
      .object({
        id: ceremonyId,
        reason: z.string().trim().min(1, 'give the reason for aborting').max(500),
        officer: officerId,
        passphrase,
        inputs: stepInputs,
        finish: z.boolean().optional(),
      })
      .strict(),
  ),
  /** Writes the signed transcript (JSON and PDF) of an ended ceremony to a folder on a drive. */
  writeCeremonyTranscript: call<string>()(z.object({ id: ceremonyId, folder: absolutePath('folder') }).strict()),
  /** Writes the signed ceremony script (PDF, to print before the ceremony) of a ceremony not yet ended to a folder on a drive. */
  writeCeremonyScript: call<string>()(z.object({ id: ceremonyId, folder: absolutePath('folder') }).strict()),
  /** Reads a written bundle back from its drive and verifies it as the connected side will. */
  verifyBundleOnDrive: call<BundleCheck>()(z.object({ folder: absolutePath('bundle folder') }).strict()),
  /** Recomputes the hash chain and every signed checkpoint. */
  verifyAudit: call<{ chain: AuditVerification; checkpoints: CheckpointVerification }>()(noArguments),
} satisfies { [N in CallName]: CallSpec<z.ZodType, unknown> };

export type Contract = typeof contract;
export type RequestOf<N extends CallName> = z.input<Contract[N]['request']>;
export type ValidRequestOf<N extends CallName> = z.output<Contract[N]['request']>;
export type ResponseOf<N extends CallName> = Contract[N]['response'];

/** What the renderer sees as window.keyward. */
export type KeywardApi = { [N in CallName]: (request: RequestOf<N>) => Promise<Result<ResponseOf<N>>> };

/** What main implements, once, for both shells. Handlers receive validated requests only. */
export type Handlers = { [N in CallName]: (request: ValidRequestOf<N>) => Promise<ResponseOf<N>> };
