/**
 * A ceremony type, declared in one file of ./types: the plan it takes (a zod schema, read alike from a
 * plan file and from the app's form), how that plan becomes the engine's steps, and the steps it is made
 * of, with what the officers see of it: its title and description, its default quorum policy, whether it
 * is under dual control, and the app's form for it (the renderer gets these through the contract's
 * getCeremonyCatalogue). The registry (./types/index.ts) lists the declarations; everything else is
 * derived from it (./catalogue.ts).
 */
import { z } from 'zod';
import type { FormField } from '../../shared/ceremony-forms';
import type { CeremonyAbout } from '../../shared/ceremony-types';
import {
  defaultApprovalLifetimeHours,
  officerIdPattern,
  officerRoles,
  type OfficerRole,
  type QuorumPolicy,
} from '../../shared/officers';
import type { Workstation } from '../workstation';
import type { StepPlan } from './engine';
import type { Step } from './steps';

/** Resolves a path a plan names (relative to the plan file, or as given in the app) and checks where it is. */
export type Place = (name: string) => string;

/** A ceremony's steps as planned, with its title for the officers. */
export interface Planned {
  title: string;
  steps: StepPlan[];
}

/** What a plan builder may use: the workstation's stores, where the plan's paths are, the new ceremony's id. */
export interface PlanningInput {
  workstation: Workstation;
  place: Place;
  /** The ceremony's id, drawn before planning (an export's step digest names it). */
  id: string;
}

/** The officers a plan names as present: at least two for a ceremony under dual control. */
export const officerName = z.string().regex(officerIdPattern, 'an officer name');
export const officersPresent = z.array(officerName).min(2, 'name at least two officers who will be present');

export interface CeremonyDeclaration<T extends string = string, S extends z.ZodType = z.ZodType> extends CeremonyAbout {
  type: T;
  /** The app's form for it, each field naming the plan path it fills; none for the initialisation (its own form). */
  form?: FormField[];
  /** It makes, holds or hands out a CMK: planned only on a token proven to enforce what Keyward relies on. */
  cmk?: true;
  /** The plan's shape: `ceremony: <type>`, the officers present, and what this ceremony acts on. */
  plan: S;
  /** The officers the plan names as present (the founding officers, for an initialisation). */
  present(plan: z.output<S>): string[];
  /** The steps this ceremony's plans are made of (the engine runs no other step for it). */
  steps: readonly Step[];
  /** The plan as the engine's steps; none for an initialisation, which creates the officers who approve steps. */
  build?(plan: z.output<S>, input: PlanningInput): Planned | Promise<Planned>;
}

/**
 * Declares a ceremony type. Its plan schema must fix `ceremony` to the type, so that the plan reader
 * picks the declaration by it; most plans name the officers present in `officers`.
 */
export function defineCeremony<T extends string, S extends z.ZodType<{ ceremony: T }>>(
  declaration: Omit<CeremonyDeclaration<T, S>, 'present'> & Partial<Pick<CeremonyDeclaration<T, S>, 'present'>>,
): CeremonyDeclaration<T, S> {
  return {
    present: (plan) => (plan as { officers?: string[] }).officers ?? [],
    ...declaration,
  };
}

const quorumOf = (quorum: number, roles: OfficerRole[]): QuorumPolicy => ({
  quorum,
  roles,
  approvalLifetimeHours: defaultApprovalLifetimeHours,
});
/** The default policies the types share: two security officers; two officers who hold keys; two custodians or officers. */
export const securityOfficerQuorum = quorumOf(2, ['security-officer']);
export const cmkQuorum = quorumOf(2, ['security-officer', 'key-custodian']);
export const custodyQuorum = quorumOf(2, ['key-custodian', 'security-officer']);
/** Every role: the founding officers are all present at an initialisation. */
export const everyRoleQuorum = quorumOf(2, [...officerRoles]);
export const auditQuorum = quorumOf(1, ['auditor', 'security-officer']);

/** A key version as a plan names it: the key's name and the version's number. */
export const keyVersion = z.object({ name: z.string().min(1).max(100), version: z.number().int().min(1) }).strict();

/** The officers who can approve now: neither suspended nor removed. */
export const activeOfficers = (workstation: Workstation) =>
  workstation
    .officers()
    .list()
    .filter((o) => o.state === 'active');
