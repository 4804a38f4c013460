/** Human-readable rendering of CLI results. */
import { X509Certificate } from 'node:crypto';
import type { BundleVerification } from '../main/bundles/verify-bundle';
import type { RemovableDrive } from '../main/media/drives';
import type { ExportSignatureCheck } from '../main/store/audit-export';
import type { TokenReport } from '../main/workstation';
import type { AuditVerification, CheckpointVerification } from '../shared/audit';
import type { CeremonySummary } from '../shared/ceremonies';
import { hexGroups, pgpWordsOf } from '../shared/fingerprint';
import type { InventoryKey, RotationDue, WorkstationIdentity } from '../shared/inventory';
import { providerNames } from '../shared/providers';
import { rehearsalToken } from '../shared/rehearsal';
import { utcText } from '../shared/time-text';
import { loginStateLabels, type TokenDetails, type Version } from '../shared/token';
import { featuresOf, type CapabilitySheet } from '../shared/token-sheet';

const version = (v: Version): string => `${v.major}.${v.minor}`;
const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

function pinState(t: TokenDetails): string {
  const flags = [
    t.pin.userPinLocked && 'USER PIN LOCKED',
    t.pin.userPinFinalTry && 'user PIN: final try',
    t.pin.userPinCountLow && 'user PIN: wrong entries recorded',
    t.pin.soPinLocked && 'SO PIN LOCKED',
    t.pin.soPinFinalTry && 'SO PIN: final try',
    t.pin.soPinCountLow && 'SO PIN: wrong entries recorded',
    !t.pin.userPinInitialized && 'user PIN not set',
  ].filter(Boolean);
  return flags.length ? flags.join('; ') : 'normal';
}

const rehearsalLine = `*** ${rehearsalToken.banner}: this is Keyward's rehearsal token (SoftHSM2). It protects nothing real. ***`;

export function formatCapabilities(sheet: CapabilitySheet, rehearsal: boolean): string {
  const c = sheet.capabilities;
  const mark = (ok: boolean): string => (ok ? 'yes' : 'NO ');
  const w = c.wrapping;
  const lines = [
    ...(rehearsal ? [rehearsalLine, ''] : []),
    `Token    "${sheet.token.label}", ${sheet.token.manufacturer} ${sheet.token.model}, serial ${sheet.token.serial}, firmware ${version(sheet.token.firmware)}`,
    `Module   ${sheet.module.path}: ${sheet.module.manufacturer}, ${sheet.module.description} ${version(sheet.module.libraryVersion)}`,
    `Probed   ${utcText(sheet.probedAt)}`,
    '',
    'What Keyward can do with it:',
    ...featuresOf(c).map((f) => `  ${mark(f.supported)}  ${f.feature}: ${f.why}`),
    '',
    `CMK key types        ${c.cmkSpecs.join(', ') || 'none'}`,
    `Signing keys         ${c.signingKeySpecs.join(', ') || 'none'}`,
    '',
    'Wrapping (all inside the token):',
    `  ${mark(w.rsaOaepSha1)}  RSA-OAEP, SHA-1`,
    `  ${mark(w.rsaOaepSha256)}  RSA-OAEP, SHA-256`,
    `  ${mark(w.rsaOaepSha512)}  RSA-OAEP, SHA-512`,
    `  ${mark(w.oaepPrivateKeys)}  RSA-OAEP of EC private keys`,
    `  ${mark(w.rsaAesKeyWrapNative)}  RSA-AES key wrap, native (CKM_RSA_AES_KEY_WRAP)`,
    `  ${mark(w.rsaAesKeyWrapComposed)}  RSA-AES key wrap, composed in the token`,
    `  ${mark(w.aesKeyWrapPad)}  AES key wrap with padding, RFC 5649 (backups, RSA-AES)${c.rfc5649.mechanism ? `: ${c.rfc5649.mechanism}, by RFC 5649's test vectors` : ''}`,
    `  ${mark(c.digestKey)}  Digest of a key in the token (C_DigestKey)`,
    '',
    'Enforced by the token (tried on throw-away session keys):',
    ...c.enforcement.map((e) => `  ${mark(e.holds)}  ${e.property}: ${e.detail}`),
    ...(c.enforcement.some((e) => !e.holds)
      ? [
          '  This token does not enforce all of it: it holds no CMK on a production workstation; it may serve only as a rehearsal token.',
        ]
      : []),
    '',
    ...Object.entries(c.missing).map(([what, why]) => `Missing ${what}: ${why}.`),
    '',
    `${c.mechanisms.length} mechanisms offered by the token.`,
    '',
  ];
  return lines.join('\n');
}

export function formatTokenReport(report: TokenReport): string {
  const lines: string[] = [];
  if (report.rehearsal) lines.push(rehearsalLine, '');
  const m = report.module;
  lines.push(
    `Module   ${m.path}`,
    `         ${m.manufacturer}, ${m.description} ${version(m.libraryVersion)} (Cryptoki ${version(m.cryptokiVersion)})`,
    '',
  );
  if (report.tokens.length === 0) lines.push('No initialised token is present on this module.');
  for (const t of report.tokens) {
    const selected = t.uri === report.selectedTokenUri ? '  [selected]' : '';
    const o = t.objects;
    lines.push(
      `Token    ${t.label}${selected}`,
      `  URI            ${t.uri}`,
      `  Manufacturer   ${t.manufacturer}`,
      `  Model          ${t.model}`,
      `  Serial         ${t.serial}`,
      `  Firmware       ${version(t.firmware)}   Hardware ${version(t.hardware)}`,
      `  Login          ${loginStateLabels[t.loginState]}   (login required: ${yesNo(t.loginRequired)})`,
      `  PIN state      ${pinState(t)}`,
      `  Objects        ${o.secretKeys} secret keys, ${o.privateKeys} private keys, ${o.publicKeys} public keys, ${o.certificates} certificates, ${o.dataObjects} data, ${o.other} other` +
        (o.scope === 'public-only' ? ' (public objects only: log in to count private ones)' : ''),
      '',
    );
  }
  return lines.join('\n');
}

/** What the HSM's anchor says of the log, and how many entries it does not cover yet. */
export function anchorLine(checkpoints: CheckpointVerification): string {
  const { anchor } = checkpoints;
  if (!anchor) return '';
  const after =
    anchor.entriesAfter === 0
      ? 'every entry is covered'
      : `${anchor.entriesAfter} entr${anchor.entriesAfter === 1 ? 'y was' : 'ies were'} written after it (covered by the next checkpoint)`;
  return `Anchored in the HSM: checkpoint ${anchor.checkpoint}, entry ${anchor.headSeq}; ${after}.\n`;
}

export function formatVerification(report: AuditVerification, checkpoints: CheckpointVerification): string {
  if (report.ok && checkpoints.ok) {
    const last = checkpoints.last
      ? `the last (${utcText(checkpoints.last.time)}) covers entry ${checkpoints.last.seq}`
      : 'none written yet';
    return `Audit log verified: ${report.entries} entries, hash chain intact.\nHead hash: ${hexGroups(report.headHash)}\nSigned checkpoints: ${checkpoints.checkpoints} verified against the workstation key; ${last}.\n${anchorLine(checkpoints)}`;
  }
  if (report.ok && checkpoints.problem?.incomplete) {
    return [
      `AUDIT LOG NOT FULLY VERIFIED: the hash chain of its ${report.entries} entries is intact, but the checkpoints were not checked against the HSM.`,
      checkpoints.problem.message,
      '',
    ].join('\n');
  }
  if (report.ok) {
    return [
      `AUDIT CHECKPOINT ${checkpoints.problem?.checkpoint ?? '?'} FAILED VERIFICATION.`,
      checkpoints.problem?.message ?? '',
      'Next step: stop using this workstation for ceremonies, keep the database file as evidence, and inform the auditors.',
      '',
    ].join('\n');
  }
  const problem = report.problem;
  return [
    `AUDIT LOG FAILED VERIFICATION at entry ${problem?.seq ?? '?'} (${problem?.kind ?? 'unknown'}).`,
    problem?.message ?? '',
    `The ${report.entries} entries before it verify.`,
    'Next step: stop using this workstation for ceremonies, keep the database file as evidence, and inform the auditors.',
    '',
  ].join('\n');
}

/** A fingerprint as officers compare it: hex in groups and PGP words. */
export function formatFingerprint(label: string, hex: string): string {
  return `${label}:\n  ${hexGroups(hex)}\n  ${pgpWordsOf(hex).join(' ')}\n`;
}

export function formatIdentity(identity: WorkstationIdentity): string {
  const certificate = new X509Certificate(Buffer.from(identity.certificateDer));
  return [
    `Workstation signing key: ${identity.spec}, on token serial ${identity.tokenSerial} (object id ${identity.tokenObjectId}).`,
    `Certificate subject: ${certificate.subject.replace(/\n/g, ', ')}; valid ${certificate.validFrom} to ${certificate.validTo}.`,
    formatFingerprint('Public key fingerprint (SHA-256), which verifiers pin', identity.publicKeyFingerprint),
  ].join('\n');
}

export function formatExportSignature(check: ExportSignatureCheck): string {
  if (!check.ok) return `SIGNATURE NOT VALID: ${check.problem ?? 'unknown problem'}.\n`;
  return [
    `Signature valid: signed by ${check.signerSubject ?? 'unknown'}${check.signedAt ? ` at ${utcText(check.signedAt)}` : ''}.`,
    formatFingerprint(
      'Signer public key fingerprint; compare it with the one your organisation recorded',
      check.signerFingerprint ?? '',
    ),
  ].join('\n');
}

export function formatBundleVerification(report: BundleVerification): string {
  const m = report.manifest;
  const what = m
    ? `${providerNames[m.provider]} bundle for ${m.key.name} version ${m.key.version} (${m.key.spec}, KCV ${m.key.kcv.toUpperCase()})`
    : 'bundle';
  const rehearsal = report.rehearsal
    ? [
        `REHEARSAL: DO NOT UPLOAD. This bundle was made in a rehearsal, on ${report.rehearsal.token}, which protects nothing real.`,
        ...report.rehearsal.findings.map((f) => `- ${f}`),
        '',
      ]
    : [];
  if (report.ok && m) {
    return [
      ...rehearsal,
      `BUNDLE VERIFIED: ${what}.`,
      `Signed by ${report.signerSubject ?? '?'}; approved by ${report.approvedBy.join(', ')} (quorum ${m.ceremony.policy.quorum}).`,
      m.wrapping.deadline ? `Upload before ${utcText(m.wrapping.deadline)}.` : 'The provider gave no deadline.',
      report.signerFingerprint ? formatFingerprint('Workstation key fingerprint', report.signerFingerprint) : '',
    ].join('\n');
  }
  return [
    ...rehearsal,
    `BUNDLE NOT VALID (${what}). Do not upload it.`,
    ...report.problems.map((p) => `- ${p}`),
    'Next step: bring the bundle back to the workstation officers; it must be made again.',
    '',
  ].join('\n');
}

const gigabytes = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

export function formatDrives(drives: RemovableDrive[]): string {
  if (drives.length === 0)
    return 'No removable drive is mounted. Insert the USB drive and open it in the file manager (or mount it), then run this again.\n';
  return `${drives
    .map(
      (d) =>
        `${d.label ?? '(no label)'}  ${d.mountPoint}  ${d.device}${d.transport ? ` (${d.transport})` : ''}  ${gigabytes(d.sizeBytes)}${d.availableBytes !== null ? `, ${gigabytes(d.availableBytes)} free` : ''}${d.readOnly ? '  READ-ONLY' : ''}`,
    )
    .join('\n')}\n`;
}

export function formatInventory(keys: InventoryKey[], due: RotationDue[]): string {
  if (keys.length === 0) return 'The inventory has no keys yet. Generate one in a generate-cmk ceremony.\n';
  const lines: string[] = [];
  for (const key of keys) {
    const rotation = due.find((d) => d.key === key.name);
    const when = rotation
      ? rotation.status === 'overdue'
        ? `ROTATION OVERDUE by ${-rotation.daysLeft} days`
        : rotation.status === 'due-soon'
          ? `rotation due in ${rotation.daysLeft} days`
          : `next rotation ${rotation.due.slice(0, 10)}`
      : 'no active version';
    lines.push(`${key.name}  ${key.spec}  ${key.provider ?? 'no provider'}  every ${key.rotationDays} days; ${when}`);
    for (const v of key.versions) {
      lines.push(
        `  v${v.version}  ${v.state.padEnd(12)}  KCV ${v.kcv.toUpperCase()}  since ${v.stateSince.slice(0, 19)}Z  "${v.tokenLabel}" on token ${v.tokenSerial}`,
      );
      // A key pair's fingerprint, what officers compare for it.
      if (v.publicKeySha256) lines.push(`      public key SHA-256 ${hexGroups(v.publicKeySha256)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function formatCeremonies(list: { unfinished: CeremonySummary[]; recent: CeremonySummary[] }): string {
  const line = (c: CeremonySummary) =>
    `  ${c.id}  ${c.title}\n    ${c.state}, ${c.stepsDone} of ${c.steps} steps done, planned ${utcText(c.createdAt)}${c.endedAt ? `, ended ${utcText(c.endedAt)}` : ''}${c.endedAt ? '' : `, checked in: ${c.checkedIn.join(', ') || 'nobody yet'}`}${c.interrupted ? '\n    INTERRUPTED in the middle of a step: "keyward ceremony resume ID" rolls that step back and goes on' : ''}${c.runningIn ? `\n    RUNNING now, in the Keyward of ${c.runningIn}: let it finish (or stop it there) before resuming or aborting it` : ''}${c.transcript === 'missing' ? `\n    NO SIGNED TRANSCRIPT written yet: keyward ceremony transcript ${c.id} --out DIR` : ''}\n`;
  return [
    list.unfinished.length
      ? `Unfinished ceremonies (go on with "keyward ceremony resume ID --out DIR", adding --officer ID for each officer who has not checked in yet; or end one with "keyward ceremony abort ID --reason TEXT --out DIR"):\n${list.unfinished.map(line).join('')}`
      : 'No unfinished ceremony.\n',
    list.recent.length ? `Recently ended:\n${list.recent.map(line).join('')}` : '',
  ].join('');
}
