/**
 * `keyward verify BUNDLE`, for the connected side, with no HSM: the manifest's signature and signer
 * (a pinned fingerprint or the organisation's CA), every file's hash, the quorum under the recorded
 * policy, the deadline, and the payload's structure. It names every failure; ok only when all hold.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readBounded } from '../files/read-small';
import { checkApprovals } from '../officers/approvals';
import { payloadProblems, specRefusal } from '../providers/registry';
import { publicKeyFingerprint } from '../store/identity';
import { caTrustProblems } from '../x509/ca-trust';
import { digestOfBytes, verifyDetached } from '../x509/cms';
import {
  exportStepDigest,
  manifestFileName,
  manifestSchema,
  signatureFileName,
  signerFileName,
  stepOf,
  type Manifest,
} from './manifest';

export interface BundleTrust {
  /** SHA-256 of the workstation key's SPKI, hex, as recorded by the organisation. */
  signerFingerprint?: string;
  /** The organisation's CA certificate (PEM or DER), which issued the workstation certificate. */
  caCertificate?: Uint8Array;
}

export interface BundleVerification {
  /** Whether every check holds (a rehearsal bundle may verify: `rehearsal` then says it must not be uploaded). */
  ok: boolean;
  problems: string[];
  /** Made in a rehearsal, on a token that protects nothing real: never to be uploaded. */
  rehearsal?: { token: string; findings: string[] };
  manifest?: Manifest;
  signerFingerprint?: string;
  signerSubject?: string;
  approvedBy: string[];
}

const maxFileBytes = 16 * 1024 * 1024;

/**
 * A bundle file's bytes, read no further than the limit; otherwise undefined, with why added to problems
 * (`missing` when it is absent, if the caller reports absence itself).
 */
function readSmall(folder: string, name: string, problems: string[], missing?: string): Buffer | undefined {
  const read = readBounded(join(folder, name), maxFileBytes);
  if (read.outcome === 'read') return read.bytes;
  const why = {
    absent: missing,
    link: `${name} is a link to another file, not a file of the bundle`,
    'not-a-file': `${name} is not a file`,
    'too-large': `${name} is larger than any bundle file (at most ${maxFileBytes / 1024 / 1024} MiB); it was not read further`,
    unreadable: `${name} cannot be read`,
    'cut-short': `${name} could not be read to its end (was the drive taken out?)`,
  }[read.outcome];
  if (why) problems.push(why);
  return undefined;
}

export function verifyBundle(folder: string, trust: BundleTrust, now = new Date()): BundleVerification {
  const problems: string[] = [];
  const result = (extra: Partial<BundleVerification> = {}): BundleVerification => ({
    ok: problems.length === 0,
    problems,
    approvedBy: [],
    ...extra,
  });
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    problems.push(`${folder} is not a readable folder`);
    return result();
  }
  const manifestBytes = readSmall(folder, manifestFileName, problems, `${manifestFileName} is missing`);
  const signatureBytes = readSmall(
    folder,
    signatureFileName,
    problems,
    `${signatureFileName} (the signature over the manifest) is missing`,
  );
  if (!manifestBytes || !signatureBytes) return result();

  // The signature first: nothing in an unsigned manifest is believed.
  let signer: X509Certificate;
  try {
    signer = new X509Certificate(verifyDetached(signatureBytes, digestOfBytes(manifestBytes)).certificateDer);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
    return result();
  }
  const signerFingerprint = publicKeyFingerprint(signer.publicKey.export({ type: 'spki', format: 'der' }));
  const signerSubject = signer.subject.replace(/\n/g, ', ');
  // Every anchor given must hold: a pinned key and the organisation's CA.
  if (trust.signerFingerprint && trust.signerFingerprint.toLowerCase() !== signerFingerprint)
    problems.push('the manifest was signed by another key than the pinned workstation key');
  if (trust.caCertificate) {
    // Validity is judged when the manifest says it was made (the signature covers that claim).
    let createdAt: Date | undefined;
    try {
      const claimed = (JSON.parse(manifestBytes.toString('utf8')) as { createdAt?: unknown } | null)?.createdAt;
      createdAt = typeof claimed === 'string' && !Number.isNaN(Date.parse(claimed)) ? new Date(claimed) : undefined;
    } catch {
      createdAt = undefined; // not JSON: the CA check says it cannot tell when it was signed
    }
    problems.push(...caTrustProblems(signer, trust.caCertificate, createdAt));
  }
  if (!trust.signerFingerprint && !trust.caCertificate) {
    problems.push(
      "no trust anchor was given: pin the workstation key fingerprint or give the organisation's CA certificate",
    );
  }
  const signerFile = readSmall(folder, signerFileName, problems);
  let sameSigner: boolean;
  try {
    sameSigner = signerFile !== undefined && new X509Certificate(signerFile).raw.equals(signer.raw);
  } catch {
    sameSigner = false;
  }
  if (!sameSigner) problems.push(`${signerFileName} is not the certificate that signed the manifest`);

  let manifest: Manifest;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(manifestBytes.toString('utf8')));
    if (!parsed.success) {
      problems.push(
        `the manifest is not in Keyward's format (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`,
      );
      return result({ signerFingerprint, signerSubject });
    }
    manifest = parsed.data;
  } catch {
    problems.push('the manifest is not JSON');
    return result({ signerFingerprint, signerSubject });
  }

  const listed = new Set(manifest.files.map((f) => f.name));
  const files = new Map<string, Buffer>();
  for (const entry of manifest.files) {
    const bytes = readSmall(folder, entry.name, problems, `${entry.name} is missing`);
    if (!bytes) continue;
    if (bytes.length !== entry.bytes || createHash('sha256').update(bytes).digest('hex') !== entry.sha256)
      problems.push(`${entry.name} has changed since the manifest was signed`);
    else files.set(entry.name, bytes);
  }
  for (const name of names) {
    if (!listed.has(name) && name !== manifestFileName && name !== signatureFileName)
      problems.push(`${name} is in the folder but not in the manifest`);
  }
  if (!listed.has(signerFileName)) problems.push(`the manifest does not list ${signerFileName}`);

  const digest = exportStepDigest(stepOf(manifest));
  if (digest !== manifest.ceremony.stepDigest)
    problems.push('the recorded step digest does not match what the manifest says was done');
  const quorum = checkApprovals(
    digest,
    manifest.ceremony.approvals,
    manifest.ceremony.policy,
    signer,
    new Date(manifest.createdAt),
  );
  problems.push(...quorum.problems.map((p) => `quorum not met: ${p}`));

  if (manifest.wrapping.deadline && new Date(manifest.wrapping.deadline).getTime() <= now.getTime()) {
    problems.push(
      `the provider's import window closed at ${manifest.wrapping.deadline}: the provider will refuse this upload`,
    );
  }
  const terms = { provider: manifest.provider, ...manifest.wrapping, target: manifest.target };
  const refusal = specRefusal(manifest.key.spec, terms);
  if (refusal) problems.push(`the provider will refuse this upload: ${refusal}`);
  problems.push(...payloadProblems(terms, manifest.key, files));
  return result({
    manifest,
    signerFingerprint,
    signerSubject,
    approvedBy: quorum.counted,
    ...(manifest.rehearsal ? { rehearsal: manifest.rehearsal } : {}),
  });
}
