/**
 * The audit log as a JSON Lines file for auditors: a header, every entry, every signed checkpoint.
 * It is verified on any machine, without an HSM: the chain is recomputed and every checkpoint checked
 * against the signer key it names (and a pinned fingerprint, when the auditor gives one).
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { genesisHash, type AuditCheckpoint, type AuditEntry, type AuditVerification, type CheckpointVerification } from '../../shared/audit';
import { KeywardError } from '../../shared/errors';
import type { AuditLog } from './audit-log';
import { verifyChain, type ChainItem } from './chain';
import { verifyCheckpointList, type Checkpoints } from './checkpoints';

export const exportFormat = 1;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const detailValue: z.ZodType = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(detailValue), z.record(z.string(), detailValue)]));

const headerLine = z.object({ type: z.literal('keyward-audit-export'), format: z.literal(exportFormat), exportedAt: z.string(), entries: z.number().int().min(0), checkpoints: z.number().int().min(0), headHash: hex64 }).strict();
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

/** Writes the export without ever replacing a file: a temporary file, flushed, then hard-linked to the name. */
export function exportAudit(log: AuditLog, checkpoints: Checkpoints, out: string, now = new Date()): { entries: number; checkpoints: number; sha256: string } {
  const temporary = `${out}.partial-${process.pid}`;
  const fd = openSync(temporary, 'wx', 0o600);
  const digest = createHash('sha256');
  const write = (value: unknown): void => {
    const line = `${JSON.stringify(value)}\n`;
    digest.update(line);
    writeSync(fd, line);
  };
  const head = log.head();
  const list = checkpoints.all();
  const counts = { entries: head.seq, checkpoints: list.length };
  try {
    write({ type: 'keyward-audit-export', format: exportFormat, exportedAt: now.toISOString(), entries: head.seq, checkpoints: list.length, headHash: head.hash });
    for (const entry of log.iterate(head.seq)) write({ type: 'entry', ...entry });
    for (const c of list) write({ type: 'checkpoint', ...c, signerSpki: Buffer.from(c.signerSpki).toString('base64'), signature: Buffer.from(c.signature).toString('base64') });
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temporary);
    throw error;
  }
  closeSync(fd);
  try {
    linkSync(temporary, out);
  } catch (error) {
    unlinkSync(temporary);
    throw new KeywardError(
      'AUDIT_REFUSED',
      `The export was not written: ${(error as NodeJS.ErrnoException).code === 'EEXIST' ? `${out} already exists, and Keyward never overwrites a file` : (error as Error).message}.`,
      'Choose a new file name, or another drive.',
    );
  }
  unlinkSync(temporary);
  const dirFd = openSync(dirname(out), 'r');
  fsyncSync(dirFd);
  closeSync(dirFd);
  return { ...counts, sha256: digest.digest('hex') };
}

export interface ExportVerification {
  ok: boolean;
  chain: AuditVerification;
  checkpoints: CheckpointVerification;
  /** Problems with the file itself: unreadable lines, counts that do not match its header. */
  fileProblems: string[];
}

export async function verifyAuditExport(path: string, pinnedSignerFingerprint?: string): Promise<ExportVerification> {
  const fileProblems: string[] = [];
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
      list.push({ ...c, signerSpki: Buffer.from(c.signerSpki, 'base64'), signature: Buffer.from(c.signature, 'base64') });
    } else {
      fileProblems.push(`line ${lineNumber} is neither an entry nor a checkpoint`);
    }
  }
  if (!header) fileProblems.push('the file has no export header');
  const chain = verifyChain(entries);
  if (header && chain.ok && (header.entries !== chain.entries || header.headHash !== chain.headHash)) {
    fileProblems.push(`the header announces ${header.entries} entries ending in ${header.headHash.slice(0, 16)}…, the file holds ${chain.entries} ending in ${chain.headHash.slice(0, 16)}…`);
  }
  if (header && header.checkpoints !== list.length) fileProblems.push(`the header announces ${header.checkpoints} checkpoints, the file holds ${list.length}`);
  // Every checkpoint must be signed by one key: the pinned one when the auditor gives its fingerprint.
  const pinned = pinnedSignerFingerprint?.toLowerCase();
  const signer = pinned
    ? (list.find((c) => createHash('sha256').update(c.signerSpki).digest('hex') === pinned)?.signerSpki ?? Buffer.alloc(0))
    : list[0]?.signerSpki;
  const checkpoints = verifyCheckpointList(list, (seq) => (seq === 0 ? genesisHash : hashes.get(seq)), signer);
  return { ok: chain.ok && checkpoints.ok && fileProblems.length === 0, chain, checkpoints, fileProblems };
}
