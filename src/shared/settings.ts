import type { ModuleLoad } from './module-load';

/**
 * Which HSM the workstation uses: the built-in rehearsal token, or a real module (with what it needs to
 * start) and token. A real token may be set apart for rehearsals only (one that does not enforce what
 * Keyward relies on may serve no other way): everything made with it is marked REHEARSAL.
 */
export type HsmSettings =
  { mode: 'rehearsal' } | ({ mode: 'hsm'; tokenUri: string; rehearsalOnly?: true } & ModuleLoad);

/** The token protects nothing real: the rehearsal token, or a real token set apart for rehearsals. */
export const rehearsing = (settings: HsmSettings): boolean =>
  settings.mode === 'rehearsal' || settings.rehearsalOnly === true;

/** How the selection is described in plans, settings and the audit log: "for rehearsals only" when it is. */
export const rehearsalOnlyOf = (settings: HsmSettings): { rehearsalOnly?: true } =>
  settings.mode === 'hsm' && settings.rehearsalOnly ? { rehearsalOnly: true } : {};
