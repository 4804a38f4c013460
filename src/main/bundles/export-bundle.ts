/**
 * Export of one CMK version for a provider: planned (the step the officers approve, with the time left
 * before the provider's deadline), then, once the quorum has approved that exact step, self-tested,
 * wrapped in the token, signed, written to the drive, read back and verified; the ceremony step records
 * it when the step completes (a bundle whose step did not complete is removed, never recorded).
 */
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { KeywardError, errorCodeOf } from '../../shared/errors';
import { hexGroups, hexRows, pgpWordRows } from '../../shared/fingerprint';
import { isSecretSpec, type CmkSpec } from '../../shared/keys';
import { roleNames, type Approval, type QuorumPolicy } from '../../shared/officers';
import { providerNames, wrapMethods, type ProviderImport } from '../../shared/providers';
import { rehearsalName, type RehearsalMark } from '../../shared/rehearsal';
import { writeNewFolder } from '../files/new-folder';
import type { HsmClient } from '../hsm/client/client';
import { checkApprovals } from '../officers/approvals';
import type { GuidedKey, PayloadFile } from '../providers/profile';
import { buildPayload, settleImport, specRefusal, uploadGuide } from '../providers/registry';
import type { AuditLog } from '../store/audit-log';
import type { NewBundle } from '../store/bundles';
import { isStoreBusy } from '../store/busy';
import type { Checkpoints } from '../store/checkpoints';
import type { Inventory } from '../store/inventory';
import type { WrappingKeys } from '../store/wrapping-keys';
import { digestOfBytes, signDetached } from '../x509/cms';
import type { Signer } from '../x509/signer';
import {
  bundleFormatVersion,
  exportStepDigest,
  manifestFileName,
  readmeFileName,
  signatureFileName,
  signerFileName,
  type ExportStep,
  type Manifest,
} from './manifest';
import { wrapSelfTest } from './self-test';
import { verifyBundle } from './verify-bundle';

export interface ExportContext {
  client: HsmClient;
  uri: string;
  signer: Signer;
  certificateDer: Uint8Array;
  log: AuditLog;
  checkpoints: Checkpoints;
  inventory: Inventory;
  wrappingKeys: WrappingKeys;
  generator: string;
  now?: () => Date;
  /** Called with the bundle folder's path before it is written (a ceremony step claims it; see StepContext). */
  claimOutput?: (path: string) => void;
  /** Set on a token that protects nothing real: the bundle says REHEARSAL, and a self-test finding is recorded in it instead of refusing the export. */
  rehearsal?: RehearsalMark | undefined;
}

export interface ExportPlanRequest {
  keyName: string;
  version: number;
  /** The inventory id of the provider's wrapping key, imported on the token. */
  wrappingKeyId: string;
  /** The provider's import parameters, read again from the drive for this export. */
  params: ProviderImport;
  ceremonyId: string;
  /** Where the bundle is written: a folder on a drive (the drive's name as the officers see it). */
  destination: { parent: string; drive: string };
}

export interface ExportPlan {
  step: ExportStep;
  /** The import parameters with what the plan left to Keyward settled for this key version (e.g. AWS's ImportType). */
  params: ProviderImport;
  stepDigest: string;
  /** Milliseconds until the provider's deadline, or null when it gives none. */
  timeLeftMs: number | null;
}

const refuse = (message: string, nextStep: string) => new KeywardError('INVALID_REQUEST', message, nextStep);

/** What planning needs: the inventory and the wrapping keys, and the time. */
export type PlanningContext = Pick<ExportContext, 'inventory' | 'wrappingKeys' | 'now'>;

export function planExport(context: PlanningContext, request: ExportPlanRequest): ExportPlan {
  const now = context.now?.() ?? new Date();
  const key = context.inventory.get(request.keyName);
  const version = key.versions.find((v) => v.version === request.version);
  if (!version)
    throw refuse(`${request.keyName} has no version ${request.version}.`, 'Check the key version in the inventory.');
  if (!['active', 'pending', 'restored'].includes(version.state)) {
    throw refuse(
      `${request.keyName} version ${request.version} is ${version.state}; only a pending, active or restored version can be exported.`,
      'Choose the version the provider should use.',
    );
  }
  const wrappingKey = context.wrappingKeys.usable(request.wrappingKeyId);
  const params = settleImport(key.spec, request.params, version.version);
  if (wrappingKey.fingerprint !== params.wrappingKeyFingerprint || wrappingKey.provider !== params.provider) {
    throw refuse(
      `The ${providerNames[params.provider]} parameters brought for this export are for the wrapping key ${params.wrappingKeyFingerprint.slice(0, 16)}…, but the key chosen on the token is ${wrappingKey.fingerprint.slice(0, 16)}….`,
      'Bring the parameters file of the wrapping key that was imported, or import the new one first.',
    );
  }
  const refusal = specRefusal(key.spec, params);
  if (refusal)
    throw refuse(
      `This export cannot be made: ${refusal}.`,
      "Plan it with what the provider takes (docs/providers.md lists each provider's rules), or export another key.",
    );
  const deadline = params.deadline ?? wrappingKey.providerDeadline;
  const step: ExportStep = {
    ceremonyId: request.ceremonyId,
    provider: params.provider,
    key: { name: key.name, version: version.version, spec: key.spec, kcv: version.kcv },
    wrapping: {
      algorithm: params.algorithm,
      providerAlgorithm: params.providerAlgorithm,
      wrappingKeyFingerprint: params.wrappingKeyFingerprint,
      wrappingKeyId: request.wrappingKeyId,
      modulusBits: params.modulusBits as 2048 | 3072 | 4096,
      importTokenSha256: params.importToken ? createHash('sha256').update(params.importToken).digest('hex') : null,
      deadline,
    },
    target: params.target,
    destination: { drive: request.destination.drive, folder: request.destination.parent },
  };
  return {
    step,
    params,
    stepDigest: exportStepDigest(step),
    timeLeftMs: deadline ? new Date(deadline).getTime() - now.getTime() : null,
  };
}

export interface ExportRequest extends ExportPlanRequest {
  policy: QuorumPolicy;
  approvals: Approval[];
  actors: string[];
}

export interface ExportResult {
  folder: string;
  manifest: Manifest;
  manifestSha256: string;
  /** What the bundles table records once the step completes. */
  record: NewBundle;
  /** What the self-test found on the rehearsal token (the export went on only because it is the rehearsal token). */
  selfTestFinding?: string;
}

/** What a bundle made on a token that protects nothing real says first: REHEARSAL, which token, and what it found. */
function rehearsalLines(rehearsal: RehearsalMark | undefined, selfTestFinding: string | undefined): string[] {
  if (!rehearsal) return [];
  const findings = [...rehearsal.findings, ...(selfTestFinding ? [selfTestFinding] : [])];
  return [
    'REHEARSAL: DO NOT UPLOAD. This bundle was made in a rehearsal, on',
    `${rehearsal.token}, which protects nothing real.`,
    ...(findings.length ? ['FINDINGS OF THE REHEARSAL TOKEN:', ...findings.map((f) => `- ${f}`)] : []),
    '',
  ];
}

function readme(manifest: Manifest, key: GuidedKey, signerFingerprint: string, rehearsal: string[]): string {
  const guide = uploadGuide(
    { provider: manifest.provider, ...manifest.wrapping, target: manifest.target },
    key,
    manifest.files.map((f) => f.name),
  );
  const lines = [
    `${rehearsal.length ? 'REHEARSAL ' : ''}KEYWARD UPLOAD BUNDLE for ${providerNames[manifest.provider]}`,
    '',
    ...rehearsal,
    `Key: ${manifest.key.name}, version ${manifest.key.version} (${manifest.key.spec}), key check value ${manifest.key.kcv.toUpperCase()}.`,
    `Wrapped with ${manifest.wrapping.algorithm} (${manifest.wrapping.providerAlgorithm}) under the provider's RSA-${manifest.wrapping.modulusBits} key`,
    `  ${hexGroups(manifest.wrapping.wrappingKeyFingerprint)}`,
    manifest.wrapping.deadline
      ? `Upload before ${manifest.wrapping.deadline}: the provider refuses it afterwards.`
      : 'The provider gave no deadline for this upload.',
    `Approved by: ${manifest.ceremony.approvals.map((a) => `${a.officer} (${roleNames[a.role]})`).join(', ')} in ceremony ${manifest.ceremony.id}.`,
    '',
    '1. Before uploading, verify this folder on the connected machine:',
    `   keyward verify <this folder> --signer-fingerprint ${signerFingerprint}`,
    '   The workstation key fingerprint, to compare with the one your organisation recorded:',
    ...hexRows(signerFingerprint).map((row) => `   ${row}`),
    ...pgpWordRows(signerFingerprint).map((row) => `   ${row}`),
    '   Do not upload if the verification reports any problem.',
    `2. Upload${guide.client ? `, with ${guide.client}` : ''}:`,
    ...guide.steps.map((step) => `   ${step}`),
    ...(guide.notes ?? []).map((note) => `   ${note}`),
    `   The uploader needs ${guide.permission}.`,
    '3. Check that the provider now holds this very key:',
    ...guide.check.map((line) => `   ${line}`),
    '4. Record in the ceremony log that the upload was made, by whom and when, and what the check showed.',
    '',
    'Files: manifest.json (what this bundle is), manifest.json.p7s (its signature by the workstation key),',
    'signer.pem (the workstation certificate), and the provider payload listed in the manifest.',
    '',
  ];
  return lines.join('\n');
}

/**
 * An RSA or EC key's public key, read from the token and checked against the check value the inventory
 * recorded for it (the first 3 octets of its SHA-256): the uploader compares it with the provider's.
 */
async function cmkPublicKey(
  context: ExportContext,
  targetId: string,
  key: { name: string; version: number; spec: CmkSpec; kcv: string },
): Promise<Buffer | undefined> {
  if (isSecretSpec(key.spec)) return undefined;
  const spki = Buffer.from(
    (await context.client.request('signingPublicKey', { uri: context.uri, id: targetId })).publicKeySpki,
  );
  if (!createHash('sha256').update(spki).digest('hex').startsWith(key.kcv))
    throw new KeywardError(
      'HSM_KEY_REJECTED',
      `The public key the token holds beside ${key.name} v${key.version} is not the one whose check value the inventory recorded (${key.kcv.toUpperCase()}). No bundle was made.`,
      'Do not export this version. Call your HSM administrator: the token does not hold what the inventory recorded for it (keyward key list shows the record).',
    );
  return spki;
}

const slug = (text: string): string =>
  text
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'key';

export async function exportBundle(context: ExportContext, request: ExportRequest): Promise<ExportResult> {
  const now = context.now?.() ?? new Date();
  const plan = planExport(context, request);
  const signerCertificate = new X509Certificate(Buffer.from(context.certificateDer));
  // The quorum is checked before anything is done, with the verifier's own rules.
  const quorum = checkApprovals(plan.stepDigest, request.approvals, request.policy, signerCertificate, now);
  if (!quorum.met) {
    context.log.append({
      actors: request.actors,
      action: 'bundle.export',
      subject: `${request.keyName} v${request.version}`,
      outcome: 'refused',
      details: { ceremony: request.ceremonyId, stepDigest: plan.stepDigest, problems: quorum.problems },
    });
    throw new KeywardError(
      'QUORUM_NOT_MET',
      `The export was not made: ${quorum.problems.join('; ')}.`,
      'Collect approvals from enough distinct officers in the roles the policy names, each over this exact step.',
    );
  }
  const { params } = plan;
  const subject = `${request.keyName} v${request.version}`;
  // No audit entry, no export (fail closed).
  context.log.append({
    actors: quorum.counted,
    action: 'bundle.export.begin',
    subject,
    outcome: 'success',
    details: {
      ceremony: request.ceremonyId,
      provider: params.provider,
      algorithm: params.algorithm,
      wrappingKeyFingerprint: params.wrappingKeyFingerprint,
      stepDigest: plan.stepDigest,
    },
  });
  let folder: string | undefined;
  try {
    const selfTestFinding = await wrapSelfTest(
      context.client,
      context.uri,
      params.algorithm,
      params.modulusBits,
      plan.step.key.spec,
      context.rehearsal !== undefined,
    );
    const version = context.inventory.get(request.keyName).versions.find((v) => v.version === request.version);
    const wrappingKey = context.wrappingKeys.get(request.wrappingKeyId);
    const targetId = version?.tokenObjectId ?? '';
    const { kind, hash } = wrapMethods[params.algorithm];
    // The key and wrapping key as approved (their check value and fingerprint), checked again in the token.
    const approved = {
      uri: context.uri,
      targetId,
      kcv: plan.step.key.kcv,
      wrappingKeyId: wrappingKey.tokenObjectId,
      fingerprint: plan.step.wrapping.wrappingKeyFingerprint,
      hash,
    };
    const wrapped = Buffer.from(
      kind === 'oaep'
        ? await context.client.request('wrapOaep', approved)
        : (await context.client.request('wrapRsaAes', approved)).wrapped,
    );
    const keySha256 =
      params.provider === 'salesforce-shield'
        ? Buffer.from(await context.client.request('digestKey', { uri: context.uri, id: targetId }))
        : undefined;
    const publicKeySpki = await cmkPublicKey(context, targetId, plan.step.key);
    const payload = buildPayload({
      import: params,
      wrapped,
      spec: plan.step.key.spec,
      keyName: request.keyName,
      ...(keySha256 ? { keySha256 } : {}),
      ...(publicKeySpki ? { publicKeySpki } : {}),
      generator: context.generator,
    });
    const head = context.log.head();
    const signerFingerprint = createHash('sha256').update(context.signer.spki).digest('hex');
    const bundleId = randomUUID();
    const signerPem: PayloadFile = { name: signerFileName, bytes: Buffer.from(signerCertificate.toString()) };
    const draft = (files: PayloadFile[]): Manifest => ({
      format: 'keyward-upload-bundle',
      formatVersion: bundleFormatVersion,
      bundleId,
      provider: params.provider,
      key: plan.step.key,
      wrapping: plan.step.wrapping,
      target: plan.step.target,
      ceremony: {
        id: request.ceremonyId,
        policy: request.policy,
        stepDigest: plan.stepDigest,
        approvals: request.approvals,
        destination: plan.step.destination,
      },
      audit: { headSeq: head.seq, headHash: head.hash, lastCheckpointHash: context.checkpoints.last()?.hash ?? null },
      createdAt: now.toISOString(),
      generator: context.generator,
      // A bundle made on a token that protects nothing real says so in what is signed: the verifier refuses it.
      ...(context.rehearsal
        ? {
            rehearsal: {
              token: context.rehearsal.token,
              findings: [...context.rehearsal.findings, ...(selfTestFinding ? [selfTestFinding] : [])],
            },
          }
        : {}),
      files: files.map((f) => ({
        name: f.name,
        bytes: f.bytes.length,
        sha256: createHash('sha256').update(f.bytes).digest('hex'),
      })),
    });
    const readmeFile: PayloadFile = {
      name: readmeFileName,
      bytes: Buffer.from(
        readme(
          draft(payload),
          { ...plan.step.key, ...(publicKeySpki ? { publicKeySpki } : {}) },
          signerFingerprint,
          rehearsalLines(context.rehearsal, selfTestFinding),
        ),
      ),
    };
    const listed = [...payload, readmeFile, signerPem];
    const manifest = draft(listed);
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    const signature = await signDetached(digestOfBytes(manifestBytes), context.signer, context.certificateDer, now);
    const folderName = rehearsalName(
      `keyward-${params.provider}-${slug(request.keyName)}-v${request.version}-${bundleId.slice(0, 8)}`,
      context.rehearsal,
    );
    context.claimOutput?.(join(request.destination.parent, folderName));
    folder = writeNewFolder(
      request.destination.parent,
      folderName,
      [...listed, { name: manifestFileName, bytes: manifestBytes }, { name: signatureFileName, bytes: signature }],
      'bundle',
    );
    // Read back from the drive and verified as the connected side will, before success is reported.
    const check = verifyBundle(folder, { signerFingerprint }, now);
    if (!check.ok) {
      throw new KeywardError(
        'FILE_NOT_WRITTEN',
        `The bundle read back from the drive does not verify (${check.problems.join('; ')}); it was removed.`,
        'Use another drive: this one may be failing.',
      );
    }
    const manifestSha256 = createHash('sha256').update(manifestBytes).digest('hex');
    const record: NewBundle = {
      keyName: request.keyName,
      keyVersion: request.version,
      provider: params.provider,
      wrappingKeyId: request.wrappingKeyId,
      manifestSha256,
      drive: request.destination.drive,
      path: folder,
    };
    return { folder, manifest, manifestSha256, record, ...(selfTestFinding ? { selfTestFinding } : {}) };
  } catch (error) {
    if (folder) rmSync(folder, { recursive: true, force: true });
    // While another program holds the database, the failure cannot be recorded either; the officer is told why.
    if (!isStoreBusy(error))
      context.log.append({
        actors: quorum.counted,
        action: 'bundle.export',
        subject,
        outcome: 'failure',
        details: { ceremony: request.ceremonyId, error: errorCodeOf(error) },
      });
    throw error;
  }
}
