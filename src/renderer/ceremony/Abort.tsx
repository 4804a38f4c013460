/**
 * Ending a ceremony without completing it: a checked-in officer gives the reason and their passphrase.
 * Steps that took effect (an activation, a bundle written, an officer or policy change) are undone only
 * when officers meeting the ceremony's quorum sign the abort, one after another, for the same reason.
 */
import { useState } from 'react';
import {
  keptStepWords,
  missingInputs,
  stepInputNames,
  type CeremonyView,
  type StepInputs,
} from '../../shared/ceremonies';
import type { OfficerRecord } from '../../shared/officers';
import { busyReason } from '../components/ReasonedButton';
import { OfficerPassphrase } from './OfficerPassphrase';
import { StepInputsEntry, inputsComplete } from './StepInputsEntry';
import { useCeremony } from './store';

export function Abort({ view, officers }: { view: CeremonyView; officers: OfficerRecord[] }) {
  const abort = useCeremony((s) => s.abort);
  const working = useCeremony((s) => s.working);
  const [opened, setOpened] = useState(false);
  const [reason, setReason] = useState('');
  const [inputs, setInputs] = useState<StepInputs>({});
  const [more, setMore] = useState(false);
  const { abort: reach } = view;
  /** "step 2", "steps 1 and 2": the steps are listed above with their descriptions. */
  const stepWords = (indices: number[]) => {
    const numbers = [...indices].map((i) => i + 1).sort((a, b) => a - b);
    return numbers.length === 1
      ? `step ${numbers[0] ?? ''}`
      : `steps ${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1) ?? ''}`;
  };
  const signedForReason = reach.reason !== null && reach.reason === reason.trim() ? reach.signedBy : [];
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
      {reach.undoneAlone.length > 0 && (
        <p>
          Aborting undoes {stepWords(reach.undoneAlone)}: what {reach.undoneAlone.length === 1 ? 'it' : 'they'} created
          in the token is destroyed.
        </p>
      )}
      {reach.keptAlone.length > 0 && (
        <p className="finding finding-warn">
          One officer&apos;s abort leaves {stepWords(reach.keptAlone)} as done, because what{' '}
          {reach.keptAlone.length === 1 ? 'it' : 'they'} did took effect. If {view.quorumNeeded} officers sign the abort
          for the same reason,{' '}
          {reach.undoneWithQuorum.length > 0
            ? `${stepWords(reach.undoneWithQuorum)} ${reach.undoneWithQuorum.length === 1 ? 'is' : 'are'} undone instead: an activation gives the key back the version that was active before, and what the steps created in the token is destroyed.`
            : 'nothing more can be undone: what they did stays.'}
        </p>
      )}
      {reach.changedSince.map((kept) => (
        <p key={kept.step} className="finding finding-warn">
          {keptStepWords(kept, 'before')}
        </p>
      ))}
      {reach.undoneAlone.length === 0 && reach.keptAlone.length === 0 && (
        <p>No step has been done: the ceremony simply ends.</p>
      )}
      <p>The abort is recorded in the audit log, with each officer&apos;s signed reason.</p>
      <label htmlFor="abort-reason">Reason</label>
      <input id="abort-reason" className="wide" value={reason} onChange={(event) => setReason(event.target.value)} />
      {signedForReason.length > 0 && <p role="status">Signed for this reason by: {signedForReason.join(', ')}.</p>}
      {view.abortInputs.length > 0 && <StepInputsEntry kinds={view.abortInputs} inputs={inputs} onChange={setInputs} />}
      {reach.keptAlone.length > 0 && (
        <label className="choice">
          <input type="checkbox" checked={more} onChange={(event) => setMore(event.target.checked)} />
          Another officer signs the abort after me (to undo the steps that took effect)
        </label>
      )}
      {officers.length === 0 ? (
        <p className="finding finding-warn">An officer who checked in aborts the ceremony: check in first.</p>
      ) : (
        <OfficerPassphrase
          officers={officers.filter((o) => !signedForReason.includes(o.id))}
          purpose="abort this ceremony"
          submitLabel={more ? 'Sign the abort' : 'Abort the ceremony'}
          whyDisabled={
            busyReason(working) ??
            (!reason.trim()
              ? 'Give the reason first.'
              : !more && !inputsComplete(view.abortInputs, inputs)
                ? `Enter ${missingInputs(view.abortInputs, inputs)
                    .map((k) => stepInputNames[k])
                    .join(' and ')} first.`
                : undefined)
          }
          onSubmit={async (officer, passphrase) => {
            const given = inputs;
            if (!more) setInputs({});
            const ok = await abort(reason.trim(), officer, passphrase, more ? {} : given, !more);
            // The next officer finishes the abort, unless they too leave it to another.
            if (ok && more) setMore(false);
            return ok;
          }}
        />
      )}
      <button type="button" onClick={keep}>
        Keep the ceremony
      </button>
    </section>
  );
}
