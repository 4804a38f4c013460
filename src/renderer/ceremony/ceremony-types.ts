/** The ceremonies officers can start from the app, in their words (src/shared/ceremony-types.ts). */
import type { FormType } from '../../shared/ceremony-forms';
import { ceremonyAbout, ceremonyTypes, type CeremonyType } from '../../shared/ceremony-types';

export type { FormType } from '../../shared/ceremony-forms';

const isFormType = (type: CeremonyType): type is FormType => type !== 'initialise-workstation';

/** Every type but the initialisation (its own form, shown while the workstation has no signing key), in the order declared. */
export const ceremonyChoices: { type: FormType; title: string; description: string }[] = ceremonyTypes
  .filter(isFormType)
  .map((type) => ({ type, title: ceremonyAbout[type].title, description: ceremonyAbout[type].description }));
