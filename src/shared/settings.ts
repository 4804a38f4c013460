/** Which HSM the workstation uses: the built-in rehearsal token, or a real module and token. */
export type HsmSettings = { mode: 'rehearsal' } | { mode: 'hsm'; modulePath: string; tokenUri: string };
