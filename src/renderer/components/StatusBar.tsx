import { useEffect } from 'react';
import { rehearsalToken } from '../../shared/rehearsal';
import { useCeremony } from '../ceremony/store';
import { useApp } from '../store';
import { busyReason, ReasonedButton } from './ReasonedButton';

const airGapPollMs = 3000;

/**
 * One line that never scrolls away: whether this is a rehearsal, the air gap, the token's login (with the
 * way to end the session), and the ceremony open now.
 */
export function StatusBar() {
  const status = useApp((s) => s.status);
  const airGap = useApp((s) => s.airGap);
  const loadAirGap = useApp((s) => s.loadAirGap);
  const list = useCeremony((s) => s.list);
  const loadList = useCeremony((s) => s.loadList);
  const open = useCeremony((s) => s.open);
  const working = useCeremony((s) => s.working);
  const logout = useCeremony((s) => s.logout);

  useEffect(() => {
    if (list.state === 'idle') void loadList();
  }, [list.state, loadList]);
  useEffect(() => {
    // Read live: a cable plugged in, or an acknowledgement made on another screen, shows within seconds.
    void loadAirGap();
    const timer = setInterval(() => void loadAirGap(), airGapPollMs);
    return () => clearInterval(timer);
  }, [loadAirGap]);

  const rehearsal = status.state === 'ready' && status.value.rehearsal;
  const loggedIn = list.state === 'ready' && list.value.loggedIn;
  const next = open?.status.steps.find((s) => s.state !== 'done');

  return (
    <section className="status-bar" aria-label="Workstation status">
      {status.state === 'ready' &&
        (rehearsal ? (
          <span className="status-item status-rehearsal">{rehearsalToken.banner}: protects nothing real</span>
        ) : (
          <span className="status-item status-production">Production token</span>
        ))}
      <span className="status-item">
        Air gap:{' '}
        {airGap.state !== 'ready' ? (
          'checking…'
        ) : airGap.value.isolated ? (
          <strong>isolated</strong>
        ) : airGap.value.acknowledged ? (
          <strong className="status-warn">not isolated, acknowledged by {airGap.value.acknowledged.officer}</strong>
        ) : (
          <strong className="status-danger">not isolated, not acknowledged</strong>
        )}
      </span>
      <span className="status-item">
        Token:{' '}
        <strong>
          {status.state === 'ready' ? `"${status.value.token.label}"` : '…'} {loggedIn ? 'logged in' : 'not logged in'}
        </strong>
        {loggedIn && (
          <ReasonedButton className="link-button" whyDisabled={busyReason(working)} onClick={() => void logout()}>
            Log out
          </ReasonedButton>
        )}
      </span>
      <span className="status-item">
        Ceremony:{' '}
        <strong>
          {open
            ? `${open.status.plan.title}, ${
                open.status.state === 'completed' || open.status.state === 'aborted'
                  ? open.status.state
                  : next
                    ? `step ${next.index + 1} of ${open.status.steps.length}`
                    : 'every step done'
              }`
            : 'none open'}
        </strong>
      </span>
    </section>
  );
}
