import { rehearsalToken } from '../../shared/rehearsal';
import { useApp } from '../store';
import { PinPartsEntry } from './PinPartsEntry';
import { useCeremony } from './store';

/** The user login for ceremonies: the holders of the PIN's parts type them in turn. */
export function TokenLogin() {
  const status = useApp((s) => s.status);
  const login = useCeremony((s) => s.login);
  const working = useCeremony((s) => s.working);
  const token = status.state === 'ready' ? status.value : undefined;
  return (
    <section className="card" aria-labelledby="login-heading">
      <h2 id="login-heading">Log in to the token</h2>
      <p>
        Ceremonies use token <strong>{token?.token.label ?? '…'}</strong>
        {token ? ` (serial ${token.token.serial})` : ''}. The officers holding the parts of the user PIN type them in
        turn.
      </p>
      {token?.rehearsal && (
        <p className="hint">
          On the rehearsal token the user PIN is {rehearsalToken.userPin} and the security officer PIN{' '}
          {rehearsalToken.soPin}.
        </p>
      )}
      <PinPartsEntry
        who="User PIN"
        submitLabel="Log in"
        disabled={working !== undefined}
        onSubmit={(parts) => login(parts)}
      />
    </section>
  );
}
