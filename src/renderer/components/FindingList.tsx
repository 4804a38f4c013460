/** A list of plain findings of one severity (the air gap's, the login's notes), each line its own item. */
export function FindingList({
  findings,
  severity,
  label,
}: {
  findings: string[];
  severity: 'ok' | 'warn' | 'danger';
  label: string;
}) {
  return (
    <ul className="findings" aria-label={label}>
      {findings.map((f) => (
        <li key={f} className={`finding finding-${severity}`}>
          {f}
        </li>
      ))}
    </ul>
  );
}
