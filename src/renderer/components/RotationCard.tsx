import { useEffect } from 'react';
import { rotationText } from '../format';
import { useApp } from '../store';

/** Keys due or overdue for rotation, on the start screen. */
export function RotationCard() {
  const inventory = useApp((s) => s.inventory);
  const loadInventory = useApp((s) => s.loadInventory);
  const show = useApp((s) => s.show);
  useEffect(() => {
    void loadInventory();
  }, [loadInventory]);
  if (inventory.state !== 'ready') return null;
  const due = inventory.value.rotationDue.filter((d) => d.status !== 'scheduled');
  return (
    <section className="card" aria-labelledby="rotation-heading">
      <h2 id="rotation-heading">Rotation</h2>
      {due.length === 0 ? (
        <p className="finding finding-ok">
          {inventory.value.keys.length === 0
            ? 'No keys yet.'
            : `No key is due for rotation in the next 30 days (${inventory.value.keys.length} key${inventory.value.keys.length === 1 ? '' : 's'}).`}
        </p>
      ) : (
        <ul className="findings">
          {due.map((d) => (
            <li key={d.key} className={`finding finding-${d.status === 'overdue' ? 'danger' : 'warn'}`}>
              {d.key}: {rotationText(d)}
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="link-button" onClick={() => show('keys')}>
        Open the key inventory
      </button>
    </section>
  );
}
