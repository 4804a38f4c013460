/**
 * A button that is never greyed out without a reason: when `whyDisabled` is given it is disabled and the
 * reason is shown beside it (and read with it by a screen reader), so an officer always knows what to do.
 */
import { useId, type ButtonHTMLAttributes } from 'react';

type Props = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'disabled'> & {
  /** Why it cannot be pressed now, as the next thing to do; absent when it can. */
  whyDisabled: string | false | undefined;
};

export function ReasonedButton({ whyDisabled, children, type = 'button', ...props }: Props) {
  const id = useId();
  const describedBy = [props['aria-describedby'], whyDisabled ? id : undefined].filter(Boolean).join(' ');
  return (
    <span className="reasoned">
      <button {...props} type={type} disabled={Boolean(whyDisabled)} aria-describedby={describedBy || undefined}>
        {children}
      </button>
      {whyDisabled && (
        <span id={id} className="hint why-disabled">
          {whyDisabled}
        </span>
      )}
    </span>
  );
}

/** The reason every button has while Keyward is doing something else. */
export const busyReason = (working: { what: string } | undefined): string | undefined =>
  working ? `Wait until Keyward has finished: ${working.what}.` : undefined;
