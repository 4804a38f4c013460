/**
 * After the uploader has imported a bundle at the provider (on the connected side), an officer records
 * it here: once per bundle, signed with their approval key over the bundle, its manifest and what they
 * saw, and audited. The Keys screen then shows the version as uploaded to that provider.
 */
import { createHash } from 'node:crypto';
import { KeywardError } from '../../shared/errors';
import type { BundleUpload } from '../../shared/inventory';
import { anyOfRoles, keyHolderRoles, roleNames } from '../../shared/officers';
import { utcText } from '../../shared/time-text';
import { approveStep } from '../officers/enrolment';
import { canonicalJson } from '../store/canonical';
import type { Workstation } from '../workstation';

export interface UploadRecordRequest {
  bundleId: string;
  officer: string;
  passphrase: string;
  note: string;
}

export async function recordBundleUpload(
  workstation: Workstation,
  request: UploadRecordRequest,
): Promise<BundleUpload> {
  const bundles = workstation.stores().bundles;
  const log = workstation.audit();
  const bundle = bundles.list().find((b) => b.id === request.bundleId);
  // Every refusal is on record, with its reason, like the record itself.
  const refuse = (error: KeywardError, details: Record<string, string>): KeywardError => {
    log.append({
      actors: [request.officer],
      action: 'bundle.uploaded',
      subject: bundle ? `${bundle.keyName} v${bundle.keyVersion}` : request.bundleId,
      outcome: 'refused',
      details: { bundle: request.bundleId, error: error.code, ...details },
    });
    return error;
  };
  if (!bundle)
    throw refuse(
      new KeywardError(
        'NOT_IN_INVENTORY',
        `No bundle ${request.bundleId} was written on this workstation.`,
        'Choose the export from the Keys screen.',
      ),
      {},
    );
  const earlier = bundles.uploads().get(bundle.id);
  if (earlier) throw refuse(alreadyRecorded(earlier), {});
  const officer = workstation.officers().get(request.officer);
  if (!keyHolderRoles.includes(officer.role))
    throw refuse(
      new KeywardError(
        'QUORUM_NOT_MET',
        `${officer.displayName} (${officer.id}) is an ${roleNames[officer.role]}; an upload is recorded by ${anyOfRoles(keyHolderRoles)}.`,
        'Ask a security officer or key custodian who saw the upload to record it.',
        'officer',
      ),
      { role: officer.role },
    );
  // What the officer signs: this bundle, as written, and what they saw at the provider.
  const signedDigest = createHash('sha256')
    .update(
      canonicalJson({
        purpose: 'keyward bundle uploaded',
        bundleId: bundle.id,
        provider: bundle.provider,
        manifestSha256: bundle.manifestSha256,
        note: request.note,
      }),
    )
    .digest('hex');
  const approval = await approveStep(workstation.officers(), officer.id, request.passphrase, signedDigest);
  // Another officer may have recorded it while this passphrase was checked.
  const meanwhile = bundles.uploads().get(bundle.id);
  if (meanwhile) throw refuse(alreadyRecorded(meanwhile), {});
  return bundles.recordUpload(bundle, { note: request.note, signedDigest, approval });
}

const alreadyRecorded = (earlier: BundleUpload): KeywardError =>
  new KeywardError(
    'INVALID_REQUEST',
    `This bundle was already recorded as uploaded, by ${earlier.officer} at ${utcText(earlier.at)}.`,
    'Nothing to do: an upload is recorded once.',
  );
