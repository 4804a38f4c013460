/**
 * One option of a form's choice, with what it asks of the token and of the provider, so that the form
 * offers only what can be done here (and defaults to something that can): the plan is still checked
 * in full when it is made, this only keeps officers from choosing what would be refused.
 */
import type { Capabilities, CmkSpec } from './keys';
import type { ProviderOption } from './providers';
import { generates, wraps } from './token-needs';

/** A provider's option (its `wrap` and `refusedFor`), or any other choice's, which may need the token to generate a key type. */
export interface ChoiceOption extends ProviderOption {
  generates?: CmkSpec;
}

/** What the form knows when it offers options: the token's capabilities (once read) and the key type chosen. */
export interface Circumstances {
  capabilities?: Capabilities | undefined;
  spec?: CmkSpec | undefined;
}

/** Why the option cannot be chosen here, in words, or undefined when it can. */
export function whyUnavailable(option: ChoiceOption, { capabilities, spec }: Circumstances): string | undefined {
  if (spec && option.refusedFor?.[spec]) return option.refusedFor[spec];
  if (!capabilities) return undefined;
  if (option.wrap) return wraps(option.wrap, spec).whyNot(capabilities);
  if (option.generates) return generates(option.generates).whyNot(capabilities);
  return undefined;
}

/** The value kept when it can be chosen; otherwise the first option that can (or the value, when none can). */
export function availableValue(options: ChoiceOption[], value: string, circumstances: Circumstances): string {
  const chosen = options.find((o) => o.value === value);
  if (chosen && !whyUnavailable(chosen, circumstances)) return value;
  return options.find((o) => !whyUnavailable(o, circumstances))?.value ?? value;
}
