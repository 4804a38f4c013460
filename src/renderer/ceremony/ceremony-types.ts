/** The ceremonies officers can start from the app, as the main process declares them (getCeremonyCatalogue). */
import { useEffect } from 'react';
import type { CeremonyCatalogueEntry } from '../../shared/ceremony-types';
import type { Loadable } from '../loadable';
import { useApp } from '../store';

/** A type the app's form starts: every one but the initialisation (its own form, while the workstation has no signing key). */
export type FormChoice = CeremonyCatalogueEntry & { form: NonNullable<CeremonyCatalogueEntry['form']> };

const isFormChoice = (entry: CeremonyCatalogueEntry): entry is FormChoice => entry.form !== null;

/** The catalogue, loaded on first use. */
export function useCatalogue(): Loadable<CeremonyCatalogueEntry[]> {
  const catalogue = useApp((s) => s.catalogue);
  const loadCatalogue = useApp((s) => s.loadCatalogue);
  useEffect(() => {
    void loadCatalogue();
  }, [loadCatalogue]);
  return catalogue;
}

/** The types the form offers, in the order declared. */
export const formChoices = (catalogue: Loadable<CeremonyCatalogueEntry[]>): FormChoice[] =>
  catalogue.state === 'ready' ? catalogue.value.filter(isFormChoice) : [];
