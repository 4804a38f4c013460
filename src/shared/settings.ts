import type { ModuleLoad } from './module-load';

/** Which HSM the workstation uses: the built-in rehearsal token, or a real module (with what it needs to start) and token. */
export type HsmSettings = { mode: 'rehearsal' } | ({ mode: 'hsm'; tokenUri: string } & ModuleLoad);
