/** The providers' wrapping keys on the token: which provider, its fingerprint, and how long it can still be used. */
import { hexGroups } from '../../shared/fingerprint';
import type { WrappingKeyRecord, WrappingKeyState } from '../../shared/inventory';
import { providerName } from '../../shared/providers';
import { LiveDeadline } from '../ceremony/LiveDeadline';
import { utcText } from '../format';

const stateWords: Record<WrappingKeyState, string> = {
  active: 'usable for exports',
  retired: 'retired: no longer used',
  destroyed: 'destroyed on the token',
};

export function WrappingKeysCard({ keys }: { keys: WrappingKeyRecord[] }) {
  return (
    <section className="card" aria-labelledby="wrapping-keys-heading">
      <h2 id="wrapping-keys-heading">Provider wrapping keys</h2>
      {keys.length === 0 ? (
        <p className="hint">
          None imported yet. A provider&apos;s wrapping key is imported in an &quot;Import a provider&apos;s wrapping
          key&quot; ceremony; exports to that provider then choose it from this list.
        </p>
      ) : (
        <table className="audit-table">
          <caption className="hint">
            Fingerprints are the SHA-256 of each public key: compare them with the provider&apos;s console.
          </caption>
          <thead>
            <tr>
              <th scope="col">Label on the token</th>
              <th scope="col">Provider</th>
              <th scope="col">Fingerprint (first 8 bytes)</th>
              <th scope="col">Deadline</th>
              <th scope="col">State</th>
              <th scope="col">Imported</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <td>{k.label}</td>
                <td>{providerName(k.provider)}</td>
                <td className="mono nowrap">{hexGroups(k.fingerprint.slice(0, 16))}…</td>
                <td>{k.state === 'active' ? <LiveDeadline deadline={k.providerDeadline} /> : '—'}</td>
                <td>
                  <span className={`state state-${k.state === 'active' ? 'done' : 'rolled-back'}`}>{k.state}</span>{' '}
                  <span className="hint">{stateWords[k.state]}</span>
                </td>
                <td className="nowrap">{utcText(k.importedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
