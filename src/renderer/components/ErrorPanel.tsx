import type { KeywardErrorData } from '../../shared/errors';
import { ErrorBody, useFocusOnShow } from './ErrorBody';

interface Props {
  title: string;
  error: KeywardErrorData;
  onRetry?: () => void;
}

/** Every failure says what happened and what to do next; the code is shown for the audit record. Focus moves to it. */
export function ErrorPanel({ title, error, onRetry }: Props) {
  const panel = useFocusOnShow<HTMLElement>(error.message);
  return (
    <section className="error-panel" role="alert" aria-label={title} tabIndex={-1} ref={panel}>
      <h2>{title}</h2>
      <ErrorBody error={error} />
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </section>
  );
}
