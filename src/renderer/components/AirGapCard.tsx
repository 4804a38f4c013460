import { useEffect, useState } from 'react';
import type { AirGapStatus } from '../../shared/air-gap';
import { call } from '../api';
import { loaded, type Loadable } from '../loadable';
import { ErrorPanel } from './ErrorPanel';

/** The air gap as read at start: any link up, radio or default route is shown before any ceremony. */
export function AirGapCard() {
  const [status, setStatus] = useState<Loadable<AirGapStatus>>({ state: 'loading' });
  const check = async () => {
    setStatus({ state: 'loading' });
    setStatus(loaded(await call('getAirGapStatus', {})));
  };
  useEffect(() => {
    void check();
  }, []);
  return (
    <section className="card" aria-labelledby="air-gap-heading">
      <h2 id="air-gap-heading">Air gap</h2>
      {status.state === 'loading' && <p role="status">Checking the network interfaces…</p>}
      {status.state === 'failed' && <ErrorPanel title="The network could not be checked" error={status.error} />}
      {status.state === 'ready' &&
        (status.value.isolated ? (
          <p className="finding finding-ok">Isolated: no network interface up but loopback, no wireless device, no default route.</p>
        ) : (
          <>
            <ul className="findings">
              {status.value.findings.map((f) => (
                <li key={f} className="finding finding-danger">
                  {f}
                </li>
              ))}
            </ul>
            <p>This workstation may not be air-gapped. A security officer disconnects the cable or disables the interface before any ceremony, then checks again.</p>
          </>
        ))}
      <button type="button" onClick={() => void check()}>
        Check the network again
      </button>
    </section>
  );
}
