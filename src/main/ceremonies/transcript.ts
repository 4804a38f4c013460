/**
 * The transcript of a ceremony, written to media when it ends: the plan and its digest, who was present,
 * every step with its time, approvals and results (KCVs, fingerprints), and the outcome; as JSON and as
 * a PDF for the binder, each with a detached CMS signature by the workstation key, in the spirit of the
 * annotated scripts of public root-key ceremonies.
 */
import { X509Certificate } from 'node:crypto';
import type { CeremonyStatus, StepValue } from '../../shared/ceremonies';
import { hexRows, pgpWordRows } from '../../shared/fingerprint';
import type { OfficerRole } from '../../shared/officers';
import { rehearsalName, type RehearsalMark } from '../../shared/rehearsal';
import { resultLines } from '../../shared/step-result-words';
import { utcText } from '../../shared/time-text';
import { writeNewFolder } from '../files/new-folder';
import { digestOfBytes, signDetached } from '../x509/cms';
import type { Signer } from '../x509/signer';
import {
  countersignLine,
  officerWords,
  recordPages,
  signatureLines,
  workstationOf,
  type RecordWorkstation,
} from './record-pages';

export interface Transcript {
  format: 'keyward-ceremony-transcript';
  formatVersion: 1;
  ceremony: {
    id: string;
    type: string;
    title: string;
    planDigest: string;
    state: string;
    outcome: string | null;
    createdAt: string;
    endedAt: string | null;
  };
  workstation: RecordWorkstation;
  /** Set when the ceremony ran on a token that protects nothing real: which, and what it fails to enforce. */
  rehearsal: RehearsalMark | null;
  present: { officer: string; role: OfficerRole }[];
  steps: {
    index: number;
    action: string;
    description: string;
    sensitive: boolean;
    digest: string;
    state: string;
    startedAt: string | null;
    endedAt: string | null;
    result: Record<string, StepValue> | null;
    approvals: { officer: string; role: OfficerRole; signedAt: string }[];
  }[];
  audit: { headSeq: number; headHash: string; lastCheckpointHash: string | null };
  writtenAt: string;
}

export interface TranscriptSources {
  status: CeremonyStatus;
  roleOf: (officer: string) => OfficerRole;
  approvals: (step: number) => { officer: string; role: OfficerRole; signedAt: string }[];
  certificateDer: Uint8Array;
  audit: Transcript['audit'];
  rehearsal: RehearsalMark | undefined;
  now: Date;
}

export function buildTranscript(s: TranscriptSources): Transcript {
  const { plan } = s.status;
  return {
    format: 'keyward-ceremony-transcript',
    formatVersion: 1,
    ceremony: {
      id: plan.id,
      type: plan.type,
      title: plan.title,
      planDigest: plan.planDigest,
      state: s.status.state,
      outcome: s.status.outcome,
      createdAt: plan.createdAt,
      endedAt: s.status.endedAt,
    },
    workstation: workstationOf(s.certificateDer),
    rehearsal: s.rehearsal ?? null,
    present: s.status.checkedIn.map((officer) => ({ officer, role: s.roleOf(officer) })),
    steps: plan.steps.map((step) => {
      const progress = s.status.steps[step.index];
      return {
        index: step.index,
        action: step.action,
        description: step.description,
        sensitive: step.sensitive,
        digest: step.digest,
        state: progress?.state ?? 'pending',
        startedAt: progress?.startedAt ?? null,
        endedAt: progress?.endedAt ?? null,
        result: progress?.result ?? null,
        approvals: s.approvals(step.index).map((a) => ({ officer: a.officer, role: a.role, signedAt: a.signedAt })),
      };
    }),
    audit: s.audit,
    writtenAt: s.now.toISOString(),
  };
}

const stepStateWords: Record<string, string> = {
  pending: 'not run',
  running: 'interrupted (left running)',
  done: 'done',
  failed: 'failed',
  'rolled-back': 'rolled back',
};

/**
 * The transcript for the binder, as an auditor reads it: every time in UTC, every digest in full, every
 * result in words, who approved each step and when, and a block for the officers' and auditor's signatures.
 * `nameOf` gives an officer's name (their id when left out).
 */
export async function transcriptPdf(t: Transcript, nameOf: (officer: string) => string = (o) => o): Promise<Buffer> {
  const pages = await recordPages({
    record: 'transcript',
    ceremony: t.ceremony,
    at: new Date(t.writtenAt),
    rehearsal: t.rehearsal ?? undefined,
  });
  const officer = (id: string, role: OfficerRole) => ({ id, name: nameOf(id), role });
  const who = (id: string, role: OfficerRole) => officerWords(officer(id, role));
  pages.field(
    'Outcome',
    t.ceremony.state === 'aborted'
      ? `aborted${t.ceremony.outcome && t.ceremony.outcome !== 'aborted' ? `: ${t.ceremony.outcome}` : ''}`
      : `${t.ceremony.state}${t.ceremony.outcome && t.ceremony.outcome !== t.ceremony.state ? ` (${t.ceremony.outcome})` : ''}`,
  );
  pages.field('Planned', utcText(t.ceremony.createdAt));
  pages.field('Ended', t.ceremony.endedAt ? utcText(t.ceremony.endedAt) : 'not yet');
  pages.field('Transcript written', utcText(t.writtenAt));
  pages.field('Workstation', t.workstation.certificateSubject);
  pages.hashField('Workstation key (SHA-256)', t.workstation.publicKeyFingerprint);

  pages.heading('Plan digest');
  pages.text('SHA-256 over the plan: what every officer signed by checking in.', { grey: true, size: 9 });
  pages.gap(2);
  pages.rows(hexRows(t.ceremony.planDigest), { mono: true, bold: true, size: 12, indent: 12 });
  pages.gap(2);
  pages.rows(pgpWordRows(t.ceremony.planDigest), { size: 10, indent: 12 });

  pages.heading('Officers present');
  if (t.present.length === 0) pages.text('Nobody checked in.');
  for (const p of t.present) pages.text(who(p.officer, p.role), { indent: 12 });

  pages.heading('Steps');
  for (const step of t.steps) {
    pages.heading(`Step ${step.index + 1} of ${t.steps.length}: ${step.description}`, 3);
    pages.field('State', stepStateWords[step.state] ?? step.state);
    pages.field('Started', step.startedAt ? utcText(step.startedAt) : 'not started');
    pages.field('Ended', step.endedAt ? utcText(step.endedAt) : 'not ended');
    pages.hashField('Step digest (SHA-256)', step.digest);
    if (!step.sensitive) pages.field('Approvals', 'none needed: runs once the officers have checked in');
    else if (step.approvals.length === 0) pages.field('Approvals', 'none given');
    else
      step.approvals.forEach((a, i) =>
        pages.field(i === 0 ? 'Approved by' : '', `${who(a.officer, a.role)}, at ${utcText(a.signedAt)}`),
      );
    for (const line of resultLines(step.result ?? {})) {
      if (line.hex && line.hex.length > 16) pages.hashField(line.label, line.hex, line.group);
      else pages.field(line.label, line.value, { mono: line.mono });
    }
  }

  pages.heading('Audit log');
  pages.field('Entries when written', String(t.audit.headSeq));
  pages.hashField('Audit log head (SHA-256)', t.audit.headHash);
  if (t.audit.lastCheckpointHash) pages.hashField('Last signed checkpoint (SHA-256)', t.audit.lastCheckpointHash);
  else pages.field('Last signed checkpoint (SHA-256)', 'none');
  pages.gap(4);
  pages.text(
    'This transcript is signed by the workstation key: transcript.json.p7s and transcript.pdf.p7s (detached CMS signatures), with signer.pem, the workstation certificate.',
    { size: 9, grey: true },
  );

  pages.heading('Signatures');
  pages.text('The officers present sign that this transcript records the ceremony as it took place.', {
    size: 9.5,
  });
  pages.gap(6);
  signatureLines(
    pages,
    t.present.map((p) => officer(p.officer, p.role)),
  );
  countersignLine(pages, 'auditor');
  return pages.save();
}

/** The folder a ceremony's transcript is written as, in the folder the officers name. */
export const transcriptFolderName = (ceremonyId: string, rehearsal: RehearsalMark | undefined): string =>
  rehearsalName(`keyward-transcript-${ceremonyId}`, rehearsal);

/** Writes the transcript folder to a drive: JSON and PDF, each with its detached signature, and the signer certificate. */
export async function writeTranscript(
  t: Transcript,
  signer: Signer,
  certificateDer: Uint8Array,
  parent: string,
  nameOf?: (officer: string) => string,
): Promise<string> {
  const json = Buffer.from(`${JSON.stringify(t, null, 2)}\n`);
  const pdf = await transcriptPdf(t, nameOf);
  const at = new Date(t.writtenAt);
  const jsonSignature = await signDetached(digestOfBytes(json), signer, certificateDer, at);
  const pdfSignature = await signDetached(digestOfBytes(pdf), signer, certificateDer, at);
  return writeNewFolder(
    parent,
    transcriptFolderName(t.ceremony.id, t.rehearsal ?? undefined),
    [
      { name: 'transcript.json', bytes: json },
      { name: 'transcript.json.p7s', bytes: jsonSignature },
      { name: 'transcript.pdf', bytes: pdf },
      { name: 'transcript.pdf.p7s', bytes: pdfSignature },
      { name: 'signer.pem', bytes: Buffer.from(new X509Certificate(Buffer.from(certificateDer)).toString()) },
    ],
    'transcript',
  );
}
