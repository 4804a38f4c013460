/**
 * manifest.json of an upload bundle: what was wrapped, for whom, under which key and policy, approved
 * by whom, at which point of the audit log, and the SHA-256 of every other file. Its detached CMS
 * signature (manifest.json.p7s) is made in the HSM by the workstation key.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { cmkSpecs } from '../../shared/keys';
import { maxApprovalLifetimeHours, officerRoles, type Approval } from '../../shared/officers';
import { providerIds, wrapAlgorithms } from '../../shared/providers';
import { canonicalJson } from '../store/canonical';

/** 2: the step digest covers where the bundle was written and which wrapping key on the token wrapped it. */
export const bundleFormatVersion = 2;
export const manifestFileName = 'manifest.json';
export const signatureFileName = 'manifest.json.p7s';
export const signerFileName = 'signer.pem';
export const readmeFileName = 'README.txt';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const isoTime = z.iso.datetime();

const approvalSchema = z
  .object({
    officer: z.string().min(1).max(64),
    role: z.enum(officerRoles),
    certificate: z.base64(),
    signature: z.base64(),
    scheme: z.enum(['ecdsa-p1363', 'rsa-pss']),
    hash: z.enum(['sha256', 'sha384']),
    signedAt: isoTime,
  })
  .strict() satisfies z.ZodType<Approval>;

export const manifestSchema = z
  .object({
    format: z.literal('keyward-upload-bundle'),
    formatVersion: z.literal(bundleFormatVersion),
    bundleId: z.uuid(),
    provider: z.enum(providerIds),
    key: z
      .object({
        name: z.string().min(1).max(200),
        version: z.number().int().min(1),
        spec: z.enum(cmkSpecs),
        kcv: z.string().regex(/^[0-9a-f]{6}$/),
      })
      .strict(),
    wrapping: z
      .object({
        algorithm: z.enum(wrapAlgorithms),
        providerAlgorithm: z.string().min(1).max(100),
        wrappingKeyFingerprint: hex(32),
        /** The inventory id of the provider's wrapping key on the token. */
        wrappingKeyId: z.string().min(1).max(100),
        modulusBits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]),
        importTokenSha256: hex(32).nullable(),
        deadline: isoTime.nullable(),
      })
      .strict(),
    target: z.record(z.string().max(64), z.string().max(512)),
    ceremony: z
      .object({
        id: z.string().min(1).max(100),
        policy: z
          .object({
            quorum: z.number().int().min(1).max(16),
            roles: z.array(z.enum(officerRoles)).min(1),
            approvalLifetimeHours: z.number().int().min(1).max(maxApprovalLifetimeHours),
          })
          .strict(),
        stepDigest: hex(32),
        approvals: z.array(approvalSchema).max(16),
        /** Where the approvers agreed the bundle would be written: the drive and the folder on it. */
        destination: z.object({ drive: z.string().min(1).max(100), folder: z.string().min(1).max(4096) }).strict(),
      })
      .strict(),
    audit: z
      .object({ headSeq: z.number().int().min(0), headHash: hex(32), lastCheckpointHash: hex(32).nullable() })
      .strict(),
    createdAt: isoTime,
    generator: z.string().min(1).max(200),
    /** Made in a rehearsal: on which token, and what it fails to enforce or what the self-test found. Never uploaded. */
    rehearsal: z
      .object({ token: z.string().min(1).max(500), findings: z.array(z.string().max(2000)).max(50) })
      .strict()
      .optional(),
    files: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
            bytes: z.number().int().min(0),
            sha256: hex(32),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type Manifest = z.infer<typeof manifestSchema>;

/** What the officers approve: exactly what will be done, to which key version, under which wrapping key, written where. */
export type ExportStep = Pick<Manifest, 'provider' | 'key' | 'wrapping' | 'target'> & {
  ceremonyId: string;
  destination: Manifest['ceremony']['destination'];
};

export function exportStepDigest(step: ExportStep): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        type: 'keyward-export-step',
        formatVersion: bundleFormatVersion,
        ceremonyId: step.ceremonyId,
        provider: step.provider,
        key: step.key,
        wrapping: step.wrapping,
        target: step.target,
        destination: step.destination,
      }),
    )
    .digest('hex');
}

export const stepOf = (m: Manifest): ExportStep => ({
  provider: m.provider,
  key: m.key,
  wrapping: m.wrapping,
  target: m.target,
  ceremonyId: m.ceremony.id,
  destination: m.ceremony.destination,
});
