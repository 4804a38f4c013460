import { useEffect, useId, useState } from 'react';
import type { AuditEntry, AuditOutcome } from '../../shared/audit';
import { auditActionText, auditDetailLines, refusalDetailKeys, type AuditDetailLine } from '../../shared/audit-words';
import { hexGroups } from '../../shared/fingerprint';
import { useStartCeremony } from '../ceremony/store';
import { ErrorPanel } from '../components/ErrorPanel';
import { plural, utcText } from '../format';
import { useApp, type AuditFilters } from '../store';

const noFilters: AuditFilters = { action: '', actor: '', subject: '', ceremony: '', from: '', to: '' };

function VerificationResult() {
  const verification = useApp((s) => s.auditVerification);
  if (verification.state === 'idle') return null;
  if (verification.state === 'loading')
    return <p role="status">Recomputing the hash chain and the signed checkpoints…</p>;
  if (verification.state === 'failed')
    return <ErrorPanel title="The audit log could not be verified" error={verification.error} />;
  const { chain, checkpoints } = verification.value;
  const { anchor } = checkpoints;
  if (chain.ok && checkpoints.ok) {
    return (
      <div className="finding finding-ok" role="status">
        Verified: {plural(chain.entries, 'entry', 'entries')}, hash chain intact;{' '}
        {plural(checkpoints.checkpoints, 'signed checkpoint', 'signed checkpoints')} verified against the workstation
        key on the token
        {checkpoints.last ? ` (the last covers entry ${checkpoints.last.seq})` : ' (none written yet)'}. Head hash{' '}
        <span className="mono">{hexGroups(chain.headHash)}</span>
        {anchor && (
          <p>
            Anchored in the HSM at checkpoint {anchor.checkpoint} (entry {anchor.headSeq});{' '}
            {anchor.entriesAfter === 0
              ? 'every entry is covered.'
              : `${plural(anchor.entriesAfter, 'entry was', 'entries were')} written after it and will be covered by the next checkpoint.`}
          </p>
        )}
      </div>
    );
  }
  if (chain.ok && checkpoints.problem?.incomplete) {
    return (
      <div className="finding finding-warn" role="status">
        Not fully verified: the hash chain of {plural(chain.entries, 'entry', 'entries')} is intact, but the checkpoints
        were not checked against the HSM. {checkpoints.problem.message}
      </div>
    );
  }
  const message = chain.ok ? checkpoints.problem?.message : chain.problem?.message;
  return (
    <section className="error-panel" role="alert" aria-label="Audit log verification failed">
      <h2>The audit log FAILED verification</h2>
      <p className="error-message">{message}</p>
      <p>
        <strong>What to do next: </strong>stop using this workstation for ceremonies, keep the database file as
        evidence, and inform the auditors.
      </p>
    </section>
  );
}

const outcomeWords: Record<AuditOutcome, string> = { success: 'done', failure: 'failed', refused: 'refused' };

/** An entry's details in words: why it was refused or failed shown at once, the rest on request. */
function EntryDetails({ entry }: { entry: AuditEntry }) {
  const lines = auditDetailLines(entry);
  const why = entry.outcome === 'success' ? [] : lines.filter((l) => refusalDetailKeys.includes(l.key));
  const rest = lines.filter((l) => !why.includes(l));
  const line = (l: AuditDetailLine) => (
    <div key={l.key} className="audit-detail">
      <dt>
        {l.label} <span className="raw-name mono">{l.key}</span>
      </dt>
      <dd className={l.mono ? 'mono' : undefined}>{l.value}</dd>
    </div>
  );
  return (
    <>
      {why.length > 0 && <dl className="audit-why">{why.map(line)}</dl>}
      {rest.length > 0 && (
        <details>
          <summary>{plural(rest.length, 'detail', 'details')}</summary>
          <dl>{rest.map(line)}</dl>
        </details>
      )}
    </>
  );
}

export function AuditScreen() {
  const startCeremony = useStartCeremony();
  const entries = useApp((s) => s.auditEntries);
  const hasMore = useApp((s) => s.auditHasMore);
  const loadAudit = useApp((s) => s.loadAudit);
  const verifyAudit = useApp((s) => s.verifyAudit);
  const preset = useApp((s) => s.auditPreset);
  const [filters, setFilters] = useState<AuditFilters>(preset ?? noFilters);
  const ids = { action: useId(), actor: useId(), subject: useId(), ceremony: useId(), from: useId(), to: useId() };

  useEffect(() => {
    void loadAudit(preset ?? noFilters);
  }, [loadAudit, preset]);

  const field = (name: keyof AuditFilters, label: string, placeholder: string, type: 'text' | 'date' = 'text') => (
    <div className="filter">
      <label htmlFor={ids[name]}>{label}</label>
      <input
        id={ids[name]}
        type={type}
        className="wide"
        value={filters[name]}
        placeholder={placeholder}
        onChange={(e) => setFilters({ ...filters, [name]: e.target.value })}
      />
    </div>
  );

  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Audit log</h1>
        <div className="actions">
          <button type="button" onClick={() => void verifyAudit()}>
            Verify the log
          </button>
          <button type="button" onClick={() => startCeremony('export-audit')}>
            Export the signed log to a drive…
          </button>
        </div>
      </div>
      <p className="hint">
        An export is a ceremony: an auditor or security officer approves it, and it ends with a fresh signed checkpoint.
      </p>
      <VerificationResult />
      <form
        className="card filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          void loadAudit(filters);
        }}
      >
        {field('action', 'Action (its name in small type)', 'e.g. hsm.select')}
        {field('actor', 'Officer', 'e.g. alice')}
        {field('subject', 'Key or subject', 'e.g. Salesforce CMK (all versions) or Salesforce CMK v2')}
        {field('ceremony', 'Ceremony', 'ceremony id')}
        {field('from', 'From (UTC date)', '', 'date')}
        {field('to', 'To (UTC date, inclusive)', '', 'date')}
        <button type="submit">Show entries</button>
      </form>
      {entries.state === 'failed' && <ErrorPanel title="The audit log could not be read" error={entries.error} />}
      {entries.state === 'loading' && <p role="status">Reading the audit log…</p>}
      {entries.state === 'ready' && entries.value.length === 0 && <p className="hint">No entries match.</p>}
      {entries.state === 'ready' && entries.value.length > 0 && (
        <table className="card audit-table">
          <caption className="hint">Newest first. Every entry is chained to the one before it by its hash.</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Officers</th>
              <th scope="col">Action</th>
              <th scope="col">Subject</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.value.map((e) => (
              <tr key={e.seq}>
                <td>{e.seq}</td>
                <td className="nowrap">{utcText(e.time)}</td>
                <td>{e.actors.join(', ')}</td>
                <td>
                  {auditActionText(e)}
                  <span className="raw-name mono">{e.action}</span>
                </td>
                <td className="subject">{e.subject ?? ''}</td>
                <td className={`outcome outcome-${e.outcome}`}>{outcomeWords[e.outcome]}</td>
                <td>
                  <EntryDetails entry={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {entries.state === 'ready' && hasMore && (
        <button type="button" onClick={() => void loadAudit(filters, true)}>
          Show older entries
        </button>
      )}
    </div>
  );
}
