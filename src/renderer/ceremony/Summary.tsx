import { useEffect, useState } from 'react';
import type { CeremonyView } from '../../shared/ceremonies';
import { ErrorPanel } from '../components/ErrorPanel';
import { ReasonedButton } from '../components/ReasonedButton';
import { stepStateLabels, utcText } from '../format';
import { DrivePicker } from './DrivePicker';
import { handoversOf, ShareHandoverCard } from './ShareHandoverCard';
import { StepResult } from './StepResult';
import { UploadStepsCard } from './UploadStepsCard';
import { useCeremony } from './store';

/** Folders of upload bundles the ceremony wrote (export steps). */
const bundleFolders = (view: CeremonyView): string[] =>
  view.status.steps.flatMap((s) =>
    s.state === 'done' && typeof s.result?.bundleId === 'string' && typeof s.result.folder === 'string'
      ? [s.result.folder]
      : [],
  );

function BundleCheckCard({ folder }: { folder: string }) {
  const check = useCeremony((s) => s.bundleChecks[folder]);
  const verifyBundle = useCeremony((s) => s.verifyBundle);
  useEffect(() => {
    if (!check) void verifyBundle(folder);
  }, [check, folder, verifyBundle]);
  return (
    <>
      <section className="card" aria-label="Bundle read back from the drive">
        <h2>Bundle read back from the drive</h2>
        <p className="mono">{folder}</p>
        {(!check || check.state === 'loading') && <p role="status">Reading the bundle back and verifying it…</p>}
        {check?.state === 'failed' && (
          <ErrorPanel
            title="The bundle could not be read back"
            error={check.error}
            onRetry={() => void verifyBundle(folder)}
          />
        )}
        {check?.state === 'ready' &&
          (check.value.ok ? (
            <p className="finding finding-ok" role="status">
              Verified as read back from the drive: the workstation&apos;s signature, every file&apos;s SHA-256, the
              approvals of {check.value.approvedBy.join(', ')} and the deadline. It is ready to upload.
            </p>
          ) : (
            <div className="finding finding-danger" role="alert">
              The bundle on the drive does not verify. Do not upload it.
              <ul>
                {check.value.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            </div>
          ))}
        {check?.state === 'ready' && (
          <ul className="mono file-hashes">
            {check.value.files.map((f) => (
              <li key={f.name}>
                {f.name} {f.sha256}
              </li>
            ))}
          </ul>
        )}
      </section>
      {check?.state === 'ready' && check.value.ok && check.value.upload && (
        <UploadStepsCard upload={check.value.upload} signerFingerprint={check.value.signerFingerprint} />
      )}
    </>
  );
}

/** The end of a ceremony: outcome, results, the bundle verified from its drive, and the signed transcript. */
export function Summary({ view }: { view: CeremonyView }) {
  const transcript = useCeremony((s) => s.transcript);
  const writeTranscript = useCeremony((s) => s.writeTranscript);
  const [folder, setFolder] = useState('');
  const completed = view.status.state === 'completed';
  return (
    <>
      <section className="card" aria-labelledby="summary-heading">
        <h2 id="summary-heading">{completed ? 'Ceremony completed' : 'Ceremony aborted'}</h2>
        <p className={completed ? 'finding finding-ok' : 'finding finding-warn'}>
          {completed ? `Every step is done` : `Aborted: ${view.status.outcome ?? ''}; the completed steps were undone`}
          {view.status.endedAt ? ` (${utcText(view.status.endedAt)}).` : '.'} Officers present:{' '}
          {view.status.checkedIn.join(', ') || 'none'}.
        </p>
        <ol className="step-list">
          {view.status.steps.map((s) => (
            <li key={s.index}>
              {view.status.plan.steps[s.index]?.description}{' '}
              <span className={`state state-${s.state}`}>{stepStateLabels[s.state]}</span>
              {s.result && s.state === 'done' && <StepResult result={s.result} />}
            </li>
          ))}
        </ol>
      </section>
      {handoversOf(view).map((h) => (
        <ShareHandoverCard key={h.backupId} handover={h} />
      ))}
      {bundleFolders(view).map((f) => (
        <BundleCheckCard key={f} folder={f} />
      ))}
      <section className="card" aria-labelledby="transcript-heading">
        <h2 id="transcript-heading">Signed transcript</h2>
        <p>
          The record of this ceremony (plan, officers, every step, approvals and results) as JSON and PDF, each signed
          by the workstation key, for the ceremony binder.
        </p>
        <DrivePicker label="Drive for the transcript" mode="drive" value={folder} onChange={setFolder} />
        <ReasonedButton
          className="primary"
          whyDisabled={
            transcript.state === 'loading'
              ? 'Being written now.'
              : !folder
                ? 'Choose a drive for the transcript first.'
                : undefined
          }
          onClick={() => void writeTranscript(folder)}
        >
          Write the signed transcript
        </ReasonedButton>
        {transcript.state === 'ready' && (
          <p className="finding finding-ok" role="status">
            Written to <span className="mono">{transcript.value}</span>
          </p>
        )}
        {transcript.state === 'failed' && (
          <ErrorPanel title="The transcript was not written" error={transcript.error} />
        )}
      </section>
    </>
  );
}
