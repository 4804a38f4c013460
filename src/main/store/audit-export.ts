/**
 * The audit log as a JSON Lines file for auditors: a header, every entry, every signed checkpoint.
 * It is verified on any machine, without an HSM: the chain is recomputed and every checkpoint checked
 * against the signer key it names (and a pinned fingerprint, when the auditor gives one).
 */
import { X509Certificate } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import {
  genesisHash,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditVerification,
  type CheckpointVerification,
} from '../../shared/audit';
import { KeywardError } from '../../shared/errors';
import { fileDigests } from '../files/digest';
import { DriveWriteError, describeProblem, removeQuietly, writeNewFile } from '../files/new-file';
import { caTrustProblems } from '../x509/ca-trust';
import { signDetached, verifyDetached } from '../x509/cms';
import type { Signer } from '../x509/signer';
import type { AuditLog } from './audit-log';
import { verifyChain, type ChainItem } from './chain';
import { verifyCheckpointList, type Checkpoints } from './checkpoints';
import { publicKeyFingerprint } from './identity';

/** 2: the header carries the anchor the HSM held when the log was exported. */
export const exportFormat = 2;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const detailValue: z.ZodType = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(detailValue), z.record(z.string(), detailValue)]),
);

const anchorLine = z
  .object({
    checkpoint: z.number().int().min(0),
    checkpointHash: hex64,
    headSeq: z.number().int().min(0),
    headHash: hex64,
  })
  .strict();
const headerLine = z
  .object({
    type: z.literal('keyward-audit-export'),
    format: z.literal(exportFormat),
    exportedAt: z.string(),
    entries: z.number().int().min(0),
    checkpoints: z.number().int().min(0),
    headHash: hex64,
    anchor: anchorLine,
  })
  .strict();

/** What the HSM's audit anchor named when the log was exported (see src/main/audit/anchor.ts). */
export type ExportAnchor = z.infer<typeof anchorLine>;
const entryLine = z
  .object({
    type: z.literal('entry'),
    seq: z.number().int().min(1),
    time: z.string(),
    actors: z.array(z.string()),
    action: z.string(),
    subject: z.string().nullable(),
    outcome: z.enum(['success', 'failure', 'refused']),
    details: z.record(z.string(), detailValue),
    prevHash: hex64,
    hash: hex64,
  })
  .strict();
const checkpointLine = z
  .object({
    type: z.literal('checkpoint'),
    id: z.number().int().min(1),
    seq: z.number().int().min(0),
    headHash: hex64,
    time: z.string(),
    prevCheckpointHash: hex64,
    signerSpki: base64,
    hashAlgorithm: z.enum(['sha256', 'sha384']),
    scheme: z.enum(['rsa-pss', 'ecdsa-p1363']),
    signature: base64,
    hash: hex64,
  })
  .strict();

export interface ExportSigning {
  signer: Signer;
  certificateDer: Uint8Array;
}

export interface WrittenExport {
  entries: number;
  checkpoints: number;
  sha256: string;
  signatureFile: string;
  certificateFile: string;
  /** SHA-256 of the signer's public key, hex: what the auditor pins. */
  signerFingerprint: string;
}

export const signatureFileOf = (path: string): string => `${path}.p7s`;
export const certificateFileOf = (path: string): string => `${path}.signer.pem`;

/** Refuses before anything is done when the export or its signature files already exist. */
export function assertExportTargetsFree(out: string): void {
  const taken = [out, signatureFileOf(out), certificateFileOf(out)].find((f) => existsSync(f));
  if (taken)
    throw new KeywardError(
      'FILE_NOT_WRITTEN',
      `Nothing was written: ${taken} already exists, and Keyward never overwrites a file.`,
      'Choose a new file name, or another drive.',
    );
}

/**
 * Writes the export, its detached CMS signature (made in the HSM by the workstation key, over the file
 * as read back from the drive) and the signer certificate. Nothing is replaced; a failure leaves none of them.
 */
export async function exportAudit(
  log: AuditLog,
  checkpoints: Checkpoints,
  out: string,
  signing: ExportSigning,
  anchor: ExportAnchor,
  now = new Date(),
): Promise<WrittenExport> {
  assertExportTargetsFree(out);
  const head = log.head();
  const list = checkpoints.all();
  const written: string[] = [];
  try {
    writeNewFile(out, (write) => {
      const line = (value: unknown) => write(`${JSON.stringify(value)}\n`);
      line({
        type: 'keyward-audit-export',
        format: exportFormat,
        exportedAt: now.toISOString(),
        entries: head.seq,
        checkpoints: list.length,
        headHash: head.hash,
        anchor,
      });
      for (const entry of log.iterate(head.seq)) line({ type: 'entry', ...entry });
      for (const c of list)
        line({
          type: 'checkpoint',
          ...c,
          signerSpki: Buffer.from(c.signerSpki).toString('base64'),
          signature: Buffer.from(c.signature).toString('base64'),
        });
    });
    written.push(out);
    const digestOf = await fileDigests(out);
    const signature = await signDetached(digestOf, signing.signer, signing.certificateDer, now);
    writeNewFile(signatureFileOf(out), (write) => write(signature));
    written.push(signatureFileOf(out));
    writeNewFile(certificateFileOf(out), (write) =>
      write(new X509Certificate(Buffer.from(signing.certificateDer)).toString()),
    );
    return {
      entries: head.seq,
      checkpoints: list.length,
      sha256: digestOf('sha256').toString('hex'),
      signatureFile: signatureFileOf(out),
      certificateFile: certificateFileOf(out),
      signerFingerprint: publicKeyFingerprint(signing.signer.spki),
    };
  } catch (error) {
    const leftovers = written.filter((file) => !removeQuietly(file));
    if (!(error instanceof DriveWriteError) && !leftovers.length) throw error;
    const left = leftovers.length
      ? `Keyward could not remove ${leftovers.join(' and ')}: delete ${leftovers.length > 1 ? 'them' : 'it'} from the drive, as ${leftovers.length > 1 ? 'they are' : 'it is'} not a complete export.`
      : 'Nothing of it (the export, its signature, its certificate) was left there.';
    if (!(error instanceof DriveWriteError))
      throw new KeywardError(
        error instanceof KeywardError ? error.code : 'FILE_NOT_WRITTEN',
        `${error instanceof Error ? error.message.replace(/\.?$/, '.') : String(error)} ${left}`,
        error instanceof KeywardError ? error.nextStep : 'Check the drive and try again.',
      );
    const { cause, nextStep } = describeProblem(error.problem, dirname(out));
    throw new KeywardError(
      'FILE_NOT_WRITTEN',
      `The audit export was not written to ${out}: ${cause}. ${left}`,
      nextStep,
    );
  }
}

/** The detached signature of an export: valid, by whom, and (when pinned) by the expected key. */
export interface ExportSignatureCheck {
  ok: boolean;
  signerFingerprint?: string;
  signerSubject?: string;
  signedAt?: string;
  problem?: string;
}

/**
 * The export's signature and its signer, against the anchors given: a pinned key fingerprint, the
 * organisation's CA (see caTrustProblems), or both (verifyAuditExport insists on at least one).
 */
async function checkSignature(
  path: string,
  pinnedFingerprint: string | undefined,
  caCertificate: Uint8Array | undefined,
): Promise<{ check: ExportSignatureCheck; signerSpki?: Buffer }> {
  let cms: Buffer;
  try {
    cms = readFileSync(signatureFileOf(path));
  } catch {
    return {
      check: {
        ok: false,
        problem: `the detached signature ${signatureFileOf(path)} is missing: an export is only trusted with it`,
      },
    };
  }
  try {
    const verified = verifyDetached(cms, await fileDigests(path));
    const certificate = new X509Certificate(verified.certificateDer);
    const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
    const signerFingerprint = publicKeyFingerprint(spki);
    const base = {
      signerFingerprint,
      signerSubject: certificate.subject.replace(/\n/g, ', '),
      ...(verified.signingTime ? { signedAt: verified.signingTime.toISOString() } : {}),
    };
    // A workstation certificate is self-signed unless the organisation's CA issued it.
    if (!caCertificate && !certificate.verify(certificate.publicKey))
      return { check: { ok: false, ...base, problem: 'the signer certificate is not validly self-signed' } };
    if (pinnedFingerprint && pinnedFingerprint.toLowerCase() !== signerFingerprint) {
      return {
        check: { ok: false, ...base, problem: 'the file was signed by another key than the pinned workstation key' },
      };
    }
    const caProblems = caCertificate ? caTrustProblems(certificate, caCertificate, verified.signingTime) : [];
    if (caProblems.length > 0) return { check: { ok: false, ...base, problem: caProblems.join('; ') } };
    return { check: { ok: true, ...base }, signerSpki: spki };
  } catch (error) {
    return { check: { ok: false, problem: error instanceof Error ? error.message.replace(/\.$/, '') : String(error) } };
  }
}

export interface ExportVerification {
  ok: boolean;
  signature: ExportSignatureCheck;
  chain: AuditVerification;
  checkpoints: CheckpointVerification;
  /** Problems with the file itself: unreadable lines, counts that do not match its header. */
  fileProblems: string[];
}

/**
 * What an export's signer is trusted by, at least one of: `signerFingerprint`, the SHA-256 of the
 * workstation key the organisation recorded; `caCertificate`, the organisation's CA certificate (PEM or
 * DER) that must have issued the signer's. Without one, a forger's own key and certificate would verify.
 */
export type ExportTrustAnchor =
  { signerFingerprint: string; caCertificate?: Uint8Array } | { signerFingerprint?: string; caCertificate: Uint8Array };

export async function verifyAuditExport(path: string, anchor: ExportTrustAnchor): Promise<ExportVerification> {
  // Checked at run time too: JavaScript callers, and an empty fingerprint, get past the type.
  const { signerFingerprint, caCertificate } = (anchor as Partial<ExportTrustAnchor> | undefined) ?? {};
  if (!signerFingerprint && !caCertificate?.length) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `The audit export ${path} was not verified: it needs a trust anchor, the workstation key's fingerprint the organisation recorded or the organisation's CA certificate. A signature alone proves nothing, as anyone can sign a forged export with a key and certificate of their own.`,
      'Give the recorded workstation key fingerprint (--signer-fingerprint HEX) or the CA certificate (--ca FILE).',
    );
  }
  const fileProblems: string[] = [];
  const { check: signature, signerSpki } = await checkSignature(path, signerFingerprint || undefined, caCertificate);
  const entries: ChainItem[] = [];
  const hashes = new Map<number, string>();
  const list: AuditCheckpoint[] = [];
  let header: z.infer<typeof headerLine> | undefined;
  let lineNumber = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    lineNumber++;
    if (fileProblems.length >= 10) break;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      fileProblems.push(`line ${lineNumber} is not JSON`);
      continue;
    }
    if (lineNumber === 1) {
      const parsed = headerLine.safeParse(value);
      if (parsed.success) header = parsed.data;
      else fileProblems.push('line 1 is not a Keyward audit export header');
      continue;
    }
    const type = (value as { type?: unknown } | null)?.type;
    if (type === 'entry') {
      const parsed = entryLine.safeParse(value);
      if (!parsed.success) {
        const seq = (value as { seq?: unknown }).seq;
        entries.push({ malformed: true, seq: typeof seq === 'number' ? seq : entries.length + 1 });
        continue;
      }
      const { type: _type, ...entry } = parsed.data;
      entries.push(entry as AuditEntry);
      hashes.set(entry.seq, entry.hash);
    } else if (type === 'checkpoint') {
      const parsed = checkpointLine.safeParse(value);
      if (!parsed.success) {
        fileProblems.push(`line ${lineNumber} is not a valid checkpoint`);
        continue;
      }
      const { type: _type, ...c } = parsed.data;
      list.push({
        ...c,
        signerSpki: Buffer.from(c.signerSpki, 'base64'),
        signature: Buffer.from(c.signature, 'base64'),
      });
    } else {
      fileProblems.push(`line ${lineNumber} is neither an entry nor a checkpoint`);
    }
  }
  if (!header) fileProblems.push('the file has no export header');
  const chain = verifyChain(entries);
  if (header && chain.ok && (header.entries !== chain.entries || header.headHash !== chain.headHash)) {
    fileProblems.push(
      `the header announces ${header.entries} entries ending in ${header.headHash.slice(0, 16)}…, the file holds ${chain.entries} ending in ${chain.headHash.slice(0, 16)}…`,
    );
  }
  if (header && header.checkpoints !== list.length)
    fileProblems.push(`the header announces ${header.checkpoints} checkpoints, the file holds ${list.length}`);
  // Every checkpoint must be signed by the key that signed the file (refused outright when that signature fails).
  const listed = verifyCheckpointList(
    list,
    (seq) => (seq === 0 ? genesisHash : hashes.get(seq)),
    signerSpki ?? Buffer.alloc(0),
  );
  const checkpoints = header ? withAnchor(listed, header.anchor, list, hashes, chain.entries) : listed;
  return {
    ok: signature.ok && chain.ok && checkpoints.ok && fileProblems.length === 0,
    signature,
    chain,
    checkpoints,
    fileProblems,
  };
}

/** The exported log must hold what the HSM's anchor named at export (in the signed header): that checkpoint and that head. */
function withAnchor(
  verified: CheckpointVerification,
  anchor: ExportAnchor,
  list: AuditCheckpoint[],
  hashes: Map<number, string>,
  entries: number,
): CheckpointVerification {
  const anchored = {
    checkpoint: anchor.checkpoint,
    headSeq: anchor.headSeq,
    entriesAfter: Math.max(0, entries - anchor.headSeq),
  };
  const checkpoint = list.find((c) => c.id === anchor.checkpoint);
  const fail = (message: string): CheckpointVerification => ({
    ...verified,
    ok: false,
    anchor: anchored,
    problem: { checkpoint: anchor.checkpoint, message },
  });
  if (anchor.checkpoint > 0 && checkpoint?.hash !== anchor.checkpointHash)
    return fail(
      `Checkpoint ${anchor.checkpoint}, anchored in the HSM when the log was exported, is ${checkpoint ? 'not the one signed then' : 'missing'}: checkpoints were removed or replaced.`,
    );
  if ((anchor.headSeq === 0 ? genesisHash : hashes.get(anchor.headSeq)) !== anchor.headHash)
    return fail(
      `Entry ${anchor.headSeq}, anchored in the HSM when the log was exported, is ${hashes.has(anchor.headSeq) ? 'not the entry anchored' : 'missing'}: entries were cut or rewritten.`,
    );
  return { ...verified, anchor: anchored };
}
