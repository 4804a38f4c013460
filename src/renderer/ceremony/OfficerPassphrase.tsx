import { useState } from 'react';
import type { OfficerRecord } from '../../shared/officers';
import { roleLabels } from '../format';

interface Props {
  /** The officers who may act now; the first is preselected. */
  officers: OfficerRecord[];
  purpose: string;
  submitLabel: string;
  disabled?: boolean;
  onSubmit: (officer: string, passphrase: string) => Promise<boolean>;
}

/** One officer at a time types their own passphrase; the field is cleared whatever the outcome. */
export function OfficerPassphrase({ officers, purpose, submitLabel, disabled, onSubmit }: Props) {
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
        <button type="submit" className="primary" disabled={disabled || !passphrase}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
