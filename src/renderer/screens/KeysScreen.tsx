import { useEffect } from 'react';
import { hexGroups } from '../../shared/fingerprint';
import type { InventoryKey, KeyVersion, KeyVersionState, RotationDue, VersionCustody } from '../../shared/inventory';
import { cmkSpecWords, type CmkSpec } from '../../shared/keys';
import { providerName } from '../../shared/providers';
import { ErrorPanel } from '../components/ErrorPanel';
import { KeyExports } from '../components/KeyExports';
import { WrappingKeysCard } from '../components/WrappingKeysCard';
import { kcvText, rotationText, utcText } from '../format';
import { openHelp } from '../help/help-store';
import { useApp } from '../store';

const stateNotes: Record<KeyVersionState, string> = {
  pending: 'generated, not yet in use',
  active: 'encrypts new data',
  'decrypt-only': 'decrypts data encrypted under it; no new data',
  disabled: 'taken out of use',
  destroyed: 'destroyed in the HSM (crypto-shredded)',
  restored: 'restored from a backup',
};

/**
 * What officers compare for a version: a key pair's public-key fingerprint (SHA-256, in full), or a secret
 * key's check value. A pair generated before fingerprints were kept shows its 3-byte check value, said so.
 */
function VersionCheck({ version, spec }: { version: KeyVersion; spec: CmkSpec }) {
  if (version.publicKeySha256)
    return (
      <span className="mono fingerprint-cell">
        <span className="hint">public key SHA-256</span> {hexGroups(version.publicKeySha256)}
      </span>
    );
  const pair = spec.startsWith('RSA_') || spec.startsWith('EC_');
  return (
    <>
      <span className="mono kcv">{kcvText(version.kcv)}</span>
      {pair && (
        <span className="hint">
          {' '}
          the first 3 bytes of the public key&apos;s SHA-256 (generated before full fingerprints were kept)
        </span>
      )}
    </>
  );
}

function KeyCard({
  keyInfo,
  due,
  custody,
}: {
  keyInfo: InventoryKey;
  due: RotationDue | undefined;
  custody: VersionCustody[];
}) {
  const showKeyHistory = useApp((s) => s.showKeyHistory);
  const headingId = `key-${keyInfo.id}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="screen-head">
        <h2 id={headingId}>{keyInfo.name}</h2>
        <button type="button" onClick={() => showKeyHistory(keyInfo.name)}>
          History of {keyInfo.name}
        </button>
      </div>
      <p>
        {cmkSpecWords[keyInfo.spec]}, {keyInfo.purpose}; provider{' '}
        {keyInfo.provider ? providerName(keyInfo.provider) : 'none'}; rotated every {keyInfo.rotationDays} days.{' '}
        <span
          className={due?.status === 'overdue' ? 'finding-danger' : due?.status === 'due-soon' ? 'finding-warn' : ''}
        >
          {rotationText(due)}
        </span>
      </p>
      {keyInfo.versions.length === 0 ? (
        <p className="hint">No version yet: the key's first version is generated in its generate-CMK ceremony.</p>
      ) : (
        <table className="audit-table">
          <caption className="hint">
            Versions are never deleted: a destroyed version stays listed, with its check value.
          </caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">State</th>
              <th scope="col">Check value or fingerprint</th>
              <th scope="col">Since (UTC)</th>
              <th scope="col">On the token</th>
            </tr>
          </thead>
          <tbody>
            {keyInfo.versions.map((v) => (
              <tr key={v.version}>
                <td>v{v.version}</td>
                <td>
                  <span className={`state state-${v.state}`}>{v.state}</span>{' '}
                  <span className="hint">{stateNotes[v.state]}</span>
                </td>
                <td>
                  <VersionCheck version={v} spec={keyInfo.spec} />
                </td>
                <td className="nowrap">{utcText(v.stateSince)}</td>
                <td className="subject">
                  {v.tokenLabel} <span className="hint">(token {v.tokenSerial})</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <KeyExports keyName={keyInfo.name} custody={custody} />
    </section>
  );
}

export function KeysScreen() {
  const inventory = useApp((s) => s.inventory);
  const loadInventory = useApp((s) => s.loadInventory);
  const loadOfficers = useApp((s) => s.loadOfficers);
  useEffect(() => {
    void loadInventory();
    // Who may record an upload.
    void loadOfficers();
  }, [loadInventory, loadOfficers]);

  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Keys</h1>
        <button type="button" onClick={() => void loadInventory()}>
          Read again
        </button>
      </div>
      {inventory.state === 'failed' && (
        <ErrorPanel
          title="The key inventory could not be read"
          error={inventory.error}
          onRetry={() => void loadInventory()}
        />
      )}
      {(inventory.state === 'loading' || inventory.state === 'idle') && <p role="status">Reading the key inventory…</p>}
      {inventory.state === 'ready' && inventory.value.keys.length === 0 && (
        <p className="hint">
          No keys yet. Keys are generated in a generate-CMK ceremony, on the Ceremonies screen.{' '}
          <button type="button" className="link-button" onClick={() => openHelp({ ceremony: 'generate-cmk' })}>
            Its example plan (Help)
          </button>
        </p>
      )}
      {inventory.state === 'ready' && (
        <div className="stack">
          {inventory.value.keys.map((k) => (
            <KeyCard
              key={k.id}
              keyInfo={k}
              due={inventory.value.rotationDue.find((d) => d.key === k.name)}
              custody={inventory.value.custody}
            />
          ))}
          <WrappingKeysCard keys={inventory.value.wrappingKeys} />
        </div>
      )}
    </div>
  );
}
