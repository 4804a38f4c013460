/** Every value a step's digest covers, in words, under the step in the plan (ids and hashes in monospace). */
import type { StepDetail } from '../../shared/ceremonies';

export function StepDetails({ details, label }: { details: StepDetail[]; label: string }) {
  if (details.length === 0) return null;
  return (
    <dl className="step-details" aria-label={label}>
      {details.map((d, i) => (
        <div key={`${d.label}-${i}`}>
          <dt>{d.label}</dt>
          <dd className={d.mono ? 'mono' : undefined}>{d.value}</dd>
        </div>
      ))}
    </dl>
  );
}
