/**
 * The rehearsal token is a SoftHSM2 token Keyward creates in its own data directory when no HSM is
 * configured. It protects nothing real, so its PINs are fixed and printed here for rehearsing officers.
 */
export const rehearsalToken = {
  label: 'Keyward Rehearsal',
  userPin: '1111-2222',
  soPin: '9999-8888',
  banner: 'REHEARSAL',
} as const;

/**
 * What every output of a rehearsal carries (transcripts, bundle READMEs): which token made it, and what a
 * real token set apart for rehearsals fails to enforce (or what a self-test found), in words.
 */
export interface RehearsalMark {
  token: string;
  findings: string[];
}

/** What names every folder a rehearsal writes to a drive: REHEARSAL first, so it shows in any file list. */
export const rehearsalName = (name: string, rehearsal: RehearsalMark | undefined): string =>
  rehearsal ? `REHEARSAL-${name}` : name;
