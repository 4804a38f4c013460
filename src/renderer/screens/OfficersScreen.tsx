import { useEffect } from 'react';
import { hexGroups } from '../../shared/fingerprint';
import type { OfficerRecord } from '../../shared/officers';
import { ErrorPanel } from '../components/ErrorPanel';
import { roleLabels, utcDateText } from '../format';
import { openHelp } from '../help/help-store';
import { useApp } from '../store';

function standing(o: OfficerRecord): { text: string; severity: 'ok' | 'warn' | 'danger' } {
  if (o.state === 'removed') return { text: `Removed since ${utcDateText(o.stateSince)}`, severity: 'danger' };
  if (o.lockedSince)
    return {
      text: `Locked out since ${utcDateText(o.lockedSince)} after repeated wrong passphrases: an officer ceremony unlocks them`,
      severity: 'danger',
    };
  if (o.state === 'suspended') return { text: `Suspended since ${utcDateText(o.stateSince)}`, severity: 'warn' };
  if (o.failedAttempts > 0)
    return {
      text: `Active; ${o.failedAttempts} wrong passphrase${o.failedAttempts === 1 ? '' : 's'} since the last good one`,
      severity: 'warn',
    };
  return { text: 'Active', severity: 'ok' };
}

export function OfficersScreen() {
  const officers = useApp((s) => s.officers);
  const loadOfficers = useApp((s) => s.loadOfficers);
  useEffect(() => {
    void loadOfficers();
  }, [loadOfficers]);

  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Officers and policy</h1>
        <button type="button" onClick={() => void loadOfficers()}>
          Read again
        </button>
      </div>
      {officers.state === 'failed' && (
        <ErrorPanel title="The officers could not be read" error={officers.error} onRetry={() => void loadOfficers()} />
      )}
      {(officers.state === 'loading' || officers.state === 'idle') && <p role="status">Reading the officers…</p>}
      {officers.state === 'ready' && (
        <div className="stack">
          <section className="card" aria-labelledby="officers-heading">
            <h2 id="officers-heading">Officers</h2>
            {officers.value.officers.length === 0 ? (
              <p className="hint">
                No officers yet. The initialisation ceremony enrols the founding officers.{' '}
                <button
                  type="button"
                  className="link-button"
                  onClick={() => openHelp({ ceremony: 'initialise-workstation' })}
                >
                  How the initialisation is done (Help)
                </button>
              </p>
            ) : (
              <table className="audit-table">
                <thead>
                  <tr>
                    <th scope="col">Officer</th>
                    <th scope="col">Role</th>
                    <th scope="col">Standing</th>
                    <th scope="col">Enrolled</th>
                    <th scope="col">Approval key fingerprint</th>
                  </tr>
                </thead>
                <tbody>
                  {officers.value.officers.map((o) => {
                    const s = standing(o);
                    return (
                      <tr key={o.id}>
                        <td>
                          {o.displayName} <span className="hint">({o.id})</span>
                        </td>
                        <td>{roleLabels[o.role]}</td>
                        <td className={`finding-${s.severity}`}>{s.text}</td>
                        <td className="nowrap">{utcDateText(o.enrolledAt)}</td>
                        <td className="mono">{hexGroups(o.approvalKeyFingerprint.slice(0, 16))}…</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </section>
          <section className="card" aria-labelledby="policy-heading">
            <h2 id="policy-heading">Quorum policy</h2>
            <p className="hint">
              How many distinct officers, in which roles, approve each sensitive step. Ceremonies that touch a CMK or
              the officers never need fewer than two. A change is itself a ceremony.
            </p>
            <table className="audit-table">
              <thead>
                <tr>
                  <th scope="col">Ceremony</th>
                  <th scope="col">Approvals needed</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {officers.value.policies.map((p) => (
                  <tr key={p.ceremonyType}>
                    <td>{p.ceremonyType}</td>
                    <td>
                      {p.policy.quorum} distinct officer{p.policy.quorum === 1 ? '' : 's'}
                      {p.dualControl ? ' (dual control)' : ''}
                    </td>
                    <td>{p.policy.roles.map((r) => roleLabels[r]).join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
      )}
    </div>
  );
}
