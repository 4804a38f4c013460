import { useId, useState } from 'react';
import { maxPinParts } from '../../shared/keys';
import { ReasonedButton } from '../components/ReasonedButton';

interface Props {
  /** Whose PIN: shown in every label. */
  who: string;
  submitLabel: string;
  disabled?: boolean;
  onSubmit: (parts: string[]) => unknown;
}

/**
 * A PIN typed in parts, one holder at a time: each part is hidden, and the field is cleared before the
 * next holder comes to the keyboard. The parts are joined only inside the HSM process.
 */
export function PinPartsEntry({ who, submitLabel, disabled, onSubmit }: Props) {
  // Unique ids: the same PIN may be asked for twice on one screen (a step's and the abort's).
  const uid = useId();
  const [count, setCount] = useState(1);
  const [parts, setParts] = useState<string[]>([]);
  const [value, setValue] = useState('');
  const index = parts.length;
  const last = index === count - 1;

  const accept = () => {
    if (!value) return;
    const next = [...parts, value];
    setValue('');
    if (next.length < count) {
      setParts(next);
      return;
    }
    setParts([]);
    void onSubmit(next);
  };

  return (
    <form
      className="pin-entry"
      onSubmit={(event) => {
        event.preventDefault();
        accept();
      }}
    >
      <div className="row">
        <label htmlFor={`${uid}-parts`}>Number of PIN parts ({who})</label>
        <select
          id={`${uid}-parts`}
          value={count}
          disabled={parts.length > 0 || disabled}
          onChange={(event) => setCount(Number(event.target.value))}
        >
          {Array.from({ length: maxPinParts }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <label htmlFor={`${uid}-part`}>
          {who}: part {index + 1} of {count}
        </label>
        <input
          id={`${uid}-part`}
          className="wide"
          type="password"
          autoComplete="off"
          value={value}
          disabled={disabled}
          onChange={(event) => setValue(event.target.value)}
        />
        <ReasonedButton
          type="submit"
          className={last ? 'primary' : undefined}
          whyDisabled={disabled ? 'Wait until Keyward has finished.' : value ? undefined : 'Type this part first.'}
        >
          {last ? submitLabel : `Next holder of the ${who}`}
        </ReasonedButton>
      </div>
      {parts.length > 0 && (
        <p className="hint" role="status">
          {parts.length} of {count} part{parts.length === 1 ? '' : 's'} entered and hidden. The next holder types part{' '}
          {index + 1}.{' '}
          <button type="button" className="link-button" onClick={() => setParts([])}>
            Start the PIN again
          </button>
        </p>
      )}
    </form>
  );
}
