import { useEffect, useState } from 'react';
import type { AirGapView } from '../../shared/air-gap';
import { foundingRuleInWords, ruleFrom, selfGovernanceProblems } from '../../shared/founding';
import { signingKeySpecs, signingKeySpecWords, type SigningKeySpec } from '../../shared/keys';
import { officerIdFrom, officerIdPattern, officerRoles, type OfficerRole } from '../../shared/officers';
import { call } from '../api';
import { ErrorPanel } from '../components/ErrorPanel';
import { FindingList } from '../components/FindingList';
import { busyReason, ReasonedButton } from '../components/ReasonedButton';
import { roleLabels } from '../format';
import { useCatalogue } from './ceremony-types';
import { useCeremony } from './store';

interface Founder {
  id: string;
  name: string;
  role: OfficerRole;
  /** The id was typed: it no longer follows the full name. */
  idEdited?: boolean;
}

/**
 * The first initialisation: the workstation's signing key (made in the token) and founding officers who
 * can govern it on their own, even with one of them locked out (three security officers under the default
 * policies). Each founder chooses a passphrase in turn, the screen cleared between them.
 */
export function InitialiseForm() {
  const initialise = useCeremony((s) => s.initialise);
  const working = useCeremony((s) => s.working);
  const [organization, setOrganization] = useState('');
  const [name, setName] = useState('');
  const [signingKey, setSigningKey] = useState<SigningKeySpec>('ECDSA_P384');
  const [founders, setFounders] = useState<Founder[]>([
    { id: '', name: '', role: 'security-officer' },
    { id: '', name: '', role: 'key-custodian' },
    { id: '', name: '', role: 'security-officer' },
    { id: '', name: '', role: 'security-officer' },
  ]);
  const [passphrases, setPassphrases] = useState<string[]>([]);
  const [typing, setTyping] = useState(false);
  const [first, setFirst] = useState('');
  const [again, setAgain] = useState('');
  const [network, setNetwork] = useState<AirGapView | undefined>();
  const [acknowledged, setAcknowledged] = useState(false);
  const [networkUnread, setNetworkUnread] = useState(false);
  useEffect(() => {
    void call('getAirGapStatus', {}).then((result) => {
      setNetwork(result.ok ? result.value : undefined);
      setNetworkUnread(!result.ok);
    });
  }, []);
  const findings = network && !network.isolated ? network.findings : [];
  const edit = (index: number, change: Partial<Founder>) =>
    setFounders((old) => old.map((f, i) => (i === index ? { ...f, ...change } : f)));
  // The officer ceremonies' default policies, as their types declare them.
  const catalogue = useCatalogue();
  const ruleOf = catalogue.state === 'ready' ? ruleFrom(catalogue.value) : undefined;
  const governance = ruleOf ? selfGovernanceProblems(founders, ruleOf) : [];
  const namesOk =
    founders.length >= 2 &&
    founders.every((f) => officerIdPattern.test(f.id) && f.name.trim()) &&
    new Set(founders.map((f) => f.id)).size === founders.length &&
    ruleOf !== undefined &&
    governance.length === 0;
  const current = founders[passphrases.length];

  if (typing && current) {
    return (
      <section className="card" aria-labelledby="founder-passphrase-heading">
        <h2 id="founder-passphrase-heading">
          {current.name} ({current.id}) chooses a passphrase
        </h2>
        <p>
          Founding officer {passphrases.length + 1} of {founders.length}. At least 12 characters, not containing the
          officer name; nobody else looks at the screen.
        </p>
        <label htmlFor="founder-passphrase">Passphrase</label>
        <input
          id="founder-passphrase"
          className="wide"
          type="password"
          autoComplete="off"
          value={first}
          onChange={(event) => setFirst(event.target.value)}
        />
        <label htmlFor="founder-passphrase-again">The same passphrase again</label>
        <input
          id="founder-passphrase-again"
          className="wide"
          type="password"
          autoComplete="off"
          value={again}
          onChange={(event) => setAgain(event.target.value)}
        />
        {again && again !== first && <p className="hint">The two entries differ.</p>}
        <div className="row">
          <ReasonedButton
            className="primary"
            whyDisabled={
              busyReason(working) ??
              (first.length < 12
                ? 'Type a passphrase of at least 12 characters first.'
                : first !== again
                  ? 'The two entries must be the same.'
                  : undefined)
            }
            onClick={() => {
              const all = [...passphrases, first];
              setFirst('');
              setAgain('');
              if (all.length < founders.length) {
                setPassphrases(all);
                return;
              }
              setPassphrases([]);
              setTyping(false);
              void initialise({
                organization,
                name,
                signingKey,
                founding: founders.map((f, i) => ({ id: f.id, name: f.name, role: f.role, passphrase: all[i] ?? '' })),
                airGapFindings: findings,
              });
            }}
          >
            {passphrases.length + 1 < founders.length
              ? 'Keep it; clear the screen for the next officer'
              : 'Keep it and initialise the workstation'}
          </ReasonedButton>
          <button
            type="button"
            onClick={() => {
              setPassphrases([]);
              setTyping(false);
            }}
          >
            Back (forget the passphrases typed)
          </button>
        </div>
      </section>
    );
  }

  return (
    <section className="card" aria-labelledby="initialise-heading">
      <h2 id="initialise-heading">Initialise this workstation</h2>
      <p>
        This workstation has no signing key yet. The founding officers create it in the token, and are enrolled with it.
      </p>
      <form
        className="ceremony-form"
        onSubmit={(event) => {
          event.preventDefault();
          setTyping(true);
        }}
      >
        <label htmlFor="init-organization">Organisation</label>
        <input
          id="init-organization"
          className="wide"
          value={organization}
          onChange={(event) => setOrganization(event.target.value)}
        />
        <label htmlFor="init-name">Workstation name</label>
        <input id="init-name" className="wide" value={name} onChange={(event) => setName(event.target.value)} />
        <label htmlFor="init-key">Signing key</label>
        <select
          id="init-key"
          value={signingKey}
          onChange={(event) => setSigningKey(event.target.value as SigningKeySpec)}
        >
          {signingKeySpecs.map((s) => (
            <option key={s} value={s}>
              {signingKeySpecWords[s]} ({s})
            </option>
          ))}
        </select>
        <fieldset>
          <legend>Founding officers</legend>
          {ruleOf && <p className="hint">{foundingRuleInWords(ruleOf)}</p>}
          {catalogue.state === 'failed' && (
            <ErrorPanel title="The founding rule could not be read" error={catalogue.error} />
          )}
          {founders.map((f, i) => (
            <div className="row" key={i}>
              <label htmlFor={`founder-${i}-name`}>Officer {i + 1} full name</label>
              <input
                id={`founder-${i}-name`}
                value={f.name}
                onChange={(event) =>
                  edit(i, {
                    name: event.target.value,
                    ...(f.idEdited ? {} : { id: officerIdFrom(event.target.value) }),
                  })
                }
              />
              <label htmlFor={`founder-${i}-id`}>Officer {i + 1} id</label>
              <input
                id={`founder-${i}-id`}
                className="mono"
                value={f.id}
                aria-describedby="founder-id-hint"
                onChange={(event) => edit(i, { id: event.target.value.trim().toLowerCase(), idEdited: true })}
              />
              <label htmlFor={`founder-${i}-role`}>Role</label>
              <select
                id={`founder-${i}-role`}
                value={f.role}
                onChange={(event) => edit(i, { role: event.target.value as OfficerRole })}
              >
                {officerRoles.map((r) => (
                  <option key={r} value={r}>
                    {roleLabels[r]}
                  </option>
                ))}
              </select>
            </div>
          ))}
          <div className="row">
            <button type="button" onClick={() => setFounders((old) => [...old, { id: '', name: '', role: 'auditor' }])}>
              Add an officer
            </button>
            {founders.length > 3 && (
              <button type="button" onClick={() => setFounders((old) => old.slice(0, -1))}>
                Remove the last officer
              </button>
            )}
          </div>
          {governance.length > 0 && (
            <FindingList findings={governance} severity="warn" label="Why these founding officers are not enough" />
          )}
          <p className="hint" id="founder-id-hint">
            Full names are kept as typed. Each officer id (used to sign in and in the audit log) is made from the full
            name; edit it if you wish: lower case, 2 to 32 characters (letters, digits, dot, dash, underscore), starting
            with a letter. Ids are never reused.
          </p>
        </fieldset>
        {network?.isolated && <p className="finding finding-ok">Air gap: isolated.</p>}
        {findings.length > 0 && (
          <fieldset>
            <legend>This workstation may not be air-gapped</legend>
            <FindingList findings={findings} severity="danger" label="Air-gap findings" />
            <label className="choice">
              <input
                type="checkbox"
                checked={acknowledged}
                onChange={(event) => setAcknowledged(event.target.checked)}
              />
              The founding security officer has read these findings and acknowledges them (recorded with their
              passphrase). Otherwise, disconnect the network and check again on the Home screen.
            </label>
          </fieldset>
        )}
        <div>
          <ReasonedButton
            type="submit"
            className="primary"
            whyDisabled={
              !organization.trim() || !name.trim()
                ? "Give the organisation and the workstation's name first."
                : catalogue.state === 'failed'
                  ? 'The ceremony types could not be read, so the founding set cannot be checked: restart Keyward.'
                  : ruleOf === undefined
                    ? 'Wait: the ceremony types are still being read.'
                    : !namesOk
                      ? 'Give every founding officer a full name and a distinct id, in a set that can govern itself (see above).'
                      : networkUnread
                        ? 'The air-gap check could not be read: check the network on the Home screen, then come back.'
                        : network === undefined
                          ? 'Wait: the air-gap check is still running.'
                          : findings.length > 0 && !acknowledged
                            ? 'The founding security officer acknowledges the air-gap findings above first.'
                            : undefined
            }
          >
            Each founding officer chooses a passphrase
          </ReasonedButton>
        </div>
      </form>
    </section>
  );
}
