import { useEffect, type ReactNode } from 'react';
import type { CeremonySummary } from '../../shared/ceremonies';
import { ErrorPanel } from '../components/ErrorPanel';
import { CeremonyForm } from '../ceremony/CeremonyForm';
import { InitialiseForm } from '../ceremony/InitialiseForm';
import { TokenLogin } from '../ceremony/TokenLogin';
import { useCeremony } from '../ceremony/store';
import { CeremonyWizard } from '../ceremony/Wizard';
import { Working } from '../ceremony/Working';
import { utcText } from '../format';

function CeremonyRows({ label, rows, action }: { label: string; rows: CeremonySummary[]; action?: (row: CeremonySummary) => ReactNode }) {
  return (
    <table className="audit-table">
      <caption>{label}</caption>
      <thead>
        <tr>
          <th scope="col">Ceremony</th>
          <th scope="col">Planned (UTC)</th>
          <th scope="col">Progress</th>
          {action && <th scope="col">Action</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((c) => (
          <tr key={c.id}>
            <td>
              {c.title}
              <div className="hint mono">{c.id}</div>
            </td>
            <td className="nowrap">{utcText(c.createdAt)}</td>
            <td>
              {c.state === 'completed' || c.state === 'aborted' ? `${c.state} ${c.endedAt ? utcText(c.endedAt) : ''}` : `${c.stepsDone} of ${c.steps} steps done`}
              {c.interrupted && <div className="finding finding-warn">Interrupted in the middle of a step: logging in rolls it back.</div>}
            </td>
            {action && <td>{action(c)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Every ceremony of the engine: log in, initialise, resume an unfinished one, or start one. */
export function CeremoniesScreen() {
  const list = useCeremony((s) => s.list);
  const open = useCeremony((s) => s.open);
  const error = useCeremony((s) => s.error);
  const loginNotes = useCeremony((s) => s.loginNotes);
  const loadList = useCeremony((s) => s.loadList);
  const openCeremony = useCeremony((s) => s.openCeremony);
  const working = useCeremony((s) => s.working);

  useEffect(() => {
    void loadList();
  }, [loadList]);

  if (open) return <CeremonyWizard view={open} />;
  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Ceremonies</h1>
      </div>
      <Working />
      {error && <ErrorPanel title={error.title} error={error.error} />}
      {loginNotes.length > 0 && (
        <ul className="findings" aria-label="Notes from the login">
          {loginNotes.map((n) => (
            <li key={n} className="finding finding-warn">
              {n}
            </li>
          ))}
        </ul>
      )}
      {list.state === 'failed' && <ErrorPanel title="The ceremonies could not be listed" error={list.error} onRetry={() => void loadList()} />}
      {list.state === 'ready' && (
        <div className="stack">
          {!list.value.loggedIn && <TokenLogin />}
          {list.value.unfinished.length > 0 && (
            <section className="card" aria-labelledby="unfinished-heading">
              <h2 id="unfinished-heading">Unfinished ceremonies</h2>
              <CeremonyRows
                label="Ceremonies planned or started and not yet ended; resume one, or open it to abort it."
                rows={list.value.unfinished}
                action={(c) => (
                  <button type="button" disabled={!list.value.loggedIn || working !== undefined} onClick={() => void openCeremony(c.id)}>
                    Resume {c.title}
                  </button>
                )}
              />
              {!list.value.loggedIn && <p className="hint">Log in to the token to resume a ceremony.</p>}
            </section>
          )}
          {!list.value.initialised && (list.value.loggedIn ? <InitialiseForm /> : <p>This workstation is not initialised yet. Log in to the token to initialise it.</p>)}
          {list.value.initialised && list.value.loggedIn && <CeremonyForm />}
          {list.value.recent.length > 0 && (
            <section className="card" aria-labelledby="recent-heading">
              <h2 id="recent-heading">Recently ended</h2>
              <CeremonyRows
                label="The last ceremonies that completed or were aborted."
                rows={list.value.recent}
                action={(c) => (
                  <button type="button" disabled={working !== undefined} onClick={() => void openCeremony(c.id)}>
                    Open the summary of {c.title}
                  </button>
                )}
              />
            </section>
          )}
        </div>
      )}
    </div>
  );
}
