/**
 * A key's exports to providers, each with whether it was recorded as uploaded: who recorded it, when, and
 * what they saw at the provider. An export not yet recorded offers the record, signed with a passphrase.
 */
import { useState } from 'react';
import type { VersionCustody } from '../../shared/inventory';
import { keyHolderRoles } from '../../shared/officers';
import { providerName } from '../../shared/providers';
import { call } from '../api';
import { OfficerPassphrase } from '../ceremony/OfficerPassphrase';
import { utcText } from '../format';
import { loaded, type Loadable } from '../loadable';
import { useApp } from '../store';
import { ErrorPanel } from './ErrorPanel';

type Export = VersionCustody['exports'][number];

function RecordUpload({ keyName, version, entry }: { keyName: string; version: number; entry: Export }) {
  const officers = useApp((s) => s.officers);
  const loadInventory = useApp((s) => s.loadInventory);
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [refusal, setRefusal] = useState<Loadable<unknown>>({ state: 'idle' });
  const noteId = `upload-note-${entry.bundleId}`;
  const recorders =
    officers.state === 'ready'
      ? officers.value.officers.filter((o) => o.state === 'active' && keyHolderRoles.includes(o.role))
      : [];
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Record {keyName} v{version} as uploaded to {providerName(entry.provider)}…
      </button>
    );
  return (
    <div className="record-upload">
      <div className="form-field">
        <label htmlFor={noteId}>What shows the upload took</label>
        <input
          id={noteId}
          className="wide"
          value={note}
          onChange={(event) => {
            setNote(event.target.value);
            setRefusal({ state: 'idle' });
          }}
          aria-describedby={`${noteId}-hint`}
        />
        <span id={`${noteId}-hint`} className="hint">
          For example the provider&apos;s key id and the state its console shows (&quot;Enabled, key material
          imported&quot;). A security officer or key custodian who saw it records it, with their passphrase.
        </span>
      </div>
      {officers.state === 'ready' && recorders.length === 0 && (
        <p className="finding finding-warn">
          No active security officer or key custodian can record it: an upload is recorded by one who saw it.
        </p>
      )}
      <OfficerPassphrase
        officers={recorders}
        purpose={`record the upload of ${keyName} v${version} to ${providerName(entry.provider)} (bundle ${entry.bundleId.slice(0, 8)})`}
        submitLabel="Record as uploaded"
        whyDisabled={note.trim() ? undefined : 'Say first what shows the upload took.'}
        onSubmit={async (officer, passphrase) => {
          const result = loaded(
            await call('recordBundleUpload', { bundleId: entry.bundleId, officer, passphrase, note: note.trim() }),
          );
          setRefusal(result);
          if (result.state === 'ready') await loadInventory();
          return result.state === 'ready';
        }}
      />
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {refusal.state === 'failed' && <ErrorPanel title="The upload was not recorded" error={refusal.error} />}
    </div>
  );
}

export function KeyExports({ keyName, custody }: { keyName: string; custody: VersionCustody[] }) {
  const exports = custody
    .filter((c) => c.keyName === keyName)
    .flatMap((c) => c.exports.map((entry) => ({ version: c.version, entry })));
  if (exports.length === 0) return null;
  const headingId = `exports-${keyName.replace(/\W+/g, '-')}`;
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Exports to providers</h3>
      <ul className="key-exports" aria-label={`Exports of ${keyName}`}>
        {exports.map(({ version, entry }) => (
          <li key={entry.bundleId}>
            <p>
              v{version} to {providerName(entry.provider)}: bundle written {utcText(entry.at)}{' '}
              <span className="raw-name mono">bundle {entry.bundleId}</span>
            </p>
            {entry.uploaded ? (
              <p className="finding finding-ok">
                Recorded as uploaded by {entry.uploaded.officer}, {utcText(entry.uploaded.at)}: {entry.uploaded.note}
              </p>
            ) : (
              <>
                <p className="hint">Not recorded as uploaded yet.</p>
                <RecordUpload keyName={keyName} version={version} entry={entry} />
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
