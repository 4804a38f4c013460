import { useEffect, type ReactNode } from 'react';
import type { CeremonySummary } from '../../shared/ceremonies';
import { CeremonyForm } from '../ceremony/CeremonyForm';
import { InitialisedResult } from '../ceremony/InitialisedResult';
import { InitialiseForm } from '../ceremony/InitialiseForm';
import { useCeremony } from '../ceremony/store';
import { TokenLogin } from '../ceremony/TokenLogin';
import { CeremonyWizard } from '../ceremony/Wizard';
import { Working } from '../ceremony/Working';
import { ErrorPanel } from '../components/ErrorPanel';
import { FindingList } from '../components/FindingList';
import { busyReason } from '../components/ReasonedButton';
import { utcText } from '../format';

interface CeremonyTableProps {
  id: string;
  heading: string;
  caption: string;
  rows: CeremonySummary[];
  /** The button's words for one ceremony (its title follows, so every button has its own name). */
  actionLabel: string;
  /** Why no ceremony can be opened now (the token logged out, Keyward busy); absent when one can. */
  whyDisabled: string | undefined;
  onOpen: (id: string) => void;
  children?: ReactNode;
}

/** A list of ceremonies (unfinished, or recently ended), each with a button that opens it. */
function CeremonyTable({ id, heading, caption, rows, actionLabel, whyDisabled, onOpen, children }: CeremonyTableProps) {
  if (rows.length === 0) return null;
  const whyId = `${id}-why-disabled`;
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{heading}</h2>
      <table className="audit-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Ceremony</th>
            <th scope="col">Planned (UTC)</th>
            <th scope="col">Progress</th>
            <th scope="col">Action</th>
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
                {c.state === 'completed' || c.state === 'aborted'
                  ? `${c.state} ${c.endedAt ? utcText(c.endedAt) : ''}`
                  : `${c.stepsDone} of ${c.steps} steps done`}
                {c.interrupted && (
                  <div className="finding finding-warn">
                    Interrupted in the middle of a step: logging in rolls it back.
                  </div>
                )}
                {c.transcript === 'missing' && (
                  <div className="finding finding-warn">
                    No signed transcript written yet: open it to write one to a drive.
                  </div>
                )}
              </td>
              <td>
                <button
                  type="button"
                  disabled={whyDisabled !== undefined}
                  aria-describedby={whyDisabled ? whyId : undefined}
                  onClick={() => onOpen(c.id)}
                >
                  {actionLabel} {c.title}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {whyDisabled && (
        <p id={whyId} className="hint why-disabled">
          {whyDisabled}
        </p>
      )}
      {children}
    </section>
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
  const initialised = useCeremony((s) => s.initialised);

  useEffect(() => {
    void loadList();
  }, [loadList]);

  if (open) return <CeremonyWizard view={open} />;
  const formShown = list.state === 'ready' && list.value.initialised && list.value.loggedIn;
  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Ceremonies</h1>
      </div>
      <Working />
      {/* The form shows its own refusals at the field or button concerned, while it is on screen. */}
      {error && !(error.form && formShown) && <ErrorPanel title={error.title} error={error.error} />}
      {loginNotes.length > 0 && <FindingList findings={loginNotes} severity="warn" label="Notes from the login" />}
      {list.state === 'failed' && (
        <ErrorPanel title="The ceremonies could not be listed" error={list.error} onRetry={() => void loadList()} />
      )}
      {list.state === 'ready' && (
        <div className="stack">
          {!list.value.loggedIn && <TokenLogin />}
          <CeremonyTable
            id="unfinished-heading"
            heading="Unfinished ceremonies"
            caption="Ceremonies planned or started and not yet ended; resume one, or open it to abort it."
            rows={list.value.unfinished}
            actionLabel="Resume"
            whyDisabled={
              list.value.loggedIn ? busyReason(working) : 'Log in to the token (above) to resume a ceremony.'
            }
            onOpen={(id) => void openCeremony(id)}
          />
          {!list.value.initialised &&
            (list.value.loggedIn ? (
              <InitialiseForm />
            ) : (
              <p>This workstation is not initialised yet. Log in to the token to initialise it.</p>
            ))}
          {initialised && <InitialisedResult result={initialised} />}
          {list.value.initialised && list.value.loggedIn && !initialised && <CeremonyForm />}
          <CeremonyTable
            id="recent-heading"
            heading="Recently ended"
            caption="The last ceremonies that completed or were aborted."
            rows={list.value.recent}
            actionLabel="Open the summary of"
            whyDisabled={busyReason(working)}
            onOpen={(id) => void openCeremony(id)}
          />
        </div>
      )}
    </div>
  );
}
