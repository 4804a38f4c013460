/**
 * After the initialisation: the workstation key's fingerprint, grouped in hex and in words, for the
 * officers to write on the ceremony record before anything else happens (verifiers and auditors pin it).
 */
import { useFocusOnShow } from '../components/ErrorBody';
import { Digest } from './Digest';
import { useCeremony } from './store';

export function InitialisedResult({ result }: { result: { signerFingerprint: string; officers: string[] } }) {
  const dismiss = useCeremony((s) => s.dismissInitialised);
  const heading = useFocusOnShow<HTMLHeadingElement>(result.signerFingerprint);
  return (
    <section className="card" aria-labelledby="initialised-heading">
      <h2 id="initialised-heading" ref={heading} tabIndex={-1}>
        The workstation is initialised
      </h2>
      <p className="finding finding-ok" role="status">
        The workstation signing key was made in the token, and {result.officers.join(', ')} are enrolled as its founding
        officers.
      </p>
      <Digest label="Workstation key fingerprint (SHA-256 of its public key)" hex={result.signerFingerprint} />
      <ol>
        <li>
          Write the fingerprint, hex and words, on the ceremony record: one officer reads it aloud, another checks.
        </li>
        <li>Each founding officer initials it. Keep the record in the ceremony binder.</li>
        <li>
          Bundle verifiers and auditors compare every signature of this workstation with it; the Home screen shows it
          again at any time.
        </li>
      </ol>
      <button type="button" className="primary" onClick={dismiss}>
        We have recorded the fingerprint: go on to the ceremonies
      </button>
    </section>
  );
}
