/**
 * Where a backup's shares are written and how a share file begins: so the app never offers a share as
 * any other file (a provider's wrapping key), and main refuses one given as such.
 */
import type { StepValue } from './ceremonies';
import { valueText } from './step-result-words';

/** The folder holding one custodian's share, on that custodian's drive. */
export const shareFolderName = (packageName: string, index: number, shares: number): string =>
  `${packageName}-share-${index}-of-${shares}`;

/** The first line of a share (after a rehearsal's warning): the header main writes and reads back. */
export const shareHeading = 'KEYWARD BACKUP KEY SHARE';

/** A file inside a share's folder (its path on the drive, as the drive listing gives it). */
export const isInShareFolder = (path: string): boolean => /(^|\/)[^/]*-share-\d+-of-\d+\//.test(path);

/** Text that is a share file's, whatever its name. */
export const isShareText = (bytes: Uint8Array): boolean =>
  new TextDecoder('latin1').decode(bytes.subarray(0, 4096)).includes(shareHeading);

/** What each custodian does with their share once the backup step has written it: on screen, in the share file and on the script. */
export const shareHandoverSteps: readonly string[] = [
  "Take the drive holding your share in front of the other officers, and check that its folder names your share's number.",
  "Unmount it; never copy the share anywhere else. Seal the drive in a tamper-evident bag and write the bag number beside your name in the ceremony's paper record (the printed script).",
  'Sign for your share there, then keep the bag apart from every other share (a different safe, or a different site), as your custody rules say.',
  'Whoever holds enough shares can restore the keys of this backup: if a bag is lost or its seal is broken, tell the security officers at once.',
];

/** Who holds which share and where it was written, from a backup step's result (none for any other step). */
export function sharesHandedOut(result: Record<string, StepValue>): { holder: string; folder: string }[] | undefined {
  const { shareHolders: holders, shareFolders: folders } = result;
  if (!Array.isArray(holders) || !Array.isArray(folders)) return undefined;
  return holders.map((holder, i) => ({ holder: valueText(holder), folder: valueText(folders[i] ?? null) }));
}
