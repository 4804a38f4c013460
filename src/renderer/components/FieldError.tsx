import { useEffect, useRef } from 'react';
import type { KeywardErrorData } from '../../shared/errors';

/**
 * A refusal shown where it applies: under the field or beside the button concerned. Focus moves to it when
 * it appears, so it is read and never off-screen; the field points at it (aria-describedby, `id`).
 */
export function FieldError({ id, title, error }: { id: string; title: string; error: KeywardErrorData }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Focusing scrolls it into view (below the sticky header: scroll-margin-top in styles.css).
    box.current?.focus();
  }, [error.message]);
  return (
    <div id={id} className="field-error" role="alert" aria-label={title} tabIndex={-1} ref={box}>
      <strong>{title}</strong>
      <p className="error-message">{error.message}</p>
      <p>
        <strong>What to do next: </strong>
        {error.nextStep}
      </p>
      <p className="error-code">Error code {error.code}</p>
    </div>
  );
}

/** Whether a refusal about the plan value at `refused` (a dotted path) concerns the field filling `path`. */
export const concerns = (path: string, refused: string | undefined): boolean =>
  refused !== undefined && (refused === path || refused.startsWith(`${path}.`));
