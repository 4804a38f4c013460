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
