/** The token a command logs in to: held for this Keyward alone, named as the PIN prompts name it, and the user login. */
import type { Workstation } from '../main/workstation';
import { acceptPipedSecrets, readPinParts } from './secret-input';

/**
 * Before any PIN is asked: no other Keyward may be working on this workstation; the token is read live,
 * and it decides whether secrets may be piped (the rehearsal token only).
 */
export async function openToken(workstation: Workstation): Promise<{ rehearsal: boolean; tokenName: string }> {
  workstation.holdInstanceLock();
  // A --module/--token (or --rehearsal-only) other than the approved selection: refused before anything is read.
  workstation.hsm.requireSavedHsm();
  const { token, rehearsal } = await workstation.tokenStatus();
  acceptPipedSecrets(rehearsal);
  return {
    rehearsal,
    tokenName: `token "${token.label}" (serial ${token.serial})${rehearsal ? ', the REHEARSAL token' : ''}`,
  };
}

/** The user login, with the PIN parts given (a rehearsal's answers) or typed by their holders; the token's PIN warnings printed. */
export async function logInUser(
  workstation: Workstation,
  tokenName: string,
  parts: string[] | number,
  print: (text: string) => void,
): Promise<void> {
  const login = await workstation.login(
    'user',
    Array.isArray(parts) ? parts : await readPinParts(tokenName, 'user', parts),
  );
  for (const warning of login.warnings) print(`Warning: ${warning}\n`);
}
