import { hexGroups, pgpWordsOf } from '../../shared/fingerprint';

/** A value officers compare aloud: hex in groups, and the same bytes as PGP words, in large type. */
export function Digest({ label, hex, group = 4 }: { label: string; hex: string; group?: number }) {
  return (
    <div className="digest" role="group" aria-label={label}>
      <div className="digest-label">{label}</div>
      <div className="digest-hex mono">{hexGroups(hex.toUpperCase(), group)}</div>
      <div className="digest-words">{pgpWordsOf(hex).join(' ')}</div>
    </div>
  );
}
