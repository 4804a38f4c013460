/**
 * The printable ceremony script and the transcript PDF (issue 19, point 15), through the app's contract
 * on the rehearsal token: the script, written before check-in, signed by the workstation key, shows
 * every value each step's digest covers, every digest in full, and lines for each officer to initial each
 * step and sign; it is never written over. The transcript PDF reads as words for an auditor: no raw
 * result keys, digests in full, times in UTC, who approved each step and when, and a signature block.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexGroups, hexRows, pgpWordRows } from '../../src/shared/fingerprint';
import { roleNames } from '../../src/shared/officers';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { kcvSourceWords, stepResultWords } from '../../src/shared/step-result-words';
import { utcText } from '../../src/shared/time-text';
import { appBench, type AppBench } from '../helpers/app-bench';
import { pdfText, verifyWithOpenssl } from '../helpers/openssl-cms';

let app: AppBench;

beforeAll(async () => {
  app = await appBench();
}, 180_000);
afterAll(() => app.close());

const count = (text: string, what: string): number => text.split(what).length - 1;

const words = (row: string): string => row.replace(/\s+/g, ' ');

const newCmk = (name: string) => ({
  ceremony: 'generate-cmk',
  officers: ['alice', 'bob'],
  key: { name, purpose: 'Tenant data in the payroll suite', provider: 'aws-kms', spec: 'AES_256' },
});

describe('the ceremony script', () => {
  it('is written before check-in, signed, with every value, every digest in full and lines for each officer; never over itself', async () => {
    const view = await app.call('planCeremony', { plan: newCmk('Script CMK') });
    const id = view.status.plan.id;
    const folder = await app.call('writeCeremonyScript', { id, folder: app.drive('PRACTICE-1') });
    expect(basename(folder)).toBe(`REHEARSAL-keyward-script-${id}`);
    expect(readdirSync(folder).sort()).toEqual(['script.pdf', 'script.pdf.p7s', 'signer.pem']);
    verifyWithOpenssl(join(folder, 'script.pdf'), join(folder, 'signer.pem'));
    const pdf = readFileSync(join(folder, 'script.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(join(folder, 'script.pdf'));

    expect(text).toContain('REHEARSAL Ceremony script');
    expect(text).toContain('REHEARSAL - nothing made in this ceremony protects anything real');
    expect(text).toContain(id);
    expect(text).toContain(view.status.plan.title);
    expect(text).toContain(`Planned ${utcText(view.status.plan.createdAt)}`);
    expect(text).toContain(`Ceremony ${id} (generate-cmk)`);
    // The plan digest in full: every hex row and every numbered row of words.
    for (const row of [...hexRows(view.status.plan.planDigest), ...pgpWordRows(view.status.plan.planDigest)])
      expect(text).toContain(words(row));
    // Every step: its description, every value its digest covers, whether it needs approvals, its digest in full.
    for (const step of view.status.plan.steps) {
      expect(text).toContain(`Step ${step.index + 1} of ${view.status.plan.steps.length}: ${step.description}`);
      const details = view.steps[step.index]?.details ?? [];
      for (const detail of details) expect(text, detail.label).toContain(`${detail.label} ${words(detail.value)}`);
      for (const row of hexRows(step.digest)) expect(text).toContain(row);
    }
    expect(view.steps[0]?.details.length).toBeGreaterThan(4);
    expect(count(text, `needs ${view.quorumNeeded} approvals of its digest`)).toBe(
      view.status.plan.steps.filter((s) => s.sensitive).length,
    );
    expect(text).toContain('none needed: runs once the officers have checked in');
    expect(text).toContain(`${view.quorumNeeded} approvals from officers in the roles`);

    // Nobody has checked in: every active officer the policy counts has a line at the check-in and at each step, and a signature.
    const { officers } = await app.call('getOfficers', {});
    const expected = officers.filter((o) => o.state === 'active' && view.policy.roles.includes(o.role));
    const excluded = officers.filter((o) => !view.policy.roles.includes(o.role));
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(excluded.length).toBeGreaterThan(0);
    for (const officer of expected)
      expect(count(text, `${officer.displayName} (${officer.id}), ${roleNames[officer.role]}`)).toBe(
        // Listed once, then at the check-in, each step and the signatures.
        1 + 1 + view.status.plan.steps.length + 1,
      );
    for (const officer of excluded) expect(text).not.toContain(`(${officer.id})`);
    expect(count(text, 'Initials')).toBe(expected.length * (view.status.plan.steps.length + 1));
    expect(count(text, 'Time (UTC)')).toBe(expected.length * (view.status.plan.steps.length + 1));
    expect(count(text, 'Signature ')).toBe(expected.length + 1);
    expect(count(text, 'Date/time (UTC)')).toBe(expected.length + 1);
    expect(text).toContain('Witness');
    expect(text).toMatch(/Page 1 of \d/);

    // Audited; a second write to the same drive changes nothing and says why.
    expect(app.workstation.audit().query({ action: 'ceremony.script', limit: 5 })[0]).toMatchObject({
      outcome: 'success',
      subject: id,
      details: { ceremony: id, folder },
    });
    const again = await app.refusal('writeCeremonyScript', { id, folder: app.drive('PRACTICE-1') });
    expect(again.code).toBe('FILE_NOT_WRITTEN');
    expect(again.message).toContain('never overwrites a ceremony script');
    expect(readFileSync(join(folder, 'script.pdf')).equals(pdf)).toBe(true);
    expect(app.workstation.audit().query({ action: 'ceremony.script', limit: 5 })[0]).toMatchObject({
      outcome: 'failure',
      details: { error: 'FILE_NOT_WRITTEN' },
    });
    // Only to a drive.
    expect((await app.refusal('writeCeremonyScript', { id, folder: app.dataDir })).message).toContain(
      'not on a removable drive',
    );
  }, 120_000);

  it('once officers have checked in, has lines for them only', async () => {
    const view = await app.call('planCeremony', { plan: newCmk('Checked-in CMK') });
    const id = view.status.plan.id;
    for (const [officer, passphrase] of [
      ['alice', 'rehearsal passphrase one'],
      ['bob', 'rehearsal passphrase two'],
    ] as const)
      await app.call('checkInOfficer', { id, officer, passphrase });
    const folder = await app.call('writeCeremonyScript', { id, folder: app.drive('PRACTICE-2') });
    const text = pdfText(join(folder, 'script.pdf'));
    expect(text).toContain('the officers checked in when this script was printed');
    expect(count(text, 'Initials')).toBe(2 * (view.status.plan.steps.length + 1));
    expect(text).toContain('Alice (alice), security officer');
    expect(text).toContain('Bob (bob), key custodian');
    expect(text).not.toContain('(dave)');
    expect(app.workstation.audit().query({ action: 'ceremony.script', limit: 1 })[0]?.actors).toEqual(['alice', 'bob']);
  }, 120_000);
});

describe('the transcript PDF', () => {
  it('reads as words: no raw result keys, digests in full, times in UTC, approvals, a signature block', async () => {
    const done = await app.runThrough(newCmk('Transcript CMK'), ['alice', 'bob']);
    expect(done.status.state).toBe('completed');
    const id = done.status.plan.id;
    const folder = await app.call('writeCeremonyTranscript', { id, folder: app.drive('PRACTICE-3') });
    verifyWithOpenssl(join(folder, 'transcript.pdf'), join(folder, 'signer.pem'));
    const text = pdfText(join(folder, 'transcript.pdf'));

    // No raw result key, anywhere: every key the steps' results hold has words (else the PDF prints it as a field name).
    const resultKeys = done.status.steps.filter((s) => s.state === 'done').flatMap((s) => Object.keys(s.result ?? {}));
    expect(resultKeys.length).toBeGreaterThan(0);
    for (const key of resultKeys)
      expect(Object.keys(stepResultWords), `words for the result key ${key}`).toContain(key);
    for (const key of ['kcvSource', 'tokenObjectId', 'headHash', 'approvalKeyFingerprint'])
      expect(text).not.toContain(key);
    const generated = done.status.steps[0]?.result ?? {};
    const str = (value: unknown): string => (typeof value === 'string' ? value : '');
    expect(generated.kcv).toMatch(/^[0-9a-f]{6}$/);
    expect(text).toContain(`Key check value ${hexGroups(str(generated.kcv), 2)}`);
    expect(text).toContain(`Key check value source ${kcvSourceWords[str(generated.kcvSource)]}`);
    expect(text).toContain(`Token object (CKA_ID) ${str(generated.tokenObjectId)}`);
    expect(text).toContain('Version 1');

    // Digests in full: the plan's (hex and words), each step's, the audit head's; nothing cut short.
    for (const row of [...hexRows(done.status.plan.planDigest), ...pgpWordRows(done.status.plan.planDigest)])
      expect(text).toContain(words(row));
    for (const step of done.status.plan.steps) for (const row of hexRows(step.digest)) expect(text).toContain(row);
    const checkpoint = done.status.steps.at(-1)?.result ?? {};
    expect(checkpoint.headHash).toMatch(/^[0-9a-f]{64}$/);
    for (const row of hexRows(str(checkpoint.headHash))) expect(text).toContain(row);
    expect(text).not.toContain('...');
    expect(text).not.toContain('…');

    // Every time in one format, UTC.
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
    expect(text).toContain(`Planned ${utcText(done.status.plan.createdAt)}`);
    expect(text).toContain(`Ended ${utcText(done.status.endedAt ?? '')}`);
    for (const step of done.status.steps) expect(text).toContain(`Started ${utcText(step.startedAt ?? '')}`);
    // Approvals with role and time.
    for (const approval of done.steps[0]?.approvals ?? [])
      expect(text).toContain(
        `${approval.officer[0]?.toUpperCase()}${approval.officer.slice(1)} (${approval.officer}), ${roleNames[approval.role]}, at ${utcText(approval.at)}`,
      );
    expect(count(text, 'Approved by')).toBe(done.status.plan.steps.filter((s) => s.sensitive).length);

    // The signature block: each officer present, then the auditor's review.
    expect(text).toContain('Signatures');
    expect(count(text, 'Signature ')).toBeGreaterThanOrEqual(done.status.checkedIn.length + 1);
    expect(count(text, 'Date/time (UTC)')).toBe(done.status.checkedIn.length + 1);
    expect(text).toContain('Reviewed by the auditor');
    expect(text).toContain('REHEARSAL Ceremony transcript');
  }, 180_000);
});

describe('keyward ceremony script', () => {
  it('writes the signed script of a planned ceremony from the command line (the built CLI)', async () => {
    const view = await app.call('planCeremony', { plan: newCmk('Command-line CMK') });
    const id = view.status.plan.id;
    // The command line opens the data folder itself, as on the workstation when the app is closed.
    app.workstation.close();
    const run = (out: string) =>
      spawnSync(process.execPath, ['bin/keyward.mjs', 'ceremony', 'script', id, '--out', out], {
        env: { ...process.env, KEYWARD_DATA_DIR: app.dataDir },
        input: `${rehearsalToken.userPin}\n`,
        encoding: 'utf8',
      });
    const written = run(app.drive('PRACTICE-3'));
    expect(written.status, written.stderr).toBe(0);
    const folder = join(app.drive('PRACTICE-3'), `REHEARSAL-keyward-script-${id}`);
    expect(written.stdout).toContain(`Signed ceremony script (PDF, to print): ${folder}`);
    verifyWithOpenssl(join(folder, 'script.pdf'), join(folder, 'signer.pem'));
    expect(pdfText(join(folder, 'script.pdf'))).toContain(`Step 1 of ${view.status.plan.steps.length}`);
    const again = run(app.drive('PRACTICE-3'));
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('never overwrites a ceremony script');
  }, 120_000);
});
