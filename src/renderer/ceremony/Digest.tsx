import { hexRows, pgpWordGroups } from '../../shared/fingerprint';

/**
 * A value officers compare aloud: hex in rows of four groups, and the same bytes as PGP words in numbered
 * groups of four, row for row (row 2 of the words says row 2 of the hex), in large type.
 */
export function Digest({ label, hex, group = 4 }: { label: string; hex: string; group?: number }) {
  const words = pgpWordGroups(hex.toLowerCase());
  return (
    <div className="digest" role="group" aria-label={label}>
      <div className="digest-label">{label}</div>
      <div className="digest-rows">
        <div className="digest-hex mono">
          {hexRows(hex.toUpperCase(), group).map((row, i) => (
            <div key={i}>{row}</div>
          ))}
        </div>
        <div className="digest-words" aria-label={`${label} in words`}>
          {words.map((row, i) => (
            <div key={i} className="word-row">
              {row.map((group) => (
                <span key={group.first} className="word-group">
                  <span className="word-number" aria-hidden="true">
                    {group.first}.
                  </span>{' '}
                  {group.words.join(' ')}
                </span>
              ))}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
