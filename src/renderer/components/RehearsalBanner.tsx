import { rehearsalToken } from '../../shared/rehearsal';

export function RehearsalBanner() {
  return (
    <div className="rehearsal-banner" role="note" aria-label="Rehearsal mode">
      <strong>{rehearsalToken.banner}</strong>
      <span>
        This workstation is using Keyward&apos;s rehearsal token (SoftHSM2). Nothing done here protects real data.
        Rehearsal PINs: user {rehearsalToken.userPin}, security officer {rehearsalToken.soPin}.
      </span>
    </div>
  );
}
