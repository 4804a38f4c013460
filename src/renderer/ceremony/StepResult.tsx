import type { StepValue } from '../../shared/ceremonies';
import { resultLines } from '../../shared/step-result-words';
import { Digest } from './Digest';

/**
 * What a step left, in words (src/shared/step-result-words.ts, as the transcript prints it): values
 * officers compare aloud as digests, the rest as fields; internal record ids and signatures are left to
 * the transcript.
 */
export function StepResult({ result }: { result: Record<string, StepValue> }) {
  const lines = resultLines(result).filter((line) => !line.recordOnly);
  return (
    <div className="step-result">
      {lines
        .filter((line) => line.compared)
        .map((line) => (
          <Digest key={line.key} label={line.label} hex={line.hex ?? ''} group={line.group} />
        ))}
      <dl className="fields">
        {lines
          .filter((line) => !line.compared)
          .map((line) => (
            <div className="field" key={line.key}>
              <dt>{line.label}</dt>
              <dd className={line.mono ? 'mono' : undefined}>{line.value}</dd>
            </div>
          ))}
      </dl>
    </div>
  );
}
