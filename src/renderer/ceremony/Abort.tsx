/** Ending a ceremony without completing it: a checked-in officer gives the reason and their passphrase. */
import { useState } from 'react';
import type { CeremonyView, StepInputs } from '../../shared/ceremonies';
import type { OfficerRecord } from '../../shared/officers';
import { OfficerPassphrase } from './OfficerPassphrase';
import { StepInputsEntry, inputsComplete } from './StepInputsEntry';
import { useCeremony } from './store';

export function Abort({ view, officers }: { view: CeremonyView; officers: OfficerRecord[] }) {
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
