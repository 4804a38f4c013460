/**
 * Importing a provider's wrapping key: its fingerprint leads the step, in large type and in words, for the
 * officers to compare with the provider's console before anyone approves (the step digest comes after).
 */
import type { PlannedStep } from '../../shared/ceremonies';
import { providerName } from '../../shared/providers';
import { Digest } from './Digest';
import { LiveDeadline } from './LiveDeadline';

const importOf = (
  step: PlannedStep,
): { provider: string; fingerprint: string; deadline: string | null } | undefined => {
  const imported = step.params.import;
  if (step.action !== 'import-wrapping-key' || !imported || typeof imported !== 'object' || Array.isArray(imported))
    return undefined;
  const { provider, wrappingKeyFingerprint, deadline } = imported;
  if (typeof provider !== 'string' || typeof wrappingKeyFingerprint !== 'string') return undefined;
  return { provider, fingerprint: wrappingKeyFingerprint, deadline: typeof deadline === 'string' ? deadline : null };
};

export function ProviderKeyComparison({ step }: { step: PlannedStep }) {
  const imported = importOf(step);
  if (!imported) return null;
  const provider = providerName(imported.provider);
  return (
    <div className="provider-key-comparison" aria-label={`Compare with ${provider}`} role="region">
      <p className="lead">
        Compare this fingerprint with the one {provider}&apos;s console shows for the wrapping key, before anyone
        approves: one officer reads it aloud, another checks it on the console.
      </p>
      <Digest label={`${provider} wrapping key fingerprint (SHA-256 of its public key)`} hex={imported.fingerprint} />
      <p>
        <LiveDeadline deadline={imported.deadline} />
      </p>
    </div>
  );
}
