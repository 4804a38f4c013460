/**
 * After an export: what the uploader does on the connected side, from the bundle as read back: verify it
 * (pinned to this workstation's key), upload it before the provider's deadline (counted live), and check.
 */
import type { UploadSteps } from '../../shared/contract';
import { providerName } from '../../shared/providers';
import { Digest } from './Digest';
import { LiveDeadline } from './LiveDeadline';

export function UploadStepsCard({
  upload,
  signerFingerprint,
}: {
  upload: UploadSteps;
  signerFingerprint: string | null;
}) {
  const provider = providerName(upload.provider);
  return (
    <section className="card" aria-labelledby="upload-steps-heading">
      <h2 id="upload-steps-heading">What the uploader does next</h2>
      {upload.rehearsal ? (
        <p className="finding finding-danger" role="status">
          REHEARSAL: do not upload. This bundle was made with a rehearsal token and protects nothing real; the steps
          below are shown for practice.
        </p>
      ) : null}
      <p className="lead">
        <LiveDeadline deadline={upload.deadline} />
      </p>
      <ol className="upload-steps">
        <li>
          On the connected machine, verify the bundle folder before anything else:
          <pre className="mono command">{upload.verifyCommand}</pre>
          <p className="hint">
            The folder is named as this workstation mounts the drive: on the connected machine, give the same folder
            where that machine mounts it.
          </p>
          {signerFingerprint && (
            <Digest label="The workstation key fingerprint the command pins" hex={signerFingerprint} />
          )}
          Do not upload if the verification reports any problem.
        </li>
        <li>
          Upload to {provider}
          {upload.client ? `, with ${upload.client}` : ''}:
          {upload.steps.map((step) => (
            <pre key={step} className="mono command">
              {step}
            </pre>
          ))}
          {upload.notes.map((note) => (
            <p key={note} className="hint">
              {note}
            </p>
          ))}
          <p className="hint">The uploader needs {upload.permission}.</p>
        </li>
        <li>
          Check that {provider} now holds this very key:
          <pre className="mono command">{upload.check.join('\n')}</pre>
        </li>
      </ol>
    </section>
  );
}
