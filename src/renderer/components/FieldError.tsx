import type { KeywardErrorData } from '../../shared/errors';
import { ErrorBody, useFocusOnShow } from './ErrorBody';

/**
 * A refusal shown where it applies: under the field or beside the button concerned, with the focus on it;
 * the field points at it (aria-describedby, `id`).
 */
export function FieldError({ id, title, error }: { id: string; title: string; error: KeywardErrorData }) {
  const box = useFocusOnShow<HTMLDivElement>(error.message);
  return (
    <div id={id} className="field-error" role="alert" aria-label={title} tabIndex={-1} ref={box}>
      <strong>{title}</strong>
      <ErrorBody error={error} />
    </div>
  );
}

/** Whether a refusal about the plan value at `refused` (a dotted path) concerns the field filling `path`. */
export const concerns = (path: string, refused: string | undefined): boolean =>
  refused !== undefined && (refused === path || refused.startsWith(`${path}.`));
