/**
 * The audit log anchored outside the database. The token's audit anchor (src/main/hsm/host/audit-anchor.ts)
 * records the last checkpoint Keyward signed, the log's head at that moment and the workstation key; the
 * anchor only ever moves forward, and only after the log is found still to hold what it names. A log
 * rewritten and re-signed with another key, whose checkpoints were deleted or rolled back, or whose
 * entries were cut, no longer matches it: verification says so, and so does the next anchoring.
 */
import { z } from 'zod';
import {
  genesisHash,
  type AuditCheckpoint,
  type AuditVerification,
  type CheckpointVerification,
} from '../../shared/audit';
import { KeywardError } from '../../shared/errors';
import type { HsmClient } from '../hsm/client/client';
import type { AuditLog } from '../store/audit-log';
import type { Checkpoints } from '../store/checkpoints';
import { publicKeyFingerprint } from '../store/identity';
import type { Signer } from '../x509/signer';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const anchorSchema = z
  .object({
    type: z.literal('keyward-audit-anchor'),
    version: z.literal(1),
    /** SHA-256 of the workstation key's SPKI: the key every checkpoint is signed with. */
    workstationKey: hex64,
    /** The last checkpoint anchored (0: none yet) and its hash. */
    checkpoint: z.number().int().min(0),
    checkpointHash: hex64,
    /** The log's head when it was anchored. */
    headSeq: z.number().int().min(0),
    headHash: hex64,
  })
  .strict();
export type AnchorState = z.infer<typeof anchorSchema>;

/** Where the anchor is kept: the token (a user login reads and writes it). */
export interface AuditAnchor {
  read(): Promise<AnchorState | null>;
  write(state: AnchorState, create: boolean): Promise<void>;
  /** Set when the token keeps no anchor (a token set apart for rehearsals that holds no data objects): why. */
  absent?: string;
}

/** No anchor: on a token set apart for rehearsals that cannot hold one, the log is checked by its hash chain and checkpoints only. */
export const noAnchor = (why: string): AuditAnchor => ({
  read: () => Promise.resolve(null),
  write: () => Promise.resolve(),
  absent: why,
});

export function tokenAnchor(client: HsmClient, uri: string): AuditAnchor {
  return {
    read: async () => {
      const states = (await client.request('readAuditAnchor', { uri })).map((bytes) => {
        let parsed;
        try {
          parsed = anchorSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success) throw tampered('the audit anchor on the token is not one Keyward wrote');
        return parsed.data;
      });
      // Two when Keyward stopped while moving it forward: the one furthest ahead is the anchor.
      return states.sort((a, b) => b.checkpoint - a.checkpoint || b.headSeq - a.headSeq)[0] ?? null;
    },
    write: async (state, create) => {
      await client.request('writeAuditAnchor', { uri, value: Buffer.from(JSON.stringify(state)), create });
    },
  };
}

const tampered = (what: string): KeywardError =>
  new KeywardError(
    'AUDIT_REFUSED',
    `The audit log does not match its anchor in the HSM: ${what}.`,
    'Stop using this workstation for ceremonies, keep the database file and the token as evidence, and inform the auditors.',
  );

/** The action recorded when an anchor is first created: once it is in the log, the anchor must exist. */
export const anchorCreatedAction = 'audit.anchor.create';

/** Why the log no longer holds what the anchor names, if it does not. */
export function anchorProblem(
  state: AnchorState,
  log: AuditLog,
  checkpoints: Checkpoints,
  workstationSpki: Uint8Array,
): string | undefined {
  if (state.workstationKey !== publicKeyFingerprint(workstationSpki))
    return 'it was written for another workstation key than the one on this token';
  const anchored = state.checkpoint === 0 ? undefined : checkpoints.byId(state.checkpoint);
  if (state.checkpoint > 0 && (!anchored || anchored.hash !== state.checkpointHash)) {
    return `checkpoint ${state.checkpoint}, anchored in the HSM, is ${anchored ? 'not the one signed then' : 'missing'}: checkpoints were deleted, replaced or rolled back`;
  }
  const held = log.hashAt(state.headSeq);
  if (held === undefined)
    return `the log ends before entry ${state.headSeq}, anchored in the HSM: entries were cut off`;
  if (held !== state.headHash)
    return `entry ${state.headSeq} is not the entry anchored in the HSM: the log was rewritten`;
  return undefined;
}

/**
 * Moves the anchor to the log's last checkpoint and head, after checking that the log still holds what
 * the anchor names (so a tampered log never drags the anchor back). A workstation whose log was never
 * anchored (a new one, or one from before anchors) gets its first anchor; one whose anchor vanished does not.
 */
export async function anchorLog(
  anchor: AuditAnchor,
  log: AuditLog,
  checkpoints: Checkpoints,
  workstationSpki: Uint8Array,
  actors: string[],
): Promise<AnchorState> {
  const current = await anchor.read();
  const everAnchored = log.query({ action: anchorCreatedAction, limit: 1 }).length > 0;
  if (anchor.absent && !everAnchored) return unanchoredState(log, checkpoints, workstationSpki);
  if (current) {
    const problem = anchorProblem(current, log, checkpoints, workstationSpki);
    if (problem) throw tampered(problem);
  } else if (everAnchored) {
    throw tampered('the anchor is missing from the token, though this workstation created one');
  }
  if (!current)
    log.append({
      actors,
      action: anchorCreatedAction,
      subject: 'workstation',
      outcome: 'success',
      details: { checkpoint: checkpoints.last()?.id ?? 0 },
    });
  const state = unanchoredState(log, checkpoints, workstationSpki);
  await anchor.write(state, !current);
  return state;
}

/** The anchor the log's last checkpoint and head would make. */
function unanchoredState(log: AuditLog, checkpoints: Checkpoints, workstationSpki: Uint8Array): AnchorState {
  const last: AuditCheckpoint | undefined = checkpoints.last();
  const head = log.head();
  return {
    type: 'keyward-audit-anchor',
    version: 1,
    workstationKey: publicKeyFingerprint(workstationSpki),
    checkpoint: last?.id ?? 0,
    checkpointHash: last?.hash ?? genesisHash,
    headSeq: head.seq,
    headHash: head.hash,
  };
}

/**
 * A checkpoint signed by the workstation key in the HSM, stored, and anchored on the token. The log is
 * checked first (its hash chain, and what the anchor names), so the HSM never signs a rewritten history.
 */
export async function writeAnchoredCheckpoint(
  stores: { log: AuditLog; checkpoints: Checkpoints },
  signer: Signer,
  anchor: AuditAnchor,
  actors: string[],
): Promise<AuditCheckpoint> {
  const { log, checkpoints } = stores;
  const chain = log.verify();
  if (!chain.ok)
    throw new KeywardError(
      'AUDIT_REFUSED',
      `The audit log does not verify (${chain.problem?.message ?? 'its hash chain is broken'}), so the workstation key signs no checkpoint of it.`,
      'Stop using this workstation for ceremonies, keep the database file as evidence, and inform the auditors.',
    );
  const current = await anchor.read();
  const problem = current ? anchorProblem(current, log, checkpoints, signer.spki) : undefined;
  if (problem) throw tampered(problem);
  const checkpoint = await checkpoints.write(signer, actors);
  await anchorLog(anchor, log, checkpoints, signer.spki, actors);
  return checkpoint;
}

export interface AuditTrailVerification {
  chain: AuditVerification;
  checkpoints: CheckpointVerification;
}

/**
 * The whole log: its hash chain, every checkpoint against the workstation key read from the token, and
 * the anchor in the HSM; and how many entries were written after the anchored head.
 */
export async function verifyAuditTrail(
  log: AuditLog,
  checkpoints: Checkpoints,
  anchor: AuditAnchor,
  workstationSpki: Uint8Array,
): Promise<AuditTrailVerification> {
  const chain = log.verify();
  const verified = checkpoints.verify(workstationSpki);
  const state = await anchor.read();
  if (!state) {
    const everAnchored = log.query({ action: anchorCreatedAction, limit: 1 }).length > 0;
    return {
      chain,
      checkpoints: {
        ...verified,
        ok: false,
        ...(anchor.absent && !everAnchored
          ? {
              problem: { checkpoint: 0, message: `The audit log is not anchored: ${anchor.absent}.`, incomplete: true },
            }
          : everAnchored
            ? {
                problem: {
                  checkpoint: 0,
                  message:
                    'The audit anchor is missing from the HSM, so the checkpoints cannot be confirmed: it was removed outside Keyward, or this log belongs to another token.',
                },
              }
            : {
                problem: {
                  checkpoint: 0,
                  message:
                    'The audit log has not been anchored in the HSM yet: write a checkpoint (keyward audit checkpoint, or any ceremony), then verify again.',
                  incomplete: true,
                },
              }),
      },
    };
  }
  const problem = anchorProblem(state, log, checkpoints, workstationSpki);
  const anchored = {
    checkpoint: state.checkpoint,
    headSeq: state.headSeq,
    entriesAfter: Math.max(0, chain.entries - state.headSeq),
  };
  if (problem)
    return {
      chain,
      checkpoints: {
        ...verified,
        ok: false,
        anchor: anchored,
        problem: {
          checkpoint: state.checkpoint,
          message: `The audit log does not match its anchor in the HSM: ${problem}.`,
        },
      },
    };
  return { chain, checkpoints: { ...verified, anchor: anchored } };
}

/** Why a workstation not yet initialised cannot have its log held to the HSM. */
export const notInitialisedYet =
  'This workstation is not initialised yet: there is no workstation key or audit anchor in the HSM to check the log against.';

/** When the HSM cannot be asked (no token login, no workstation key yet): the hash chain alone, never reported as a verification. */
export function unanchoredVerification(log: AuditLog, checkpoints: Checkpoints, why: string): AuditTrailVerification {
  return {
    chain: log.verify(),
    checkpoints: {
      ok: false,
      checkpoints: checkpoints.all().length,
      problem: { checkpoint: 0, message: why, incomplete: true },
    },
  };
}
