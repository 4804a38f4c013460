import { useEffect } from 'react';
import { useCeremony } from '../ceremony/store';
import { useApp } from '../store';

/** On the start screen: ceremonies left unfinished (an interrupted one first of all) and the way into every ceremony. */
export function CeremoniesCard() {
  const list = useCeremony((s) => s.list);
  const loadList = useCeremony((s) => s.loadList);
  const show = useApp((s) => s.show);
  useEffect(() => {
    void loadList();
  }, [loadList]);
  if (list.state !== 'ready') return null;
  const { unfinished, initialised } = list.value;
  return (
    <section className="card" aria-labelledby="unfinished-home-heading">
      <h2 id="unfinished-home-heading">{unfinished.length ? 'Unfinished ceremonies' : 'Ceremonies'}</h2>
      {!initialised && (
        <p className="finding finding-warn">
          This workstation is not initialised: its founding officers create its signing key first.
        </p>
      )}
      {unfinished.length === 0 && initialised && (
        <p className="finding finding-ok">No ceremony is waiting to be finished.</p>
      )}
      {unfinished.length > 0 && (
        <ul className="findings">
          {unfinished.map((c) => (
            <li key={c.id} className={`finding finding-${c.interrupted ? 'danger' : 'warn'}`}>
              {c.title}: {c.stepsDone} of {c.steps} steps done.
              {c.interrupted && ' Interrupted in the middle of a step: log in to the token to roll it back and resume.'}
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="primary" onClick={() => show('ceremonies')}>
        {initialised
          ? unfinished.length
            ? 'Resume or start a ceremony'
            : 'Start a ceremony'
          : 'Initialise the workstation'}
      </button>
    </section>
  );
}
