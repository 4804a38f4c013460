/** The hand-over screen between officers. */

/** Shown after each officer's secret entry, so the next officer never sees the previous one's screen. */
export function Handover({ text, onNext }: { text: string; onNext: () => void }) {
  return (
    <div className="handover" role="status">
      <p>{text}</p>
      <p>The screen is cleared. The next officer comes to the keyboard.</p>
      <button type="button" className="primary" onClick={onNext}>
        Next officer
      </button>
    </div>
  );
}
