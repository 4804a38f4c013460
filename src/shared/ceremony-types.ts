/**
 * What every ceremony type tells the officers and the quorum rules: its title and description in their
 * words, its default policy, and whether it is under dual control (never fewer than two distinct
 * officers). Each type declares these in its own file (src/main/ceremonies/types); the renderer receives
 * them, with the type's form, from the main process (the contract's getCeremonyCatalogue).
 */
import type { FormField } from './ceremony-forms';
import { minimumCmkQuorum, type QuorumPolicy } from './officers';

/** A ceremony type's name, e.g. rotate-cmk: main's registry (src/main/ceremonies/types/index.ts) lists them. */
export type CeremonyTypeName = string;

/** The quorum rule of a ceremony type: its policy (the default, or one changed in a change-policy ceremony) and dual control. */
export interface CeremonyRule {
  policy: QuorumPolicy;
  /** It touches a CMK or the officers: never fewer than two distinct officers, whatever its policy says. */
  dualControl: boolean;
}

export interface CeremonyAbout extends CeremonyRule {
  title: string;
  description: string;
}

/** A ceremony type as the app offers it: what it is, its default rule, and its form (none for the initialisation). */
export interface CeremonyCatalogueEntry extends CeremonyAbout {
  type: CeremonyTypeName;
  form: FormField[] | null;
}

/** The fewest distinct officers a ceremony type may ever need. */
export const approvalFloor = (dualControl: boolean): number => (dualControl ? minimumCmkQuorum : 1);

/** The approvals a step of the type needs: its policy's quorum, never below the type's floor. */
export const quorumNeeded = ({ policy, dualControl }: CeremonyRule): number =>
  Math.max(policy.quorum, approvalFloor(dualControl));
