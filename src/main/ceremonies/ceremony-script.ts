/**
 * The ceremony script, printed before a ceremony as root-key ceremonies print theirs: the plan digest in
 * full (hex and PGP words), the quorum, then every step with every value its digest covers (in the words
 * the plan screen shows), whether it needs approvals, and its digest in full; for each officer expected
 * a line to initial each step and write its time (and, for a backup, each custodian's bag number and
 * signature for their share); at the end a signature block for each officer and a
 * witness. Signed by the workstation key like the transcript, and written as a new folder, never over one.
 */
import { X509Certificate } from 'node:crypto';
import type { CeremonyPlan, StepValue } from '../../shared/ceremonies';
import { hexRows, pgpWordRows } from '../../shared/fingerprint';
import { rolesInWords, type QuorumPolicy } from '../../shared/officers';
import { rehearsalName, type RehearsalMark } from '../../shared/rehearsal';
import { shareHandoverSteps } from '../../shared/share-files';
import { valueText } from '../../shared/step-result-words';
import { utcText } from '../../shared/time-text';
import { writeNewFolder } from '../files/new-folder';
import { digestOfBytes, signDetached } from '../x509/cms';
import type { Signer } from '../x509/signer';
import type { Blank, PdfPages } from './pdf-pages';
import {
  countersignLine,
  officerWords,
  recordPages,
  signatureLines,
  workstationOf,
  type RecordOfficer,
} from './record-pages';
import { stepDetails } from './step-details';

export type ScriptOfficer = RecordOfficer;

export interface ScriptSources {
  plan: CeremonyPlan;
  policy: QuorumPolicy;
  /** Approvals a sensitive step needs (the policy's quorum, never under the dual-control floor). */
  quorumNeeded: number;
  /** The officers expected: those checked in, or (before anyone has) the active officers the policy counts. */
  officers: ScriptOfficer[];
  officersAre: 'checked-in' | 'may-take-part';
  certificateDer: Uint8Array;
  rehearsal: RehearsalMark | undefined;
  now: Date;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The lines officers initial: who, then their initials and the time read from the workstation's screen. */
const initialLine: Blank[] = [
  { label: 'Initials', length: 70 },
  { label: 'Time (UTC)', length: 80 },
];

/** A backup step's shares: each custodian writes their bag number and signs for their share. */
function handoverLines(pages: PdfPages, params: Record<string, StepValue>): void {
  const shares = Array.isArray(params.shares) ? params.shares : [];
  if (shares.length === 0) return;
  pages.text('Share handover, once the step is done:', { bold: true, size: 9.5 });
  shareHandoverSteps.forEach((step, i) => pages.text(`${i + 1}. ${step}`, { size: 9, indent: 12 }));
  pages.gap(4);
  pages.need(shares.length * 30);
  shares.forEach((share, i) => {
    const holder = share !== null && typeof share === 'object' && !Array.isArray(share) ? share : {};
    pages.writeIn(
      `Share ${i + 1} of ${shares.length}: ${valueText(holder.name ?? null)} (${valueText(holder.custodian ?? null)})`,
      [
        { label: 'Bag number', length: 90 },
        { label: 'Signature', length: 110 },
      ],
      { leadWidth: 200, height: 26, indent: 12 },
    );
  });
  pages.gap(4);
}

export async function ceremonyScriptPdf(s: ScriptSources): Promise<Buffer> {
  const { plan } = s;
  const pages = await recordPages({ record: 'script', ceremony: plan, at: s.now, rehearsal: s.rehearsal });
  const workstation = workstationOf(s.certificateDer);
  // Each officer's lines for a step stay together on one page.
  const initials = () => {
    pages.need(s.officers.length * 22);
    for (const officer of s.officers) pages.writeIn(officerWords(officer), initialLine, { leadWidth: 230, indent: 12 });
  };

  pages.field('Planned', utcText(plan.createdAt));
  pages.field('Script printed', utcText(s.now.toISOString()));
  pages.field('Workstation', workstation.certificateSubject);
  pages.hashField('Workstation key (SHA-256)', workstation.publicKeyFingerprint);
  pages.gap(4);
  pages.text(
    'How to use this script: one officer reads each step aloud; the others compare every value and digest with the screen. When a step is done, each officer present initials it and writes the time shown on the workstation (UTC). Anything that differs from this script stops the ceremony: note it at the end.',
    { size: 9.5 },
  );

  pages.heading('Plan digest');
  pages.text(
    'SHA-256 over the plan: every officer reads it aloud, compares it with the screen, and signs it by checking in with their passphrase.',
    { size: 9, grey: true },
  );
  pages.gap(2);
  pages.rows(hexRows(plan.planDigest), { mono: true, bold: true, size: 12, indent: 12 });
  pages.gap(2);
  pages.rows(pgpWordRows(plan.planDigest), { size: 10, indent: 12 });

  pages.heading('Quorum and officers');
  pages.field(
    'Approvals a step needs',
    `${plural(s.quorumNeeded, 'approval', 'approvals')} from officers in the roles ${rolesInWords(s.policy.roles)}, each by a different officer with their own passphrase`,
  );
  pages.field('An approval is valid for', plural(s.policy.approvalLifetimeHours, 'hour', 'hours'));
  pages.field(
    'Officers expected',
    s.officersAre === 'checked-in'
      ? 'the officers checked in when this script was printed'
      : 'the active officers in the roles this ceremony counts; those not present leave their lines empty',
  );
  for (const officer of s.officers) pages.text(officerWords(officer), { indent: 12 });
  if (s.officers.length === 0) pages.text('none', { indent: 12 });

  pages.heading('Check-in');
  pages.text('Each officer compares the plan digest above with the screen, then checks in with their passphrase.', {
    size: 9.5,
  });
  pages.gap(4);
  initials();

  pages.heading('Steps');
  for (const step of plan.steps) {
    const details = stepDetails(step);
    pages.heading(`Step ${step.index + 1} of ${plan.steps.length}: ${step.description}`, 3);
    pages.field(
      'Approvals',
      step.sensitive
        ? `needs ${plural(s.quorumNeeded, 'approval', 'approvals')} of its digest (${rolesInWords(s.policy.roles)}) before it runs`
        : 'none needed: runs once the officers have checked in',
    );
    for (const detail of details) pages.field(detail.label, detail.value, { mono: detail.mono ?? false });
    if (details.length === 0) pages.field('Values', 'none: the step acts on nothing the officers choose');
    pages.hashField('Step digest (SHA-256)', step.digest);
    pages.gap(4);
    handoverLines(pages, step.params);
    initials();
  }

  pages.heading('Signatures');
  pages.text('We were present and the ceremony was carried out as this script says, except as noted below.', {
    size: 9.5,
  });
  pages.gap(6);
  pages.box('Notes and deviations from the script', 4);
  pages.gap(8);
  signatureLines(pages, s.officers);
  countersignLine(pages, 'witness');
  pages.gap(8);
  pages.text(
    'This script is signed by the workstation key: script.pdf.p7s (a detached CMS signature), with signer.pem, the workstation certificate. Keep it with the ceremony transcript.',
    { size: 9, grey: true },
  );
  return pages.save();
}

/** The folder a ceremony's script is written as, in the folder the officers name (REHEARSAL first in a rehearsal). */
export const scriptFolderName = (ceremonyId: string, rehearsal: RehearsalMark | undefined): string =>
  rehearsalName(`keyward-script-${ceremonyId}`, rehearsal);

/** Writes the script folder to a drive: the PDF, its detached signature, and the signer certificate. */
export async function writeCeremonyScript(s: ScriptSources, signer: Signer, parent: string): Promise<string> {
  const pdf = await ceremonyScriptPdf(s);
  const signature = await signDetached(digestOfBytes(pdf), signer, s.certificateDer, s.now);
  return writeNewFolder(
    parent,
    scriptFolderName(s.plan.id, s.rehearsal),
    [
      { name: 'script.pdf', bytes: pdf },
      { name: 'script.pdf.p7s', bytes: signature },
      { name: 'signer.pem', bytes: Buffer.from(new X509Certificate(Buffer.from(s.certificateDer)).toString()) },
    ],
    'ceremony script',
  );
}
