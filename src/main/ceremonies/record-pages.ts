/**
 * What the ceremony's printed records (the script before it, the transcript after) have in common: how
 * they name the workstation and the officers, their head (with the REHEARSAL block in a rehearsal), and
 * the lines at their end for the officers' signatures and for one who countersigns (a witness, the auditor).
 */
import { X509Certificate, createHash } from 'node:crypto';
import { roleNames, type OfficerRole } from '../../shared/officers';
import type { RehearsalMark } from '../../shared/rehearsal';
import { PdfPages } from './pdf-pages';

/** The workstation as every printed record names it: its certificate's subject and its key's SHA-256. */
export interface RecordWorkstation {
  certificateSubject: string;
  publicKeyFingerprint: string;
}

export function workstationOf(certificateDer: Uint8Array): RecordWorkstation {
  const certificate = new X509Certificate(Buffer.from(certificateDer));
  return {
    certificateSubject: certificate.subject.replace(/\n/g, ', '),
    publicKeyFingerprint: createHash('sha256')
      .update(certificate.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex'),
  };
}

/** An officer as a printed record names them (`name` is their id when they gave none). */
export interface RecordOfficer {
  id: string;
  name: string;
  role: OfficerRole;
}

/** An officer as printed records name them: "Alice Martin (alice), security officer". */
export const officerWords = ({ id, name, role }: RecordOfficer): string =>
  `${name === id ? id : `${name} (${id})`}, ${roleNames[role]}`;

/** The REHEARSAL marking at the head of every page of a rehearsal's printed records. */
export const rehearsalBanner = 'REHEARSAL - nothing made in this ceremony protects anything real';

const records = {
  script: { name: 'ceremony script', ranOn: 'It runs on' },
  transcript: { name: 'ceremony transcript', ranOn: 'Run on' },
} as const;

/**
 * A record's pages, begun: every page marked with what it is (and REHEARSAL at its head in a rehearsal),
 * and on the first its title, the ceremony, and in a rehearsal which token it runs on and what that fails to enforce.
 */
export async function recordPages(head: {
  record: keyof typeof records;
  ceremony: { id: string; type: string; title: string };
  at: Date;
  rehearsal: RehearsalMark | undefined;
}): Promise<PdfPages> {
  const { name, ranOn } = records[head.record];
  const { id, type, title } = head.ceremony;
  const mark = head.rehearsal ? 'REHEARSAL ' : '';
  const pages = await PdfPages.create({
    title: `Keyward ${mark.toLowerCase()}${name} ${id}`,
    at: head.at,
    footer: `Keyward ${mark}${name} - ${id}`,
    banner: head.rehearsal ? rehearsalBanner : undefined,
  });
  pages.text(`${mark}${name.charAt(0).toUpperCase()}${name.slice(1)}`, { bold: true, size: 18 });
  pages.text(title, { bold: true, size: 13 });
  pages.text(`Ceremony ${id} (${type})`, { size: 10 });
  pages.gap(4);
  if (head.rehearsal) {
    pages.text('REHEARSAL: nothing made in this ceremony protects anything real.', { bold: true, size: 11 });
    pages.text(`${ranOn} ${head.rehearsal.token}.`);
    for (const finding of head.rehearsal.findings) pages.text(finding, { indent: 12 });
    pages.gap(4);
  }
  return pages;
}

/** A line for each officer to sign on and write the date and time. */
export function signatureLines(pages: PdfPages, officers: RecordOfficer[]): void {
  for (const officer of officers)
    pages.writeIn(
      officerWords(officer),
      [
        { label: 'Signature', length: 115 },
        { label: 'Date/time (UTC)', length: 75 },
      ],
      { leadWidth: 170, height: 30 },
    );
}

const countersigners = {
  witness: { says: 'Witness (not an officer of this ceremony):', label: 'Name', gap: 0, signature: 110, time: 75 },
  auditor: {
    says: "Reviewed by the auditor: the signatures verified against the workstation's key, and every step checked against the audit log.",
    label: 'Auditor',
    gap: 6,
    signature: 105,
    time: 70,
  },
} as const;

/** Under the officers' signatures, a line for one who is not an officer of the ceremony: a witness (the script), the auditor (the transcript). */
export function countersignLine(pages: PdfPages, who: keyof typeof countersigners): void {
  const { says, label, gap, signature, time } = countersigners[who];
  pages.gap(10);
  pages.text(says, { size: 9.5 });
  if (gap) pages.gap(gap);
  pages.writeIn(
    '',
    [
      { label, length: 130 },
      { label: 'Signature', length: signature },
      { label: 'Date/time (UTC)', length: time },
    ],
    { height: 30 },
  );
}
