import { useEffect } from 'react';
import { hexGroups } from '../../shared/fingerprint';
import { Digest } from '../ceremony/Digest';
import { utcText } from '../format';
import { useApp } from '../store';
import { ErrorPanel } from './ErrorPanel';

/** The workstation database, checked at start: where it is, how long its audit log is, who signs for it. */
export function StoreCard() {
  const store = useApp((s) => s.storeStatus);
  const loadStoreStatus = useApp((s) => s.loadStoreStatus);
  // Read each time the Home screen opens: ceremonies change the log and the signing key.
  useEffect(() => {
    void loadStoreStatus();
  }, [loadStoreStatus]);

  if (store.state === 'failed') {
    return (
      <ErrorPanel
        title="The workstation database cannot be used"
        error={store.error}
        onRetry={() => void loadStoreStatus()}
      />
    );
  }
  return (
    <section className="card" aria-labelledby="store-heading">
      <h2 id="store-heading">Workstation database</h2>
      {store.state !== 'ready' ? (
        <p role="status" className="hint">
          Opening and checking the database…
        </p>
      ) : (
        <dl className="fields" aria-label="Database details">
          <div className="field">
            <dt>File</dt>
            <dd className="mono">{store.value.path}</dd>
          </div>
          <div className="field">
            <dt>Integrity</dt>
            <dd>Checked at start: no damage found (schema {store.value.schemaVersion}).</dd>
          </div>
          <div className="field">
            <dt>Audit log</dt>
            <dd>
              {store.value.auditEntries} entries; head{' '}
              <span className="mono">{hexGroups(store.value.auditHeadHash.slice(0, 16))}…</span>
            </dd>
          </div>
          <div className="field">
            <dt>Last signed checkpoint</dt>
            <dd>
              {store.value.lastCheckpoint
                ? `entry ${store.value.lastCheckpoint.seq}, ${utcText(store.value.lastCheckpoint.time)}`
                : 'none yet'}
            </dd>
          </div>
          <div className="field">
            <dt>Workstation signing key</dt>
            <dd>
              {store.value.signerFingerprint ? (
                <Digest label="Workstation key fingerprint (SHA-256)" hex={store.value.signerFingerprint} />
              ) : (
                'Not initialised yet: the workstation cannot sign checkpoints, exports or bundles until it is.'
              )}
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}
