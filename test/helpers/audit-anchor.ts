/** The audit anchor for tests without a token: what the HSM's anchor would name now, and an anchor kept in memory. */
import type { AnchorState, AuditAnchor } from '../../src/main/audit/anchor';
import type { ExportAnchor } from '../../src/main/store/audit-export';
import type { AuditLog } from '../../src/main/store/audit-log';
import type { Checkpoints } from '../../src/main/store/checkpoints';
import { genesisHash } from '../../src/shared/audit';

/** The anchor an export's header carries: the last checkpoint and the head, as they are now. */
export function anchorNow(log: AuditLog, checkpoints: Checkpoints): ExportAnchor {
  const last = checkpoints.last();
  const head = log.head();
  return {
    checkpoint: last?.id ?? 0,
    checkpointHash: last?.hash ?? genesisHash,
    headSeq: head.seq,
    headHash: head.hash,
  };
}

/** An anchor kept in memory, as the token keeps it (created once, then moved forward). */
export function memoryAnchor(): AuditAnchor & { state: AnchorState | null } {
  const anchor = {
    state: null as AnchorState | null,
    read: () => Promise.resolve(anchor.state),
    write: (state: AnchorState, create: boolean) => {
      if (!anchor.state && !create) return Promise.reject(new Error('no anchor to move forward'));
      anchor.state = state;
      return Promise.resolve();
    },
  };
  return anchor;
}
