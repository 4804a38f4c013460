import type { StepValue } from '../../shared/ceremonies';
import { Digest } from './Digest';

/** Values officers compare aloud, shown as digests; internal ids are not shown. */
const compared: Record<string, string> = {
  kcv: 'Key check value',
  kekKcv: 'Backup key check value',
  fingerprint: 'Wrapping key fingerprint (SHA-256)',
  approvalKeyFingerprint: "The officer's approval key fingerprint",
};
const labels: Record<string, string> = {
  version: 'Version',
  folder: 'Written to',
  file: 'Written to',
  shareFolders: 'Shares written to',
  bundleId: 'Bundle id',
  backupId: 'Backup id',
  manifestSha256: 'Manifest SHA-256',
  sha256: 'SHA-256',
  entries: 'Audit entries',
  versions: 'Versions',
  restored: 'Restored',
  destroyedObjects: 'Token objects destroyed',
  modulusBits: 'Modulus',
  officer: 'Officer',
  certificateId: 'Certificate id',
  seq: 'Checkpoint at entry',
  headHash: 'Audit head hash',
  signerFingerprint: 'Signed by the workstation key',
};

const text = (value: StepValue): string =>
  Array.isArray(value)
    ? value.map(text).join(', ')
    : value !== null && typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

export function StepResult({ result }: { result: Record<string, StepValue> }) {
  const entries = Object.entries(result);
  return (
    <div className="step-result">
      {entries
        .filter(([key, value]) => compared[key] && typeof value === 'string')
        .map(([key, value]) => (
          <Digest
            key={key}
            label={compared[key] ?? key}
            hex={typeof value === 'string' ? value : ''}
            group={key.toLowerCase().endsWith('kcv') ? 2 : 4}
          />
        ))}
      <dl className="fields">
        {entries
          .filter(([key]) => labels[key])
          .map(([key, value]) => (
            <div className="field" key={key}>
              <dt>{labels[key]}</dt>
              <dd
                className={
                  key === 'folder' || key === 'file' || key.endsWith('Sha256') || key === 'sha256' || key === 'headHash'
                    ? 'mono'
                    : undefined
                }
              >
                {text(value)}
              </dd>
            </div>
          ))}
      </dl>
    </div>
  );
}
