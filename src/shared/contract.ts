/**
 * The one contract for every renderer-to-main call: its request validator and response type.
 * Main binds handlers to it (both shells), the preload exposes it as window.keyward, and the renderer
 * calls it; all three derive their types from here.
 */
import { z } from 'zod';
import type { CallName } from './call-names';
import type { AuditEntry, AuditVerification, CheckpointVerification } from './audit';
import type { Result } from './errors';
import type { InventoryKey, RotationDue } from './inventory';
import type { CeremonyType, OfficerRecord, QuorumPolicy } from './officers';
import type { Capabilities } from './keys';
import { parseTokenUri } from './pkcs11-uri';
import type { HsmSettings } from './settings';
import type { ModuleInfo, TokenDetails, TokenSummary } from './token';

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
  policies: { ceremonyType: CeremonyType; policy: QuorumPolicy; dualControl: boolean }[];
}

/** The key inventory and which rotations are due. */
export interface InventoryView {
  keys: InventoryKey[];
  rotationDue: RotationDue[];
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
  z.object({ mode: z.literal('hsm'), modulePath, tokenUri }).strict(),
]);

export const contract = {
  /** Reads the selected token live: identity, PIN flags, login state, object counts. */
  getTokenStatus: call<TokenStatus>()(noArguments),
  getHsmSettings: call<HsmSettings>()(noArguments),
  /** Loads a module (in the HSM process) and lists its tokens, so an officer can pick one. */
  listModuleTokens: call<ModuleTokens>()(z.object({ modulePath }).strict()),
  /** Switches the workstation to a token after checking that it can be opened; returns the saved settings. */
  selectHsm: call<HsmSettings>()(hsmSettingsSchema),
  /** What the selected token can do for Keyward: key types, signature schemes, wrapping algorithms. */
  probeToken: call<Capabilities>()(noArguments),
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
  /** Every key with its versions (destroyed ones too), and the rotation due list. */
  getInventory: call<InventoryView>()(noArguments),
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
