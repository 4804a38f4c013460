/** The plan's printable ceremony script: written, signed, to a drive, for the officers to print before they check in. */
import { useState } from 'react';
import { ErrorPanel } from '../components/ErrorPanel';
import { ReasonedButton } from '../components/ReasonedButton';
import { DrivePicker } from './DrivePicker';
import { useCeremony } from './store';

export function ScriptCard() {
  const script = useCeremony((s) => s.script);
  const writeScript = useCeremony((s) => s.writeScript);
  const [folder, setFolder] = useState('');
  return (
    <section className="card" aria-labelledby="script-heading">
      <h2 id="script-heading">Print the ceremony script</h2>
      <p>
        A PDF of this plan for the ceremony binder, signed by the workstation key: the plan digest in full, every step
        with its values and digest, a line for each officer to initial each step and write its time, and the signature
        block. Print it before the officers check in.
      </p>
      <DrivePicker label="Drive for the ceremony script" mode="drive" value={folder} onChange={setFolder} />
      <ReasonedButton
        whyDisabled={
          script.state === 'loading' ? 'Being written now.' : !folder ? 'Choose a drive for it first.' : undefined
        }
        onClick={() => void writeScript(folder)}
      >
        Write the ceremony script
      </ReasonedButton>
      {script.state === 'loading' && <p role="status">Writing and signing the ceremony script…</p>}
      {script.state === 'ready' && (
        <p className="finding finding-ok" role="status">
          Written to <span className="mono">{script.value}</span>
        </p>
      )}
      {script.state === 'failed' && <ErrorPanel title="The ceremony script was not written" error={script.error} />}
    </section>
  );
}
