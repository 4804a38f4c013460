import { useEffect, useState } from 'react';
import { useCeremony } from './store';

/** What Keyward is doing, with the time it has taken so far: the screen stays live during long HSM work. */
export function Working() {
  const working = useCeremony((s) => s.working);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!working) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [working]);
  if (!working) return null;
  const seconds = Math.max(0, Math.floor((now - working.since) / 1000));
  return (
    <div className="working" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>
        {working.what}…{' '}
        <span className="hint">
          {seconds} s so far. The HSM works in its own process; do not remove the token or a drive.
        </span>
      </span>
    </div>
  );
}
