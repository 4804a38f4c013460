/**
 * Hashes laid out for reading aloud: hex in rows of four groups, and the PGP words numbered in groups of
 * four, row for row, so that officers can say "row three, words nine to twelve" and find the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { hexRows, pgpWordGroups, pgpWordRows, pgpWordsOf } from '../../src/shared/fingerprint';

const digest = 'e92c78fc00027749' + '0123456789abcdef' + 'fedcba9876543210' + '00ff00ff00ff00ff';

describe('a digest laid out for reading aloud', () => {
  it('puts eight bytes on each row, as hex groups and as two numbered groups of four words', () => {
    expect(hexRows(digest)).toEqual([
      'E92C 78FC 0002 7749',
      '0123 4567 89AB CDEF',
      'FEDC BA98 7654 3210',
      '00FF 00FF 00FF 00FF',
    ]);
    const groups = pgpWordGroups(digest);
    expect(groups).toHaveLength(4);
    expect(groups.flat().map((g) => g.first)).toEqual([1, 5, 9, 13, 17, 21, 25, 29]);
    // Row for row: the words of row i are the words of the bytes on hex row i, in order, none lost.
    expect(groups.flat().flatMap((g) => g.words)).toEqual(pgpWordsOf(digest));
    expect(groups[1]?.[0]?.words).toEqual(pgpWordsOf('01234567'));
    expect(pgpWordRows(digest)[0]).toBe(
      `1. ${pgpWordsOf('e92c78fc').join(' ')}   5. ${pgpWordsOf('00027749').join(' ')}`,
    );
  });

  it('lays out a short value (a key check value) on one row', () => {
    expect(hexRows('0e8b5f', 2)).toEqual(['0E 8B 5F']);
    expect(pgpWordRows('0e8b5f')).toEqual([`1. ${pgpWordsOf('0e8b5f').join(' ')}`]);
  });
});
