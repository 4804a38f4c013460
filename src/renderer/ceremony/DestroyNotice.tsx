import type { ReactNode } from 'react';
import type { InventoryView } from '../../shared/contract';
import { custodyOf, custodyWords, isLastCopy } from '../../shared/custody';

/**
 * Before a destroy is planned: what destroying the chosen version takes away, in the words the plan will
 * state, and (when no backup holds it) the key's name typed again to confirm the last copy goes.
 */
export function DestroyNotice({
  inventory,
  chosen,
  confirm,
  onConfirm,
  problem,
}: {
  inventory: InventoryView | undefined;
  chosen: { name: string; version: number } | undefined;
  confirm: string;
  onConfirm: (value: string) => void;
  problem?: { id: string; node: ReactNode } | undefined;
}) {
  const key = inventory?.keys.find((k) => k.name === chosen?.name);
  const version = key?.versions.find((v) => v.version === chosen?.version);
  if (!inventory || !chosen || !version)
    return (
      <>
        <p className="hint">Choose the key version: what its destruction takes away is shown here.</p>
        {problem?.node}
      </>
    );
  const custody = custodyOf(inventory.custody, chosen.name, chosen.version);
  const last = isLastCopy(custody);
  return (
    <section className="danger-notice" aria-labelledby="destroy-notice-heading">
      <h3 id="destroy-notice-heading">
        Destroying {chosen.name} version {chosen.version} cannot be undone
      </h3>
      <ul aria-label="What this destruction takes away">
        {custodyWords(version, custody).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {last && (
        <div className="form-field">
          <label htmlFor="destroy-confirm">
            Type the key name, {chosen.name}, to confirm the last copy is destroyed
          </label>
          <input
            id="destroy-confirm"
            className="wide"
            value={confirm}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => onConfirm(event.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem?.id}
          />
          {problem?.node}
        </div>
      )}
      {/* The inventory shown may be older than the one the plan was judged by: a refusal shows all the same. */}
      {!last && problem?.node}
    </section>
  );
}
