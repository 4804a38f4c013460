import { rehearsalToken } from '../../shared/rehearsal';
import type { HsmSettings } from '../../shared/settings';

/** Says which token makes this a rehearsal: Keyward's own (with its fixed PINs), or a real token set apart for rehearsals. */
export function RehearsalBanner({ settings }: { settings: HsmSettings }) {
  return (
    <div className="rehearsal-banner" role="note" aria-label="Rehearsal mode">
      <strong>{rehearsalToken.banner}</strong>
      {settings.mode === 'rehearsal' ? (
        <span>
          This workstation is using Keyward&apos;s rehearsal token (SoftHSM2). Nothing done here protects real data.
          Rehearsal PINs: user {rehearsalToken.userPin}, security officer {rehearsalToken.soPin}.
        </span>
      ) : (
        <span>
          This workstation&apos;s token ({settings.tokenUri}) is set apart for rehearsals only. Nothing done here
          protects real data, and everything it makes is marked REHEARSAL.
        </span>
      )}
    </div>
  );
}
