import type { KeywardErrorData } from '../../shared/errors';

interface Props {
  title: string;
  error: KeywardErrorData;
  onRetry?: () => void;
}

/** Every failure says what happened and what to do next; the code is shown for the audit record. */
export function ErrorPanel({ title, error, onRetry }: Props) {
  return (
    <section className="error-panel" role="alert" aria-label={title}>
      <h2>{title}</h2>
      <p className="error-message">{error.message}</p>
      <p>
        <strong>What to do next: </strong>
        {error.nextStep}
      </p>
      <p className="error-code">Error code {error.code}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </section>
  );
}
