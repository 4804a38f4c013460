import { useEffect, useRef } from 'react';
import type { KeywardErrorData } from '../../shared/errors';

/** What happened, what to do next, and the code for the audit record: the same in every error shown. */
export function ErrorBody({ error }: { error: KeywardErrorData }) {
  return (
    <>
      <p className="error-message">{error.message}</p>
      <p>
        <strong>What to do next: </strong>
        {error.nextStep}
      </p>
      <p className="error-code">Error code {error.code}</p>
    </>
  );
}

/**
 * Focus moves to an error when it appears or its message changes, so it is read and never off-screen
 * (focusing scrolls it into view, below the sticky header: scroll-margin-top in styles.css).
 */
export function useFocusOnShow<T extends HTMLElement>(message: string) {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [message]);
  return ref;
}
