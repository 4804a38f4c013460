/**
 * Where a backup's shares are written and how a share file begins: so the app never offers a share as
 * any other file (a provider's wrapping key), and main refuses one given as such.
 */

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
