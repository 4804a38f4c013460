/** A provider's deadline counted live (every second), with the time itself, so nobody reads a stale "time left". */
import { useEffect, useState } from 'react';
import { deadlineText } from '../format';

export function LiveDeadline({ deadline }: { deadline: string | null }) {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    if (!deadline) return undefined;
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, [deadline]);
  const passed = deadline !== null && new Date(deadline).getTime() <= now.getTime();
  const text = deadlineText(deadline, now);
  return (
    <span className={passed ? 'finding-danger' : undefined} data-deadline={deadline ?? ''}>
      {text.charAt(0).toUpperCase()}
      {text.slice(1)}.
    </span>
  );
}
