/**
 * After a backup: who holds which share, where it was written, and what each custodian does with it
 * before leaving the room (the same steps the share file and the script give).
 */
import type { CeremonyView } from '../../shared/ceremonies';
import { shareHandoverSteps, sharesHandedOut } from '../../shared/share-files';

interface Handover {
  backupId: string;
  shares: { holder: string; folder: string }[];
}

/** The shares each done backup step handed out, as its result records them. */
export const handoversOf = (view: CeremonyView): Handover[] =>
  view.status.steps.flatMap((s) => {
    const shares = s.result && sharesHandedOut(s.result);
    const backupId = s.result?.backupId;
    return s.state === 'done' && shares && typeof backupId === 'string' ? [{ backupId, shares }] : [];
  });

export function ShareHandoverCard({ handover }: { handover: Handover }) {
  const headingId = `handover-${handover.backupId}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Hand over the shares</h2>
      <p>
        Backup <span className="mono">{handover.backupId}</span>: each custodian takes the drive holding their share
        before the ceremony closes.
      </p>
      <ul className="share-handover" aria-label="Who holds which share">
        {handover.shares.map((s) => (
          <li key={s.folder}>
            <strong>{s.holder}</strong>
            <span className="mono">{s.folder}</span>
          </li>
        ))}
      </ul>
      <h3>What each custodian does now</h3>
      <ol>
        {shareHandoverSteps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
    </section>
  );
}
