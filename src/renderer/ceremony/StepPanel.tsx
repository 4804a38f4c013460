/** The next step: its digest, who has approved and who is still needed, what it needs typed, and running it; and the list of all steps. */
import { useState } from 'react';
import { missingInputs, stepInputNames, type CeremonyView, type StepInputs } from '../../shared/ceremonies';
import type { OfficerRecord } from '../../shared/officers';
import { countsTowardsQuorum, roleNames } from '../../shared/officers';
import { busyReason, ReasonedButton } from '../components/ReasonedButton';
import { roleLabels, stepStateLabels, utcText } from '../format';
import { Digest } from './Digest';
import { Handover } from './Handover';
import { OfficerPassphrase } from './OfficerPassphrase';
import { ProviderKeyComparison } from './ProviderKeyComparison';
import { StepDetails } from './StepDetails';
import { StepInputsEntry } from './StepInputsEntry';
import { StepResult } from './StepResult';
import { useCeremony } from './store';

export function StepPanel({
  view,
  officers,
  onCheckInMore,
}: {
  view: CeremonyView;
  officers: OfficerRecord[];
  onCheckInMore: () => void;
}) {
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
  const approvers = officers.filter(
    (o) =>
      view.status.checkedIn.includes(o.id) &&
      countsTowardsQuorum(view.policy, o.role) &&
      !approvals.some((a) => a.officer === o.id),
  );
  const missing = missingInputs(stepView.inputs, inputs);
  const whyNotRun =
    busyReason(working) ??
    (stillNeeded > 0
      ? `${stillNeeded} more approval${stillNeeded === 1 ? '' : 's'} needed first.`
      : missing.length > 0
        ? `Enter ${missing.map((k) => stepInputNames[k]).join(' and ')} first.`
        : undefined);
  const newOfficer = typeof planned.params.id === 'string' ? planned.params.id : undefined;
  // Crypto-shredding takes a distinct, danger-styled action.
  const destroys = planned.action === 'destroy-version';

  return (
    <section className="card current-step" aria-labelledby="current-step-heading">
      <h2 id="current-step-heading">
        Step {next.index + 1} of {view.status.steps.length}
      </h2>
      <ProviderKeyComparison step={planned} />
      <p className="step-description">{planned.description}</p>
      <StepDetails details={stepView.details} label={`Step ${next.index + 1}: what is signed`} />
      {next.state === 'failed' && (
        <p className="finding finding-danger">
          This step failed the last time it ran; nothing it started was kept. Correct the cause shown above, then run it
          again.
        </p>
      )}
      {next.state === 'rolled-back' && (
        <p className="finding finding-warn">
          This step was interrupted when Keyward stopped, and was rolled back. Run it again.
        </p>
      )}
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
              ? `Still needed: ${stillNeeded} more approval${stillNeeded === 1 ? '' : 's'} from a ${view.policy.roles.map((r) => roleNames[r]).join(' or ')} (checked in, not yet approved: ${approvers.map((o) => o.id).join(', ') || 'nobody'}).`
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
                whyDisabled={busyReason(working)}
                onSubmit={async (officer, passphrase) => {
                  const ok = await approve(next.index, officer, passphrase);
                  if (ok) setHandover(`${officer} has approved step ${next.index + 1}.`);
                  return ok;
                }}
              />
            ))}
        </div>
      )}
      {stepView.inputs.length > 0 && stillNeeded === 0 && (
        <StepInputsEntry
          kinds={stepView.inputs}
          inputs={inputs}
          onChange={setInputs}
          disabled={working !== undefined}
          {...(newOfficer ? { newOfficer } : {})}
        />
      )}
      {destroys && (
        <p className="finding finding-danger">
          This step destroys the key version in the HSM. It cannot be undone: read the plan&apos;s description above
          once more before running it.
        </p>
      )}
      <ReasonedButton
        className={destroys ? 'danger' : 'primary'}
        whyDisabled={whyNotRun}
        onClick={() => {
          const given = inputs;
          // Typed secrets go with this run only; a retry asks for them again.
          setInputs({});
          void runNext(given);
        }}
      >
        Run step {next.index + 1}
      </ReasonedButton>
    </section>
  );
}

export function StepList({ view }: { view: CeremonyView }) {
  const current = view.status.steps.find((s) => s.state !== 'done')?.index;
  return (
    <section className="card" aria-labelledby="steps-heading">
      <h2 id="steps-heading">Steps</h2>
      <ol className="step-list">
        {view.status.steps.map((s) => {
          const planned = view.status.plan.steps[s.index];
          return (
            <li
              key={s.index}
              aria-current={s.index === current ? 'step' : undefined}
              className={`step step-${s.state}`}
            >
              <span className={`state state-${s.state}`}>{stepStateLabels[s.state]}</span> {planned?.description}
              {s.state === 'done' && s.result && <StepResult result={s.result} />}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
