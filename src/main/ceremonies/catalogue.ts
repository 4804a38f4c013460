/**
 * Everything derived from the registry of ceremony types (./types/index.ts): the type names in the order
 * the app offers them, their quorum rules (the policies store's defaults), and the catalogue the renderer
 * shows (the contract's getCeremonyCatalogue). Code the registry's types import gets the rules injected
 * (the policies store), so that no step depends on the list of types it is part of.
 */
import type { CeremonyCatalogueEntry, CeremonyRule } from '../../shared/ceremony-types';
import type { QuorumPolicy } from '../../shared/officers';
import { ceremonyDeclarations } from './types';

export type CeremonyType = keyof typeof ceremonyDeclarations;

/** In the order the registry lists them, which is the order the app offers them. */
export const ceremonyTypes = Object.keys(ceremonyDeclarations) as [CeremonyType, ...CeremonyType[]];

export const isCeremonyType = (type: unknown): type is CeremonyType =>
  typeof type === 'string' && Object.hasOwn(ceremonyDeclarations, type);

/** Each type's default policy and whether it is under dual control. */
export const ceremonyRules: Readonly<Record<CeremonyType, CeremonyRule>> = Object.fromEntries(
  ceremonyTypes.map((type) => {
    const { policy, dualControl } = ceremonyDeclarations[type];
    return [type, { policy, dualControl }];
  }),
) as Record<CeremonyType, CeremonyRule>;

export const defaultPolicies = Object.fromEntries(
  ceremonyTypes.map((type) => [type, ceremonyRules[type].policy]),
) as Record<CeremonyType, QuorumPolicy>;

export const ceremonyCatalogue: CeremonyCatalogueEntry[] = ceremonyTypes.map((type) => {
  const { title, description, policy, dualControl, form } = ceremonyDeclarations[type];
  return { type, title, description, policy, dualControl, form: form ?? null };
});
