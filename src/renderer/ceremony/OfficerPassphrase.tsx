import { useState } from 'react';
import type { OfficerRecord } from '../../shared/officers';
import { ReasonedButton } from '../components/ReasonedButton';
import { roleLabels } from '../format';

interface Props {
  /** The officers who may act now; the first is preselected. */
  officers: OfficerRecord[];
  purpose: string;
  submitLabel: string;
  /** Why nobody may submit now (Keyward busy, a reason still to give); absent when they may. */
  whyDisabled?: string | undefined;
  onSubmit: (officer: string, passphrase: string) => Promise<boolean>;
}

/** One officer at a time types their own passphrase; the field is cleared whatever the outcome. */
export function OfficerPassphrase({ officers, purpose, submitLabel, whyDisabled, onSubmit }: Props) {
  const disabled = whyDisabled !== undefined;
  const [chosen, setChosen] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const officer = officers.some((o) => o.id === chosen) ? chosen : (officers[0]?.id ?? '');
  const id = purpose.replace(/\W+/g, '-');
  if (officers.length === 0) return null;
  return (
    <form
      className="passphrase-entry"
      onSubmit={(event) => {
        event.preventDefault();
        const typed = passphrase;
        setPassphrase('');
        void onSubmit(officer, typed).then((ok) => {
          if (ok) setChosen('');
        });
      }}
    >
      <div className="row">
        <label htmlFor={`${id}-officer`}>Officer (to {purpose})</label>
        <select
          id={`${id}-officer`}
          value={officer}
          disabled={disabled}
          onChange={(event) => setChosen(event.target.value)}
        >
          {officers.map((o) => (
            <option key={o.id} value={o.id}>
              {o.displayName} ({o.id}, {roleLabels[o.role]})
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <label htmlFor={`${id}-passphrase`}>
          {officer}&apos;s passphrase, to {purpose}
        </label>
        <input
          id={`${id}-passphrase`}
          className="wide"
          type="password"
          autoComplete="off"
          value={passphrase}
          disabled={disabled}
          onChange={(event) => setPassphrase(event.target.value)}
        />
        <ReasonedButton
          type="submit"
          className="primary"
          whyDisabled={whyDisabled ?? (passphrase ? undefined : 'Type the passphrase first.')}
        >
          {submitLabel}
        </ReasonedButton>
      </div>
    </form>
  );
}
