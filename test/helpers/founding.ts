/**
 * The founding officers the command-line tests initialise a workstation with: a set that can govern
 * itself (three security officers), and the passphrases each chooses, in the order `workstation init`
 * asks for them.
 */
export const foundingOfficerArgs = [
  '--officer',
  'alice:security-officer:Alice Martin',
  '--officer',
  'bob:key-custodian:Bob Chen',
  '--officer',
  'dave:security-officer:Dave Okafor',
  '--officer',
  'grace:security-officer:Grace Lindqvist',
];

export const foundingPassphrases =
  'rehearsal passphrase one\nrehearsal passphrase two\nrehearsal passphrase four\nrehearsal passphrase five\n';

/** `keyward workstation init` for a rehearsal workstation WS-1 of Example Org, founded by those officers. */
export const workstationInitArgs = [
  'workstation',
  'init',
  '--network-acknowledged',
  '--org',
  'Example Org',
  '--name',
  'WS-1',
  ...foundingOfficerArgs,
];
