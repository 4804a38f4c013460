import { useEffect, useState } from 'react';
import type { AirGapView } from '../../shared/air-gap';
import { call } from '../api';
import { OfficerPassphrase } from '../ceremony/OfficerPassphrase';
import { utcText } from '../format';
import { loaded, type Loadable } from '../loadable';
import { useApp } from '../store';
import { ErrorPanel } from './ErrorPanel';
import { FindingList } from './FindingList';

/**
 * The air gap as read now: any link up, radio or default route is shown before any ceremony, and
 * ceremonies wait until a security officer has acknowledged exactly those findings.
 */
export function AirGapCard() {
  const status = useApp((s) => s.airGap);
  const check = useApp((s) => s.loadAirGap);
  const acknowledged = useApp((s) => s.airGapAcknowledged);
  const [refusal, setRefusal] = useState<Loadable<AirGapView>>({ state: 'idle' });
  const officers = useApp((s) => s.officers);
  const loadOfficers = useApp((s) => s.loadOfficers);
  useEffect(() => {
    void check();
    void loadOfficers();
  }, [check, loadOfficers]);
  const securityOfficers =
    officers.state === 'ready'
      ? officers.value.officers.filter((o) => o.role === 'security-officer' && o.state === 'active')
      : [];
  return (
    <section className="card" aria-labelledby="air-gap-heading">
      <h2 id="air-gap-heading">Air gap</h2>
      {(status.state === 'loading' || status.state === 'idle') && <p role="status">Checking the network interfaces…</p>}
      {status.state === 'failed' && <ErrorPanel title="The network could not be checked" error={status.error} />}
      {status.state === 'ready' &&
        (status.value.isolated ? (
          <p className="finding finding-ok">
            Isolated: no network interface up but loopback, no wireless or Bluetooth device, no default route.
          </p>
        ) : (
          <>
            <FindingList findings={status.value.findings} severity="danger" label="Air-gap findings" />
            {status.value.acknowledged ? (
              <p className="finding finding-warn" role="status">
                Acknowledged by {status.value.acknowledged.officer} at {utcText(status.value.acknowledged.at)}:
                ceremonies may go ahead on this workstation as it is.
              </p>
            ) : (
              <>
                <p>
                  This workstation may not be air-gapped, and no ceremony can be planned until this is resolved. A
                  security officer disconnects the cable or disables the interface, then checks again; or reads these
                  findings and acknowledges them with their passphrase.
                </p>
                {securityOfficers.length > 0 ? (
                  <OfficerPassphrase
                    officers={securityOfficers}
                    purpose="acknowledge these findings"
                    submitLabel="Acknowledge"
                    onSubmit={async (officer, passphrase) => {
                      const result = loaded(
                        await call('acknowledgeAirGap', { officer, passphrase, findings: status.value.findings }),
                      );
                      setRefusal(result);
                      if (result.state === 'ready') acknowledged(result.value);
                      return result.state === 'ready';
                    }}
                  />
                ) : (
                  <p className="hint">A security officer acknowledges them once the workstation is initialised.</p>
                )}
                {refusal.state === 'failed' && (
                  <ErrorPanel title="The findings were not acknowledged" error={refusal.error} />
                )}
              </>
            )}
          </>
        ))}
      <button type="button" onClick={() => void check()}>
        Check the network again
      </button>
    </section>
  );
}
