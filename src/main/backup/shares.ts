/**
 * Shares of a backup KEK (Shamir's secret sharing, from the independently audited shamir-secret-sharing
 * library): any `threshold` of them rebuild the KEK. Each share is written as a small text file for its
 * own drive, or read aloud and typed as PGP words, with a check value that catches a mistyped share.
 */
import { createHash } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { KeywardError } from '../../shared/errors';
import { bytesOfPgpWords, hexGroups, pgpWordsOf } from '../../shared/fingerprint';
import type { RehearsalMark } from '../../shared/rehearsal';
import { shareHandoverSteps, shareHeading } from '../../shared/share-files';

// The library accepts plain Uint8Arrays only (not Buffers).
/** A share file is a short text (its header and words); anything larger is not one. */
export const maxShareFileBytes = 16 * 1024;

/** The copy handed to the library is zeroed once it has split it: the caller zeroes the secret and the shares. */
export async function splitSecret(secret: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
  const copy = Uint8Array.from(secret);
  try {
    return await split(copy, shares, threshold);
  } finally {
    copy.fill(0);
  }
}

/** Ties a share to its backup: a share of another backup, or one typed wrong, fails this check. */
export const shareCheck = (backupId: string, share: Uint8Array): string =>
  createHash('sha256').update(backupId).update(share).digest('hex').slice(0, 8);

export interface ShareHeader {
  backupId: string;
  index: number;
  shares: number;
  threshold: number;
  kekKcv: string;
  /** The officer this share was handed to at the ceremony. */
  custodian: { custodian: string; name: string };
}

export function shareText(header: ShareHeader, share: Uint8Array, rehearsal?: RehearsalMark): string {
  const hex = Buffer.from(share).toString('hex');
  return [
    ...(rehearsal
      ? [
          `REHEARSAL: this share was made in a rehearsal, on ${rehearsal.token}, which protects nothing real. Do not keep it as a real backup share.`,
          '',
        ]
      : []),
    `${shareHeading} ${header.index} OF ${header.shares} (any ${header.threshold} rebuild the backup key)`,
    // One line, whatever the name holds: a line break in it must not start a line the reader takes as the share's.
    `Custodian: ${`${header.custodian.name} (${header.custodian.custodian})`.replace(/\p{Cc}+/gu, ' ')}`,
    `Backup: ${header.backupId}`,
    `Backup key check value: ${header.kekKcv.toUpperCase()}`,
    `Share: ${hexGroups(hex)}`,
    `Words: ${pgpWordsOf(hex).join(' ')}`,
    `Share check: ${shareCheck(header.backupId, share).toUpperCase()}`,
    '',
    ...shareHandoverSteps.map((step, i) => `${i + 1}. ${step}`),
    '',
  ].join('\n');
}

/** A share from its file or its typed words, checked against the backup it must belong to. */
export function readShare(backupId: string, input: string): Uint8Array {
  const wordsLine = /^Words: (.+)$/m.exec(input)?.[1] ?? input;
  const share = bytesOfPgpWords(wordsLine.trim().split(/\s+/));
  if (!share || share.length < 17)
    throw new KeywardError(
      'INVALID_REQUEST',
      'A share was not read: its words are not PGP words in order (a word mistyped, missing or swapped?).',
      'Read the words again from the share, slowly, or give its file.',
    );
  const expected = /^Share check: ([0-9A-Fa-f]{8})$/m.exec(input)?.[1];
  if (/^Backup: /m.test(input) && !new RegExp(`^Backup: ${backupId}$`, 'm').test(input)) {
    throw new KeywardError(
      'INVALID_REQUEST',
      'This share belongs to another backup.',
      'Give a share of the backup being restored.',
    );
  }
  if (expected && expected.toLowerCase() !== shareCheck(backupId, share))
    throw new KeywardError(
      'INVALID_REQUEST',
      'A share does not match its check value: it was mistyped, or is from another backup.',
      'Read the share again.',
    );
  return share;
}

export async function combineShares(shares: Uint8Array[], threshold: number): Promise<Uint8Array> {
  if (shares.length < threshold)
    throw new KeywardError(
      'QUORUM_NOT_MET',
      `${shares.length} share(s) were given; this backup needs ${threshold}.`,
      'Bring more custodians with their shares.',
    );
  const copies = shares.map((share) => Uint8Array.from(share));
  try {
    return await combine(copies);
  } finally {
    for (const copy of copies) copy.fill(0);
  }
}
