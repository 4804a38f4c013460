import type { Capabilities } from '../../shared/keys';
import { featuresOf, type CapabilitySheet } from '../../shared/token-sheet';
import { useApp } from '../store';
import { ErrorPanel } from './ErrorPanel';
import { ReasonedButton } from './ReasonedButton';

const wrappingRows: { key: keyof Capabilities['wrapping']; label: string }[] = [
  { key: 'rsaOaepSha1', label: 'RSA-OAEP with SHA-1' },
  { key: 'rsaOaepSha256', label: 'RSA-OAEP with SHA-256' },
  { key: 'rsaOaepSha512', label: 'RSA-OAEP with SHA-512' },
  { key: 'oaepPrivateKeys', label: 'RSA-OAEP of EC private keys' },
  { key: 'rsaAesKeyWrapNative', label: 'RSA-AES key wrap (native)' },
  { key: 'rsaAesKeyWrapComposed', label: 'RSA-AES key wrap (composed in the token)' },
  { key: 'aesKeyWrapPad', label: 'AES key wrap with padding, RFC 5649 (backups, RSA-AES)' },
];

function Capability({ ok, label, why }: { ok: boolean; label: string; why: string | undefined }) {
  return (
    <li className={`finding ${ok ? 'finding-ok' : 'finding-warn'}`}>
      {ok ? 'Available: ' : 'Not available: '}
      {label}
      {!ok && why && <span className="finding-detail"> ({why})</span>}
    </li>
  );
}

/** The capability probe, run on request: it creates and destroys throw-away session keys on the token. */
export function CapabilitiesCard() {
  const capabilities = useApp((s) => s.capabilities);
  const probeToken = useApp((s) => s.probeToken);
  return (
    <section className="card wide-card" aria-labelledby="capabilities-heading">
      <div className="screen-head">
        <h2 id="capabilities-heading">What this token can do</h2>
        <ReasonedButton
          onClick={() => void probeToken()}
          whyDisabled={capabilities.state === 'loading' && 'The token is being probed now: its findings follow.'}
        >
          {capabilities.state === 'loading'
            ? 'Probing the token…'
            : capabilities.state === 'ready'
              ? 'Probe again'
              : 'Probe capabilities'}
        </ReasonedButton>
      </div>
      {capabilities.state === 'idle' && (
        <p className="hint">
          The probe asks the token which mechanisms it offers and tries the wrapping ones on throw-away keys. It changes
          nothing on the token.
        </p>
      )}
      {capabilities.state === 'failed' && (
        <ErrorPanel title="The token could not be probed" error={capabilities.error} />
      )}
      {capabilities.state === 'ready' && <Sheet sheet={capabilities.value} />}
    </section>
  );
}

/** The capability sheet: the token and module probed, what Keyward can do with them, and the details behind it. */
function Sheet({ sheet }: { sheet: CapabilitySheet }) {
  const c = sheet.capabilities;
  return (
    <>
      <p className="hint">
        Token &quot;{sheet.token.label}&quot;, {sheet.token.manufacturer} {sheet.token.model}, serial{' '}
        <span className="mono">{sheet.token.serial}</span>, firmware {sheet.token.firmware.major}.
        {sheet.token.firmware.minor}; module {sheet.module.description} {sheet.module.libraryVersion.major}.
        {sheet.module.libraryVersion.minor}. Probed {sheet.probedAt}. Once the workstation is initialised, Keyward keeps
        each sheet and probes again whenever the module or the token firmware changes.
      </p>
      <ul className="findings" aria-label="What Keyward can do with this token">
        {featuresOf(c).map((f) => (
          <li key={f.feature} className={`finding ${f.supported ? 'finding-ok' : 'finding-warn'}`}>
            {f.supported ? 'Yes: ' : 'No: '}
            {f.feature}
            <span className="finding-detail"> ({f.why})</span>
          </li>
        ))}
      </ul>
      <div className="capabilities">
        <dl className="fields" aria-label="Key types">
          <div className="field">
            <dt>CMK key types</dt>
            <dd>{c.cmkSpecs.join(', ') || 'none'}</dd>
          </div>
          <div className="field">
            <dt>Signing keys</dt>
            <dd>{c.signingKeySpecs.join(', ') || 'none'}</dd>
          </div>
        </dl>
        <div>
          <ul className="findings" aria-label="Wrapping algorithms">
            {wrappingRows.map((row) => (
              <Capability key={row.key} ok={c.wrapping[row.key]} label={row.label} why={c.missing[row.key]} />
            ))}
          </ul>
          <p className="hint">
            {c.rfc5649.mechanism
              ? `RFC 5649 is ${c.rfc5649.mechanism} on this token, found by known answer${c.rfc5649.anyLength ? '' : ' (for keys of whole 8-octet blocks only)'}.`
              : 'No mechanism of this token gave RFC 5649’s published test vectors.'}{' '}
            {c.rfc5649.findings.filter((f) => !f.includes('exactly')).join('; ')}
          </p>
        </div>
        <div>
          <h3>What the token enforces, tried on throw-away keys</h3>
          {c.enforcement.some((e) => !e.holds) && (
            <p className="finding finding-warn" role="note">
              This token does not enforce everything Keyward relies on: it holds no CMK on a production workstation and
              may serve only for rehearsals (Settings: "For rehearsals only"), everything made with it marked REHEARSAL.
            </p>
          )}
          <ul className="findings" aria-label="What the token enforces">
            {c.enforcement.map((e) => (
              <li key={e.property} className={`finding ${e.holds ? 'finding-ok' : 'finding-warn'}`}>
                {e.holds ? 'Enforced: ' : 'NOT enforced: '}
                {e.property}
                <span className="finding-detail"> ({e.detail})</span>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </>
  );
}
