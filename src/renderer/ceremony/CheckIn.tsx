/** Before the steps: the plan and its digest read by everyone, then the officers check in one at a time. */
import { useState } from 'react';
import type { CeremonyView } from '../../shared/ceremonies';
import type { OfficerRecord } from '../../shared/officers';
import { countsTowardsQuorum, rolesInWords } from '../../shared/officers';
import { busyReason, ReasonedButton } from '../components/ReasonedButton';
import { plural } from '../format';
import { Digest } from './Digest';
import { Handover } from './Handover';
import { OfficerPassphrase } from './OfficerPassphrase';
import { StepDetails } from './StepDetails';
import { useCeremony } from './store';

const needsApproval = (view: CeremonyView): boolean => view.status.plan.steps.some((s) => s.sensitive);

/** Enough officers in the roles the policy counts have checked in for the quorum (one officer for a ceremony without approvals). */
function enoughCheckedIn(view: CeremonyView, officers: OfficerRecord[]): boolean {
  if (!needsApproval(view)) return view.status.checkedIn.length >= 1;
  return (
    officers.filter((o) => view.status.checkedIn.includes(o.id) && countsTowardsQuorum(view.policy, o.role)).length >=
    view.quorumNeeded
  );
}

export function PlanReview({ view, onAccept }: { view: CeremonyView; onAccept: () => void }) {
  return (
    <section className="card" aria-labelledby="plan-heading">
      <h2 id="plan-heading">The plan</h2>
      <p className="hint">Each step, then every value its digest covers: the plan digest below covers them all.</p>
      <ol className="plan-steps">
        {view.status.plan.steps.map((s) => (
          <li key={s.index}>
            {s.description}
            {s.sensitive && <span className="tag">needs {plural(view.quorumNeeded, 'approval', 'approvals')}</span>}
            <StepDetails details={view.steps[s.index]?.details ?? []} label={`Step ${s.index + 1}: what is signed`} />
          </li>
        ))}
      </ol>
      <Digest
        label="Plan digest: every officer reads it and checks it aloud before checking in"
        hex={view.status.plan.planDigest}
      />
      <p className="hint">
        Quorum for this ceremony: {plural(view.quorumNeeded, 'approval', 'approvals')} from officers in the roles{' '}
        {rolesInWords(view.policy.roles)}.
      </p>
      <button type="button" className="primary" onClick={onAccept}>
        We have read the plan and checked the digest: check in
      </button>
    </section>
  );
}

export function CheckIn({
  view,
  officers,
  onDone,
}: {
  view: CeremonyView;
  officers: OfficerRecord[];
  onDone: () => void;
}) {
  const checkIn = useCeremony((s) => s.checkIn);
  const working = useCeremony((s) => s.working);
  const [handover, setHandover] = useState<string | undefined>();
  const { checkedIn } = view.status;
  const waiting = officers.filter((o) => o.state === 'active' && !checkedIn.includes(o.id));
  const enough = enoughCheckedIn(view, officers);
  return (
    <section className="card" aria-labelledby="checkin-heading">
      <h2 id="checkin-heading">Officers check in</h2>
      <p>Each officer present checks in with their own passphrase, which signs this plan digest.</p>
      <Digest label="The plan digest each officer signs by checking in" hex={view.status.plan.planDigest} />
      <p role="status">{checkedIn.length ? `Checked in: ${checkedIn.join(', ')}.` : 'Nobody has checked in yet.'}</p>
      {handover ? (
        <Handover text={handover} onNext={() => setHandover(undefined)} />
      ) : (
        <OfficerPassphrase
          officers={waiting}
          purpose="check in to this ceremony"
          submitLabel="Check in"
          whyDisabled={busyReason(working)}
          onSubmit={async (officer, passphrase) => {
            const ok = await checkIn(officer, passphrase);
            if (ok) setHandover(`${officer} has checked in.`);
            return ok;
          }}
        />
      )}
      <ReasonedButton
        className={enough ? 'primary' : undefined}
        whyDisabled={
          enough
            ? undefined
            : needsApproval(view)
              ? `At least ${plural(view.quorumNeeded, 'officer', 'officers')} in the roles ${rolesInWords(view.policy.roles)} check in before the steps.`
              : 'At least one officer checks in before the steps.'
        }
        onClick={onDone}
      >
        Everyone present has checked in: go to the steps
      </ReasonedButton>
    </section>
  );
}
