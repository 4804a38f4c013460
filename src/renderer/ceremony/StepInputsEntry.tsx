import { useId, useState } from 'react';
import { missingInputs, type StepInputKind, type StepInputs } from '../../shared/ceremonies';
import { ReasonedButton } from '../components/ReasonedButton';
import { DrivePicker } from './DrivePicker';
import { PinPartsEntry } from './PinPartsEntry';

interface Props {
  kinds: StepInputKind[];
  inputs: StepInputs;
  onChange: (inputs: StepInputs) => void;
  /** The officer a new passphrase is for (enrolment). */
  newOfficer?: string;
  disabled?: boolean;
}

export const inputsComplete = (kinds: StepInputKind[], inputs: StepInputs): boolean =>
  missingInputs(kinds, inputs).length === 0;

function Entered({ what, onClear }: { what: string; onClear: () => void }) {
  return (
    <p className="entered" role="status">
      {what}: entered and hidden.{' '}
      <button type="button" className="link-button" onClick={onClear}>
        Enter again
      </button>
    </p>
  );
}

/** What a step needs typed before it runs: PIN parts, a new officer's passphrase (twice), or backup shares. */
export function StepInputsEntry({ kinds, inputs, onChange, newOfficer, disabled }: Props) {
  const uid = useId();
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [share, setShare] = useState('');
  const [shareFile, setShareFile] = useState('');
  const update = (change: Partial<StepInputs>) => onChange({ ...inputs, ...change });
  const without = (key: keyof StepInputs) => {
    const next = { ...inputs };
    Reflect.deleteProperty(next, key);
    onChange(next);
  };

  return (
    <div className="step-inputs">
      {kinds.includes('security-officer-pin') &&
        (inputs.securityOfficerPin ? (
          <Entered what="Security officer PIN" onClear={() => without('securityOfficerPin')} />
        ) : (
          <fieldset>
            <legend>Security officer PIN (this step logs in as the security officer)</legend>
            <PinPartsEntry
              who="Security officer PIN"
              submitLabel="Keep the security officer PIN for this step"
              disabled={disabled}
              onSubmit={(parts) => update({ securityOfficerPin: parts })}
            />
          </fieldset>
        ))}
      {kinds.includes('user-pin') &&
        (inputs.userPin ? (
          <Entered what="User PIN" onClear={() => without('userPin')} />
        ) : (
          <fieldset>
            <legend>User PIN (to log back in as the user after the security officer&apos;s work)</legend>
            <PinPartsEntry
              who="User PIN"
              submitLabel="Keep the user PIN for this step"
              disabled={disabled}
              onSubmit={(parts) => update({ userPin: parts })}
            />
          </fieldset>
        ))}
      {kinds.includes('new-passphrase') &&
        (inputs.newPassphrase ? (
          <Entered what={`${newOfficer ?? 'The new officer'}'s passphrase`} onClear={() => without('newPassphrase')} />
        ) : (
          <fieldset>
            <legend>
              {newOfficer ?? 'The new officer'} chooses a passphrase (at least 12 characters; nobody else looks)
            </legend>
            <label htmlFor={`${uid}-new-passphrase`}>Passphrase</label>
            <input
              id={`${uid}-new-passphrase`}
              className="wide"
              type="password"
              autoComplete="off"
              value={passphrase}
              disabled={disabled}
              onChange={(event) => setPassphrase(event.target.value)}
            />
            <label htmlFor={`${uid}-new-passphrase-again`}>The same passphrase again</label>
            <input
              id={`${uid}-new-passphrase-again`}
              className="wide"
              type="password"
              autoComplete="off"
              value={again}
              disabled={disabled}
              onChange={(event) => setAgain(event.target.value)}
            />
            {again && again !== passphrase && <p className="hint">The two entries differ.</p>}
            <div>
              <ReasonedButton
                whyDisabled={
                  disabled
                    ? 'Wait until Keyward has finished.'
                    : passphrase.length === 0
                      ? 'Type the passphrase twice first.'
                      : passphrase !== again
                        ? 'The two entries must be the same.'
                        : undefined
                }
                onClick={() => {
                  update({ newPassphrase: passphrase });
                  setPassphrase('');
                  setAgain('');
                }}
              >
                Keep the passphrase for this step
              </ReasonedButton>
            </div>
          </fieldset>
        ))}
      {kinds.includes('backup-shares') && (
        <fieldset>
          <legend>Backup key shares: each custodian gives theirs</legend>
          <p role="status">{inputs.shares?.length ?? 0} share(s) given.</p>
          <label htmlFor={`${uid}-share-words`}>Share words (typed by the custodian, not shown to others)</label>
          <input
            id={`${uid}-share-words`}
            className="wide"
            type="password"
            autoComplete="off"
            value={share}
            disabled={disabled}
            onChange={(event) => setShare(event.target.value)}
          />
          <DrivePicker
            label="Or the share file on the custodian's drive"
            mode="file"
            value={shareFile}
            onChange={setShareFile}
          />
          <div>
            <ReasonedButton
              whyDisabled={
                disabled
                  ? 'Wait until Keyward has finished.'
                  : !share && !shareFile
                    ? 'Type the share words, or choose the share file, first.'
                    : undefined
              }
              onClick={() => {
                update({ shares: [...(inputs.shares ?? []), share || shareFile] });
                setShare('');
                setShareFile('');
              }}
            >
              Add this share
            </ReasonedButton>
          </div>
        </fieldset>
      )}
    </div>
  );
}
