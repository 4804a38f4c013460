import { useEffect, useState } from 'react';
import type { CeremonyView, StepInputs } from '../../shared/ceremonies';
import type { OfficerRecord } from '../../shared/officers';
import { ErrorPanel } from '../components/ErrorPanel';
import { roleLabels, utcText } from '../format';
import { useApp } from '../store';
import { Digest } from './Digest';
import { OfficerPassphrase } from './OfficerPassphrase';
import { StepInputsEntry, inputsComplete } from './StepInputsEntry';
import { StepResult } from './StepResult';
import { Summary } from './Summary';
import { useCeremony } from './store';
import { TokenLogin } from './TokenLogin';
import { Working } from './Working';

type Phase = 'plan' | 'check-in' | 'steps';
const phaseTitles: Record<Phase | 'summary', string> = { plan: 'Read the plan', 'check-in': 'Officers check in', steps: 'Steps', summary: 'Summary' };

const ended = (view: CeremonyView): boolean => view.status.state === 'completed' || view.status.state === 'aborted';
const needsApproval = (view: CeremonyView): boolean => view.status.plan.steps.some((s) => s.sensitive);

/** Enough officers in the roles the policy counts have checked in for the quorum (one officer for a ceremony without approvals). */
function enoughCheckedIn(view: CeremonyView, officers: OfficerRecord[]): boolean {
  if (!needsApproval(view)) return view.status.checkedIn.length >= 1;
  return officers.filter((o) => view.status.checkedIn.includes(o.id) && view.policy.roles.includes(o.role)).length >= view.quorumNeeded;
}

function initialPhase(view: CeremonyView): Phase {
  if (view.status.steps.some((s) => s.state !== 'pending')) return 'steps';
  return view.status.checkedIn.length > 0 ? 'check-in' : 'plan';
}

/** Shown after each officer's secret entry, so the next officer never sees the previous one's screen. */
function Handover({ text, onNext }: { text: string; onNext: () => void }) {
  return (
    <div className="handover" role="status">
      <p>{text}</p>
      <p>The screen is cleared. The next officer comes to the keyboard.</p>
      <button type="button" className="primary" onClick={onNext}>
        Next officer
      </button>
    </div>
  );
}

function PlanReview({ view, onAccept }: { view: CeremonyView; onAccept: () => void }) {
  return (
    <section className="card" aria-labelledby="plan-heading">
      <h2 id="plan-heading">The plan</h2>
      <ol className="plan-steps">
        {view.status.plan.steps.map((s) => (
          <li key={s.index}>
            {s.description}
            {s.sensitive && <span className="tag">needs {view.quorumNeeded} approvals</span>}
          </li>
        ))}
      </ol>
      <Digest label="Plan digest: every officer reads it and checks it aloud before checking in" hex={view.status.plan.planDigest} />
      <p className="hint">
        Quorum for {view.status.plan.type}: {view.quorumNeeded} approvals from {view.policy.roles.map((r) => roleLabels[r]).join(', ')}.
      </p>
      <button type="button" className="primary" onClick={onAccept}>
        We have read the plan and checked the digest: check in
      </button>
    </section>
  );
}

function CheckIn({ view, officers, onDone }: { view: CeremonyView; officers: OfficerRecord[]; onDone: () => void }) {
  const checkIn = useCeremony((s) => s.checkIn);
  const working = useCeremony((s) => s.working);
  const [handover, setHandover] = useState<string | undefined>();
  const { checkedIn } = view.status;
  const waiting = officers.filter((o) => o.state === 'active' && !checkedIn.includes(o.id));
  const enough = enoughCheckedIn(view, officers);
  return (
    <section className="card" aria-labelledby="checkin-heading">
      <h2 id="checkin-heading">Officers check in</h2>
      <p>Each officer present checks in with their own passphrase, which signs the plan digest.</p>
      <p role="status">{checkedIn.length ? `Checked in: ${checkedIn.join(', ')}.` : 'Nobody has checked in yet.'}</p>
      {handover ? (
        <Handover text={handover} onNext={() => setHandover(undefined)} />
      ) : (
        <OfficerPassphrase
          officers={waiting}
          purpose="check in to this ceremony"
          submitLabel="Check in"
          disabled={working !== undefined}
          onSubmit={async (officer, passphrase) => {
            const ok = await checkIn(officer, passphrase);
            if (ok) setHandover(`${officer} has checked in.`);
            return ok;
          }}
        />
      )}
      <button type="button" className={enough ? 'primary' : undefined} disabled={!enough} onClick={onDone}>
        Everyone present has checked in: go to the steps
      </button>
      {!enough && (
        <p className="hint">
          {needsApproval(view) ? `At least ${view.quorumNeeded} officers in the roles ${view.policy.roles.map((r) => roleLabels[r]).join(', ')} check in before the steps.` : 'At least one officer checks in before the steps.'}
        </p>
      )}
    </section>
  );
}

function StepPanel({ view, officers, onCheckInMore }: { view: CeremonyView; officers: OfficerRecord[]; onCheckInMore: () => void }) {
  const approve = useCeremony((s) => s.approve);
  const runNext = useCeremony((s) => s.runNext);
  const working = useCeremony((s) => s.working);
  const [handover, setHandover] = useState<string | undefined>();
  const [inputs, setInputs] = useState<StepInputs>({});
  const next = view.status.steps.find((s) => s.state !== 'done');
  const planned = next ? view.status.plan.steps[next.index] : undefined;
  const stepView = next ? view.steps[next.index] : undefined;
  if (!next || !planned || !stepView) return null;
  const approvals = stepView.approvals.filter((a) => view.status.checkedIn.includes(a.officer));
  const stillNeeded = planned.sensitive ? Math.max(0, view.quorumNeeded - approvals.length) : 0;
  const approvers = officers.filter((o) => view.status.checkedIn.includes(o.id) && view.policy.roles.includes(o.role) && !approvals.some((a) => a.officer === o.id));
  const ready = stillNeeded === 0 && inputsComplete(stepView.inputs, inputs);
  const newOfficer = typeof planned.params.id === 'string' ? planned.params.id : undefined;

  return (
    <section className="card current-step" aria-labelledby="current-step-heading">
      <h2 id="current-step-heading">
        Step {next.index + 1} of {view.status.steps.length}: {planned.description}
      </h2>
      {next.state === 'failed' && <p className="finding finding-danger">This step failed the last time it ran; nothing it started was kept. Correct the cause shown above, then run it again.</p>}
      {next.state === 'rolled-back' && <p className="finding finding-warn">This step was interrupted when Keyward stopped, and was rolled back. Run it again.</p>}
      {planned.sensitive && (
        <div className="approvals">
          <Digest label={`Step ${next.index + 1} digest: what each approving officer signs`} hex={planned.digest} />
          <h3>Approvals</h3>
          {approvals.length === 0 ? (
            <p>No approvals yet.</p>
          ) : (
            <ul aria-label="Approvals given">
              {approvals.map((a) => (
                <li key={a.officer}>
                  Approved by <strong>{a.officer}</strong> ({roleLabels[a.role]}) at {utcText(a.at)}
                </li>
              ))}
            </ul>
          )}
          <p className={stillNeeded ? 'finding finding-warn' : 'finding finding-ok'} role="status">
            {stillNeeded
              ? `Still needed: ${stillNeeded} more approval${stillNeeded === 1 ? '' : 's'} from ${view.policy.roles.map((r) => roleLabels[r]).join(' or ')} (checked in, not yet approved: ${approvers.map((o) => o.id).join(', ') || 'nobody'}).`
              : 'The quorum has approved this step.'}
          </p>
          {stillNeeded > approvers.length && (
            <p className="finding finding-danger">
              Not enough officers who may approve have checked in: {stillNeeded - approvers.length} more needed.{' '}
              <button type="button" className="link-button" onClick={onCheckInMore}>
                Check in another officer
              </button>
            </p>
          )}
          {stillNeeded > 0 &&
            (handover ? (
              <Handover text={handover} onNext={() => setHandover(undefined)} />
            ) : (
              <OfficerPassphrase
                officers={approvers}
                purpose={`approve step ${next.index + 1}`}
                submitLabel="Approve this step"
                disabled={working !== undefined}
                onSubmit={async (officer, passphrase) => {
                  const ok = await approve(next.index, officer, passphrase);
                  if (ok) setHandover(`${officer} has approved step ${next.index + 1}.`);
                  return ok;
                }}
              />
            ))}
        </div>
      )}
      {stepView.inputs.length > 0 && stillNeeded === 0 && <StepInputsEntry kinds={stepView.inputs} inputs={inputs} onChange={setInputs} disabled={working !== undefined} {...(newOfficer ? { newOfficer } : {})} />}
      <button
        type="button"
        className="primary"
        disabled={!ready || working !== undefined}
        onClick={() => {
          const given = inputs;
          // Typed secrets go with this run only; a retry asks for them again.
          setInputs({});
          void runNext(given);
        }}
      >
        Run step {next.index + 1}
      </button>
    </section>
  );
}

function StepList({ view }: { view: CeremonyView }) {
  const current = view.status.steps.find((s) => s.state !== 'done')?.index;
  const stateText = { pending: 'to do', running: 'interrupted', done: 'done', failed: 'failed', 'rolled-back': 'rolled back' } as const;
  return (
    <section className="card" aria-labelledby="steps-heading">
      <h2 id="steps-heading">Steps</h2>
      <ol className="step-list">
        {view.status.steps.map((s) => {
          const planned = view.status.plan.steps[s.index];
          return (
            <li key={s.index} aria-current={s.index === current ? 'step' : undefined} className={`step step-${s.state}`}>
              <span className={`state state-${s.state}`}>{stateText[s.state]}</span> {planned?.description}
              {s.state === 'done' && s.result && <StepResult result={s.result} />}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function Abort({ view, officers }: { view: CeremonyView; officers: OfficerRecord[] }) {
  const abort = useCeremony((s) => s.abort);
  const working = useCeremony((s) => s.working);
  const [opened, setOpened] = useState(false);
  const [reason, setReason] = useState('');
  const [inputs, setInputs] = useState<StepInputs>({});
  const keep = () => {
    setInputs({});
    setOpened(false);
  };
  if (!opened) {
    return (
      <button type="button" className="danger-button" onClick={() => setOpened(true)}>
        Abort this ceremony…
      </button>
    );
  }
  return (
    <section className="card" aria-labelledby="abort-heading">
      <h2 id="abort-heading">Abort the ceremony</h2>
      <p>The steps already done are undone (what they created in the token is destroyed) and the ceremony ends as aborted. This is recorded in the audit log.</p>
      <label htmlFor="abort-reason">Reason</label>
      <input id="abort-reason" className="wide" value={reason} onChange={(event) => setReason(event.target.value)} />
      {view.abortInputs.length > 0 && <StepInputsEntry kinds={view.abortInputs} inputs={inputs} onChange={setInputs} />}
      {officers.length === 0 ? (
        <p className="finding finding-warn">An officer who checked in aborts the ceremony: check in first.</p>
      ) : (
        <OfficerPassphrase
          officers={officers}
          purpose="abort this ceremony"
          submitLabel="Abort and undo"
          disabled={!reason.trim() || !inputsComplete(view.abortInputs, inputs) || working !== undefined}
          onSubmit={async (officer, passphrase) => {
            const given = inputs;
            setInputs({});
            return abort(reason.trim(), officer, passphrase, given);
          }}
        />
      )}
      <button type="button" onClick={keep}>
        Keep the ceremony
      </button>
    </section>
  );
}

/** One ceremony, from its plan to its summary; the current phase and step are always marked. */
export function CeremonyWizard({ view }: { view: CeremonyView }) {
  const officers = useApp((s) => s.officers);
  const loadOfficers = useApp((s) => s.loadOfficers);
  const error = useCeremony((s) => s.error);
  const dismissError = useCeremony((s) => s.dismissError);
  const close = useCeremony((s) => s.close);
  const working = useCeremony((s) => s.working);
  const list = useCeremony((s) => s.list);
  const loggedIn = list.state !== 'ready' || list.value.loggedIn;
  const [phase, setPhase] = useState<Phase>(() => initialPhase(view));
  useEffect(() => {
    if (officers.state === 'idle') void loadOfficers();
  }, [officers.state, loadOfficers]);
  const officerList = officers.state === 'ready' ? officers.value.officers : [];
  const shown = ended(view) ? 'summary' : phase;

  return (
    <div className="screen wizard">
      <div className="screen-head">
        <h1>{view.status.plan.title}</h1>
        <button type="button" onClick={close} disabled={working !== undefined}>
          {ended(view) ? 'Close' : 'Leave (the ceremony waits; resume it from the list)'}
        </button>
      </div>
      <p className="hint">
        Ceremony <span className="mono">{view.status.plan.id}</span>, planned {utcText(view.status.plan.createdAt)}.
      </p>
      <ol className="phases" aria-label="Ceremony progress">
        {(['plan', 'check-in', 'steps', 'summary'] as const).map((p) => (
          <li key={p} aria-current={shown === p ? 'step' : undefined}>
            {phaseTitles[p]}
          </li>
        ))}
      </ol>
      <Working />
      {error && (
        <>
          <ErrorPanel title={error.title} error={error.error} />
          <button type="button" className="link-button" onClick={dismissError}>
            Dismiss this message
          </button>
        </>
      )}
      {!loggedIn && !ended(view) && <TokenLogin />}
      {shown === 'plan' && <PlanReview view={view} onAccept={() => setPhase('check-in')} />}
      {shown === 'check-in' && <CheckIn view={view} officers={officerList} onDone={() => setPhase('steps')} />}
      {shown === 'steps' && (
        <>
          <StepPanel key={view.status.steps.find((s) => s.state !== 'done')?.index} view={view} officers={officerList} onCheckInMore={() => setPhase('check-in')} />
          <StepList view={view} />
        </>
      )}
      {shown === 'summary' && <Summary view={view} />}
      {!ended(view) && <Abort view={view} officers={officerList.filter((o) => view.status.checkedIn.includes(o.id))} />}
    </div>
  );
}
