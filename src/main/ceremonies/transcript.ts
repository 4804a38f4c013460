/**
 * The transcript of a ceremony, written to media when it ends: the plan and its digest, who was present,
 * every step with its time, approvals and results (KCVs, fingerprints), and the outcome; as JSON and as
 * a PDF for the binder, each with a detached CMS signature by the workstation key, in the spirit of the
 * annotated scripts of public root-key ceremonies.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { CeremonyStatus, StepValue } from '../../shared/ceremonies';
import { hexGroups, hexRows, pgpWordRows } from '../../shared/fingerprint';
import { roleNames, type OfficerRole } from '../../shared/officers';
import { rehearsalName, type RehearsalMark } from '../../shared/rehearsal';
import { writeNewFolder } from '../files/new-folder';
import { digestOfBytes, signDetached } from '../x509/cms';
import type { Signer } from '../x509/signer';

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
  workstation: { certificateSubject: string; publicKeyFingerprint: string };
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
  const certificate = new X509Certificate(Buffer.from(s.certificateDer));
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
    workstation: {
      certificateSubject: certificate.subject.replace(/\n/g, ', '),
      publicKeyFingerprint: createHash('sha256')
        .update(certificate.publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex'),
    },
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

/** The PDF's standard fonts encode WinAnsi only: anything else is shown as "?". */
const printable = (text: string): string => text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

class Pages {
  private page: PDFPage;
  private y = 0;
  constructor(
    private readonly doc: PDFDocument,
    private readonly font: PDFFont,
    private readonly bold: PDFFont,
  ) {
    this.page = this.newPage();
  }

  private newPage(): PDFPage {
    this.page = this.doc.addPage([595, 842]); // A4
    this.y = 800;
    return this.page;
  }

  line(text: string, options: { bold?: boolean; size?: number; indent?: number } = {}): void {
    const size = options.size ?? 9;
    const font = options.bold ? this.bold : this.font;
    const width = 515 - (options.indent ?? 0);
    const words = printable(text).split(' ');
    let current = '';
    const flush = () => {
      if (this.y < 50) this.newPage();
      this.page.drawText(current, { x: 40 + (options.indent ?? 0), y: this.y, size, font, color: rgb(0, 0, 0) });
      this.y -= size + 4;
      current = '';
    };
    for (const word of words) {
      const candidate = current ? `${current} ${word}` : word;
      if (current && font.widthOfTextAtSize(candidate, size) > width) {
        flush();
        current = word;
      } else {
        current = candidate;
      }
    }
    flush();
  }

  gap(): void {
    this.y -= 6;
  }
}

export async function transcriptPdf(t: Transcript): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Keyward ceremony transcript ${t.ceremony.id}`);
  doc.setCreator('Keyward');
  doc.setCreationDate(new Date(t.writtenAt));
  doc.setModificationDate(new Date(t.writtenAt));
  const pages = new Pages(
    doc,
    await doc.embedFont(StandardFonts.Helvetica),
    await doc.embedFont(StandardFonts.HelveticaBold),
  );
  if (t.rehearsal) {
    pages.line('REHEARSAL: nothing made in this ceremony protects anything real.', { bold: true, size: 14 });
    pages.line(`Run on ${t.rehearsal.token}.`);
    for (const finding of t.rehearsal.findings) pages.line(finding, { indent: 12 });
    pages.gap();
  }
  pages.line(`${t.rehearsal ? 'REHEARSAL ' : ''}Ceremony transcript: ${t.ceremony.title}`, { bold: true, size: 14 });
  pages.line(
    `Ceremony ${t.ceremony.id} (${t.ceremony.type}), ${t.ceremony.state}${t.ceremony.outcome && t.ceremony.outcome !== t.ceremony.state ? `: ${t.ceremony.outcome}` : ''}.`,
  );
  pages.line(`Planned ${t.ceremony.createdAt}; ended ${t.ceremony.endedAt ?? 'not yet'}. Written ${t.writtenAt}.`);
  pages.line('Plan digest:');
  for (const row of [...hexRows(t.ceremony.planDigest), ...pgpWordRows(t.ceremony.planDigest)])
    pages.line(row, { indent: 12 });
  pages.line(
    `Workstation: ${t.workstation.certificateSubject}; key fingerprint ${hexGroups(t.workstation.publicKeyFingerprint)}`,
  );
  pages.gap();
  pages.line('Present', { bold: true, size: 11 });
  for (const p of t.present) pages.line(`${p.officer} (${roleNames[p.role]})`, { indent: 12 });
  pages.gap();
  pages.line('Steps', { bold: true, size: 11 });
  for (const step of t.steps) {
    pages.line(`${step.index + 1}. ${step.description}`, { bold: true });
    pages.line(
      `${step.state}; started ${step.startedAt ?? '-'}, ended ${step.endedAt ?? '-'}; step digest ${hexGroups(step.digest.slice(0, 16))}...`,
      { indent: 12 },
    );
    if (step.sensitive)
      pages.line(
        `Approved by: ${step.approvals.map((a) => `${a.officer} (${roleNames[a.role]}) at ${a.signedAt}`).join('; ') || 'nobody'}`,
        { indent: 12 },
      );
    for (const [key, value] of Object.entries(step.result ?? {}))
      pages.line(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`, { indent: 12 });
  }
  pages.gap();
  pages.line(
    `Audit log at writing: entry ${t.audit.headSeq}, head ${hexGroups(t.audit.headHash)}; last checkpoint ${t.audit.lastCheckpointHash ? hexGroups(t.audit.lastCheckpointHash.slice(0, 16)) : 'none'}.`,
  );
  pages.line(
    'This transcript is signed by the workstation key: transcript.json.p7s and transcript.pdf.p7s, with signer.pem.',
  );
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** Writes the transcript folder to a drive: JSON and PDF, each with its detached signature, and the signer certificate. */
/** The folder a ceremony's transcript is written as, in the folder the officers name. */
export const transcriptFolderName = (ceremonyId: string, rehearsal: RehearsalMark | undefined): string =>
  rehearsalName(`keyward-transcript-${ceremonyId}`, rehearsal);

export async function writeTranscript(
  t: Transcript,
  signer: Signer,
  certificateDer: Uint8Array,
  parent: string,
): Promise<string> {
  const json = Buffer.from(`${JSON.stringify(t, null, 2)}\n`);
  const pdf = await transcriptPdf(t);
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
