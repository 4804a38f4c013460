import { useEffect, useRef } from 'react';
import type { KeywardErrorData } from '../../shared/errors';

interface Props {
  title: string;
  error: KeywardErrorData;
  onRetry?: () => void;
}

/**
 * Every failure says what happened and what to do next; the code is shown for the audit record. Focus
 * moves to it when it appears (or its message changes), so it is never off-screen and a screen reader reads it.
 */
export function ErrorPanel({ title, error, onRetry }: Props) {
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    // Focusing scrolls it into view (below the sticky header: scroll-margin-top in styles.css).
    panel.current?.focus();
  }, [error.message]);
  return (
    <section className="error-panel" role="alert" aria-label={title} tabIndex={-1} ref={panel}>
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
