import type { ReactNode } from 'react';
import type { TokenStatus } from '../../shared/contract';
import { loginStateLabels, type PinFlags, type Version } from '../../shared/token';
import { AirGapCard } from '../components/AirGapCard';
import { CapabilitiesCard } from '../components/CapabilitiesCard';
import { CeremoniesCard } from '../components/CeremoniesCard';
import { ErrorPanel } from '../components/ErrorPanel';
import { ReasonedButton } from '../components/ReasonedButton';
import { RotationCard } from '../components/RotationCard';
import { StoreCard } from '../components/StoreCard';
import { utcText } from '../format';
import { useApp } from '../store';

const version = (v: Version): string => `${v.major}.${v.minor}`;

type Severity = 'ok' | 'warn' | 'danger';

/** The PIN state in words, worst first: an officer must see a lock-out coming before it happens. */
function pinFindings(pin: PinFlags): { text: string; severity: Severity }[] {
  const findings: { text: string; severity: Severity }[] = [];
  if (pin.userPinLocked)
    findings.push({ text: 'User PIN is locked. The security officer must unblock it.', severity: 'danger' });
  else if (pin.userPinFinalTry) findings.push({ text: 'User PIN: one try left before it locks.', severity: 'danger' });
  else if (pin.userPinCountLow)
    findings.push({ text: 'User PIN: a wrong PIN was entered since the last good login.', severity: 'warn' });
  if (pin.soPinLocked) findings.push({ text: 'Security officer PIN is locked.', severity: 'danger' });
  else if (pin.soPinFinalTry)
    findings.push({ text: 'Security officer PIN: one try left before it locks.', severity: 'danger' });
  else if (pin.soPinCountLow)
    findings.push({
      text: 'Security officer PIN: a wrong PIN was entered since the last good login.',
      severity: 'warn',
    });
  if (!pin.userPinInitialized)
    findings.push({ text: 'The user PIN has not been set on this token.', severity: 'warn' });
  if (pin.userPinToBeChanged) findings.push({ text: 'The user PIN must be changed before use.', severity: 'warn' });
  if (pin.soPinToBeChanged)
    findings.push({ text: 'The security officer PIN must be changed before use.', severity: 'warn' });
  if (findings.length === 0) findings.push({ text: 'Normal: no wrong PIN entries, nothing locked.', severity: 'ok' });
  return findings;
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function TokenCard({ status }: { status: TokenStatus }) {
  const { token, module } = status;
  const o = token.objects;
  return (
    <>
      <section className="card" aria-labelledby="token-heading">
        <h2 id="token-heading">
          Token <span className="token-label">{token.label}</span>
        </h2>
        <dl className="fields" aria-label="Token details">
          <Field label="Manufacturer">{token.manufacturer}</Field>
          <Field label="Model">{token.model}</Field>
          <Field label="Serial number">
            <span className="mono">{token.serial}</span>
          </Field>
          <Field label="Firmware version">{version(token.firmware)}</Field>
          <Field label="Hardware version">{version(token.hardware)}</Field>
          <Field label="Slot">{token.slotDescription}</Field>
          <Field label="Login state">{loginStateLabels[token.loginState]}</Field>
          <Field label="Login required">{token.loginRequired ? 'Yes' : 'No'}</Field>
        </dl>
      </section>

      <section className="card" aria-labelledby="pin-heading">
        <h2 id="pin-heading">PIN status</h2>
        <ul className="findings">
          {pinFindings(token.pin).map((f) => (
            <li key={f.text} className={`finding finding-${f.severity}`}>
              {f.text}
            </li>
          ))}
        </ul>
        <p className="hint">
          PIN length accepted by the token: {token.pinLength.min} to {token.pinLength.max} characters.
        </p>
      </section>

      <section className="card" aria-labelledby="objects-heading">
        <h2 id="objects-heading">Objects on the token</h2>
        <dl className="fields counts" aria-label="Object counts">
          <Field label="Secret keys">{o.secretKeys}</Field>
          <Field label="Private keys">{o.privateKeys}</Field>
          <Field label="Public keys">{o.publicKeys}</Field>
          <Field label="Certificates">{o.certificates}</Field>
          <Field label="Data objects">{o.dataObjects}</Field>
          <Field label="Other objects">{o.other}</Field>
        </dl>
        {o.scope === 'public-only' && (
          <p className="hint">Public objects only: private objects are counted once an officer logs in to the token.</p>
        )}
      </section>

      <section className="card" aria-labelledby="module-heading">
        <h2 id="module-heading">PKCS#11 module</h2>
        <dl className="fields" aria-label="Module details">
          <Field label="Library">
            <span className="mono">{module.path}</span>
          </Field>
          <Field label="Provided by">
            {module.manufacturer}, {module.description} {version(module.libraryVersion)}
          </Field>
          <Field label="Cryptoki version">{version(module.cryptokiVersion)}</Field>
          <Field label="Token address">
            <span className="mono">{token.uri}</span>
          </Field>
        </dl>
      </section>
    </>
  );
}

export function StartScreen() {
  const status = useApp((s) => s.status);
  const refreshStatus = useApp((s) => s.refreshStatus);
  const show = useApp((s) => s.show);
  const loading = status.state === 'loading' || status.state === 'idle';

  return (
    <div className="screen">
      <h1>Home</h1>
      <div className="grid">
        <AirGapCard />
        <CeremoniesCard />
        <StoreCard />
        <RotationCard />
      </div>
      <div className="screen-head">
        <h2 className="section-heading">The token</h2>
        <div className="actions">
          {status.state === 'ready' && (
            <span className="hint" role="status">
              Read live from the token at {utcText(status.value.readAt)}
            </span>
          )}
          <ReasonedButton onClick={() => void refreshStatus()} whyDisabled={loading && 'Being read now.'}>
            {loading ? 'Reading the token…' : 'Read again'}
          </ReasonedButton>
        </div>
      </div>
      {loading && (
        <p role="status" className="hint">
          Reading the token through its PKCS#11 module…
        </p>
      )}
      {status.state === 'failed' && (
        <>
          <ErrorPanel title="The token could not be read" error={status.error} onRetry={() => void refreshStatus()} />
          <p>
            <button type="button" className="link-button" onClick={() => show('settings')}>
              Open Settings to choose another HSM
            </button>
          </p>
        </>
      )}
      {status.state === 'ready' && (
        <div className="grid">
          <TokenCard status={status.value} />
          <CapabilitiesCard />
        </div>
      )}
    </div>
  );
}
