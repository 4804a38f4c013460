/** A ceremony from its plan to its summary: the plan read, the officers checked in, the steps, then the summary (or the abort). */
import { useEffect, useState } from 'react';
import type { CeremonyView } from '../../shared/ceremonies';
import { ErrorPanel } from '../components/ErrorPanel';
import { busyReason, ReasonedButton } from '../components/ReasonedButton';
import { utcText } from '../format';
import { useApp } from '../store';
import { Abort } from './Abort';
import { CheckIn, PlanReview } from './CheckIn';
import { ScriptCard } from './ScriptCard';
import { StepList, StepPanel } from './StepPanel';
import { useCeremony } from './store';
import { Summary } from './Summary';
import { TokenLogin } from './TokenLogin';
import { Working } from './Working';

type Phase = 'plan' | 'check-in' | 'steps';
const phaseTitles: Record<Phase | 'summary', string> = {
  plan: 'Read the plan',
  'check-in': 'Officers check in',
  steps: 'Steps',
  summary: 'Summary',
};

const ended = (view: CeremonyView): boolean => view.status.state === 'completed' || view.status.state === 'aborted';

function initialPhase(view: CeremonyView): Phase {
  if (view.status.steps.some((s) => s.state !== 'pending')) return 'steps';
  return view.status.checkedIn.length > 0 ? 'check-in' : 'plan';
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
        <div>
          <ReasonedButton onClick={close} whyDisabled={busyReason(working)}>
            {ended(view) ? 'Close' : 'Leave (the ceremony waits; resume it from the list)'}
          </ReasonedButton>
        </div>
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
      {shown === 'plan' && <ScriptCard />}
      {shown === 'check-in' && <CheckIn view={view} officers={officerList} onDone={() => setPhase('steps')} />}
      {shown === 'steps' && (
        <>
          <StepPanel
            key={view.status.steps.find((s) => s.state !== 'done')?.index}
            view={view}
            officers={officerList}
            onCheckInMore={() => setPhase('check-in')}
          />
          <StepList view={view} />
        </>
      )}
      {shown === 'summary' && <Summary view={view} />}
      {!ended(view) && <Abort view={view} officers={officerList.filter((o) => view.status.checkedIn.includes(o.id))} />}
    </div>
  );
}
