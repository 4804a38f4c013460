/**
 * Backup and restore of key versions. Backup: a fresh AES-256 KEK from the token's random generator is
 * split into Shamir shares (M of N custodians, each share to its own drive), loaded into the token as a
 * trusted session key that wraps each version (AES-KWP), then destroyed; the wrapped versions go into a
 * package signed by the workstation key. Restore: M custodians give their shares, the KEK is rebuilt and
 * checked against its recorded check value, each version is unwrapped with every CMK protection, and its
 * KCV must equal the inventory's before it is recorded as restored.
 */
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { StepValue } from '../../shared/ceremonies';
import { KeywardError } from '../../shared/errors';
import { hexGroups } from '../../shared/fingerprint';
import { cmkSpecs } from '../../shared/keys';
import { keyHolderRoles, roleNames } from '../../shared/officers';
import { rehearsalName } from '../../shared/rehearsal';
import { shareFolderName } from '../../shared/share-files';
import { combineShares, shareText, splitSecret } from '../backup/shares';
import { writeNewFolder } from '../files/new-folder';
import { splitWraps } from '../hsm/protocol';
import { requireSeparateDrives } from '../media/separate-drives';
import { publicKeyFingerprint } from '../store/identity';
import { digestOfBytes, signDetached, verifyDetached } from '../x509/cms';
import { versionsOf } from './key-version-steps';
import {
  asSecurityOfficer,
  defineStep,
  resultNumber,
  resultText,
  securityOfficerLogin,
  stale,
  type Result,
  type StepContext,
} from './steps';

const packageFile = 'backup.json';

const packageSchema = z
  .object({
    format: z.literal('keyward-backup'),
    formatVersion: z.literal(1),
    backupId: z.uuid(),
    createdAt: z.iso.datetime(),
    ceremony: z.string(),
    threshold: z.number().int().min(2),
    shares: z.number().int().min(2),
    kekKcv: z.string().regex(/^[0-9a-f]{6}$/),
    versions: z
      .array(
        z
          .object({
            name: z.string(),
            version: z.number().int().min(1),
            spec: z.enum(cmkSpecs),
            kcv: z.string(),
            wrapped: z.base64(),
            publicKeySpki: z.base64().nullable(),
          })
          .strict(),
      )
      .min(1),
    /** Made in a rehearsal, on a token that protects nothing real. */
    rehearsal: z
      .object({ token: z.string().min(1).max(500), findings: z.array(z.string().max(2000)).max(50) })
      .strict()
      .optional(),
  })
  .strict();
export type BackupPackage = z.infer<typeof packageSchema>;

const versionRef = z.object({ name: z.string().min(1), version: z.number().int().min(1) });
/** The package, its signature checked against this workstation's certificate. */
export function readBackupPackage(folder: string, workstationCertificate: Uint8Array): BackupPackage {
  let json: Buffer;
  let signature: Buffer;
  try {
    json = readFileSync(join(folder, packageFile));
    signature = readFileSync(join(folder, `${packageFile}.p7s`));
  } catch {
    throw new KeywardError(
      'INVALID_REQUEST',
      `${folder} holds no Keyward backup package (${packageFile} and its signature).`,
      'Insert the drive with the backup package and give its folder.',
    );
  }
  const signer = new X509Certificate(verifyDetached(signature, digestOfBytes(json)).certificateDer);
  const ours = new X509Certificate(Buffer.from(workstationCertificate));
  if (
    publicKeyFingerprint(signer.publicKey.export({ type: 'spki', format: 'der' })) !==
    publicKeyFingerprint(ours.publicKey.export({ type: 'spki', format: 'der' }))
  ) {
    throw new KeywardError(
      'SIGNATURE_INVALID',
      "The backup package was not signed by this workstation's key.",
      'Restore on the workstation that made the backup, or re-initialise trust in an officer ceremony.',
    );
  }
  const parsed = packageSchema.safeParse(JSON.parse(json.toString('utf8')));
  if (!parsed.success)
    throw new KeywardError(
      'INVALID_REQUEST',
      `The backup package is not in Keyward's format (${parsed.error.issues[0]?.path.join('.') ?? ''}).`,
      'Check the package folder.',
    );
  return parsed.data;
}

/** The backup key in the token (a trusted session object the SO makes from its value) for the work, then destroyed (audited). */
async function withKek<T>(
  context: StepContext,
  label: string,
  value: Uint8Array,
  purpose: 'backup' | 'restore',
  work: (kek: { id: string; kcv: string }) => Promise<T>,
): Promise<T> {
  const kek = await asSecurityOfficer(context, () =>
    context.client.request('kekFromValue', { uri: context.uri, id: context.objectId(label), label, value, purpose }),
  );
  try {
    return await work(kek);
  } finally {
    await context.destroyObject(kek.id, `the ${purpose} key, once used`);
  }
}

const kekLabel = (backupId: string) => `Keyward backup key ${backupId.slice(0, 8)}`;

/** One share's custodian (officer id and name, as the officers signed them) and the drive folder it is written to. */
export interface ShareHolder {
  custodian: string;
  name: string;
  folder: string;
}

const shareHolder = z
  .object({ custodian: z.string().min(1), name: z.string().min(1), folder: z.string().min(1) })
  .strict();

/** "Share 2 of 3 for Bob Stone (bob)": how a share is named on screen, in its file and in the transcript. */

/** A backup planned before each share named its custodian: not run, only aborted (its record still reads). */
const unnamedShares = () =>
  stale('it was planned before each share named its custodian; abort it and plan the backup again');

export const shareHolderText = (holder: Pick<ShareHolder, 'custodian' | 'name'>, index: number, shares: number) =>
  `Share ${index} of ${shares} for ${holder.name} (${holder.custodian})`;

export const backupVersions = defineStep({
  action: 'backup-versions',
  params: z.object({
    kekLabelId: z.uuid(),
    versions: z.array(versionRef).min(1),
    threshold: z.number().int().min(2).max(16),
    packageFolder: z.string().min(1),
    // Each share's custodian. A backup recorded before custodians were named has only `shareFolders`: its
    // record still reads (an abort's check of what was handed out, its transcript), but it never runs.
    shares: z.array(shareHolder).min(2).max(16).optional(),
    shareFolders: z.array(z.string().min(1)).min(2).max(16).optional(),
  }),
  // Shares handed out cannot be taken back.
  takesEffect: true,
  handsOut: (params) => params.versions,
  inputs: () => securityOfficerLogin,
  creates: (params) => [kekLabel(params.kekLabelId)],
  writes: (params) => [params.packageFolder, ...(params.shares?.map((s) => s.folder) ?? params.shareFolders ?? [])],
  stillHolds: (context, params) => {
    if (!params.shares) throw unnamedShares();
    // Each custodian still may take a share: an officer suspended, removed or moved to auditor since the plan may not.
    const officers = context.officers.list();
    for (const holder of params.shares) {
      const officer = officers.find((o) => o.id === holder.custodian);
      if (!officer || officer.state !== 'active' || !keyHolderRoles.includes(officer.role))
        throw stale(
          `the custodian ${holder.name} (${holder.custodian}) is ${officer ? (officer.state !== 'active' ? officer.state : `now an ${roleNames[officer.role]}`) : 'no longer an officer'}, and may not take a share`,
        );
    }
    for (const ref of params.versions) {
      const found = versionsOf(context, ref.name).find((v) => v.version === ref.version);
      if (!found || found.state === 'destroyed')
        throw stale(`${ref.name} v${ref.version} is ${found ? 'destroyed' : 'missing'} now`);
    }
  },
  run: async (context, params) => {
    // A fresh id each run: shares written by a run that was interrupted belong to no package and are refused at restore.
    const backupId = randomUUID();
    const { threshold, shares: holders, packageFolder } = params;
    if (!holders) throw unnamedShares();
    const shareFolders = holders.map((s) => s.folder);
    // Checked again here so that a swapped drive fails before the officers log in, and once more just before writing.
    requireSeparateDrives(packageFolder, shareFolders, context.rehearsal !== undefined);
    const drawn = await context.client.request('generateRandom', { uri: context.uri, bytes: 32 });
    const value = Buffer.from(drawn);
    drawn.fill(0);
    let shares: Uint8Array[] = [];
    try {
      const { kcv, versions } = await withKek(context, kekLabel(params.kekLabelId), value, 'backup', async (kek) => {
        const chosen = params.versions.map((ref) => {
          const key = context.inventory.get(ref.name);
          const recorded = key.versions.find((v) => v.version === ref.version);
          if (!recorded)
            throw new KeywardError('INVALID_REQUEST', `${ref.name} has no version ${ref.version}.`, 'Check the plan.');
          return { ref, key, recorded };
        });
        // Every version under the KEK in one request to the HSM process.
        const allWrapped = splitWraps(
          await context.client.request('wrapKwp', {
            uri: context.uri,
            targetIds: chosen.map(({ recorded }) => recorded.tokenObjectId),
            kekId: kek.id,
          }),
        );
        const wrappedVersions = [];
        for (const [index, { ref, key, recorded }] of chosen.entries()) {
          const wrapped = allWrapped[index];
          if (!wrapped)
            throw new KeywardError(
              'HSM_PROCESS_FAILED',
              `The HSM process returned ${allWrapped.length} wrapped keys for ${chosen.length} versions.`,
              'Nothing was written. Restart Keyward and run the step again.',
            );
          const pair = key.spec.startsWith('RSA_') || key.spec.startsWith('EC_');
          const spki = pair
            ? (await context.client.request('signingPublicKey', { uri: context.uri, id: recorded.tokenObjectId }))
                .publicKeySpki
            : null;
          wrappedVersions.push({
            name: ref.name,
            version: ref.version,
            spec: key.spec,
            kcv: recorded.kcv,
            wrapped: Buffer.from(wrapped).toString('base64'),
            publicKeySpki: spki ? Buffer.from(spki).toString('base64') : null,
          });
        }
        return { kcv: kek.kcv, versions: wrappedVersions };
      });
      shares = await splitSecret(value, shareFolders.length, threshold);
      const backup: BackupPackage = {
        format: 'keyward-backup',
        formatVersion: 1,
        backupId,
        createdAt: new Date().toISOString(),
        ceremony: context.ceremonyId,
        threshold,
        shares: shareFolders.length,
        kekKcv: kcv,
        versions,
        ...(context.rehearsal ? { rehearsal: context.rehearsal } : {}),
      };
      const json = Buffer.from(`${JSON.stringify(backup, null, 2)}\n`);
      const signature = await signDetached(digestOfBytes(json), context.signer, context.certificateDer, new Date());
      const packageName = rehearsalName(`keyward-backup-${backupId.slice(0, 8)}`, context.rehearsal);
      const shareName = (i: number) => shareFolderName(packageName, i + 1, shareFolders.length);
      // Immediately before writing: a drive may have been swapped during the login or the work in the token.
      requireSeparateDrives(packageFolder, shareFolders, context.rehearsal !== undefined);
      context.claimOutput(join(packageFolder, packageName));
      shareFolders.forEach((parent, i) => context.claimOutput(join(parent, shareName(i))));
      const folder = writeNewFolder(
        packageFolder,
        packageName,
        [
          { name: packageFile, bytes: json },
          { name: `${packageFile}.p7s`, bytes: signature },
          {
            name: 'signer.pem',
            bytes: Buffer.from(new X509Certificate(Buffer.from(context.certificateDer)).toString()),
          },
        ],
        'backup package',
      );
      const written = holders.map((holder, i) =>
        writeNewFolder(
          holder.folder,
          shareName(i),
          [
            {
              name: 'share.txt',
              bytes: Buffer.from(
                shareText(
                  {
                    backupId,
                    index: i + 1,
                    shares: shareFolders.length,
                    threshold,
                    kekKcv: kcv,
                    custodian: holder,
                  },
                  shares[i] ?? new Uint8Array(),
                  context.rehearsal,
                ),
              ),
            },
          ],
          'share',
        ),
      );
      return {
        backupId,
        kekKcv: kcv,
        folder,
        shareFolders: written,
        // Who holds which share, in the order written: the handover the officers witness and the transcript keeps.
        shareHolders: holders.map((h, i) => shareHolderText(h, i + 1, holders.length)),
        versions: versions.map((v) => `${v.name} v${v.version} (KCV ${v.kcv.toUpperCase()})`),
      };
    } finally {
      value.fill(0);
      for (const share of shares) share.fill(0);
    }
  },
});

export const restoreVersions = defineStep({
  action: 'restore-versions',
  params: z.object({
    packageFolder: z.string().min(1),
    backupId: z.uuid(),
    versions: z.array(versionRef.extend({ label: z.string().min(1) })).min(1),
  }),
  takesEffect: true,
  inputs: () => ['backup-shares', ...securityOfficerLogin],
  creates: (params) => [kekLabel(params.backupId), ...params.versions.map((v) => v.label)],
  reads: (params) => [params.packageFolder],
  stillHolds: (context, params) => {
    for (const ref of params.versions) {
      const found = versionsOf(context, ref.name).find((v) => v.version === ref.version);
      if (found?.state !== 'destroyed')
        throw stale(`${ref.name} v${ref.version} is ${found?.state ?? 'missing'} now, not destroyed`);
    }
  },
  run: async (context, params) => {
    const backup = readBackupPackage(params.packageFolder, context.certificateDer);
    if (backup.backupId !== params.backupId)
      throw new KeywardError(
        'INVALID_REQUEST',
        'The package in that folder is not the backup this ceremony planned to restore.',
        'Insert the right drive.',
      );
    const shares = await context.backupShares(backup.backupId, backup.threshold);
    let value = Buffer.alloc(0);
    // From here the shares are zeroed whatever happens, a refusal to combine them included.
    try {
      const combined = await combineShares(shares, backup.threshold);
      value = Buffer.from(combined);
      combined.fill(0);
      return await withKek(context, kekLabel(backup.backupId), value, 'restore', async (kek) => {
        if (kek.kcv !== backup.kekKcv) {
          throw new KeywardError(
            'QUORUM_NOT_MET',
            `The shares given rebuild a key with check value ${kek.kcv.toUpperCase()}, not the backup key's ${backup.kekKcv.toUpperCase()}: a share is wrong or from another backup.`,
            'Each custodian reads their share again; then run the step again.',
          );
        }
        const restored: StepValue[] = [];
        for (const ref of params.versions) {
          const item = backup.versions.find((v) => v.name === ref.name && v.version === ref.version);
          if (!item)
            throw new KeywardError(
              'INVALID_REQUEST',
              'The package does not hold a planned version.',
              'Check the plan.',
            );
          const key = await context.client.request('unwrapKwp', {
            uri: context.uri,
            kekId: kek.id,
            wrapped: Buffer.from(item.wrapped, 'base64'),
            spec: item.spec,
            id: context.objectId(ref.label),
            label: ref.label,
            ...(item.publicKeySpki ? { publicKeySpki: Buffer.from(item.publicKeySpki, 'base64') } : {}),
          });
          const recorded = context.inventory.get(item.name).versions.find((v) => v.version === item.version);
          // A key pair is compared in full: its public key's SHA-256 with the one recorded when it was generated.
          const publicKeySha256 = item.publicKeySpki
            ? createHash('sha256').update(Buffer.from(item.publicKeySpki, 'base64')).digest('hex')
            : null;
          if (recorded?.publicKeySha256 && publicKeySha256 !== recorded.publicKeySha256) {
            await context.destroyObject(key.id, "a restored key pair whose public key is not the inventory's");
            throw new KeywardError(
              'HSM_KEY_REJECTED',
              `The restored ${item.name} v${item.version} has a public key whose SHA-256 is not the one recorded when it was generated (${hexGroups(recorded.publicKeySha256)}); it was destroyed.`,
              'Stop and investigate the backup package.',
            );
          }
          if (key.kcv !== recorded?.kcv) {
            await context.destroyObject(key.id, "a restored key whose check value is not the inventory's");
            throw new KeywardError(
              'HSM_KEY_REJECTED',
              `The restored ${item.name} v${item.version} has KCV ${key.kcv.toUpperCase()}, not the inventory's ${recorded?.kcv.toUpperCase() ?? '?'}; it was destroyed.`,
              'Stop and investigate the backup package.',
            );
          }
          restored.push({
            name: item.name,
            version: item.version,
            tokenObjectId: key.id,
            label: key.label,
            kcv: key.kcv,
          });
        }
        return { backupId: backup.backupId, restored };
      });
    } finally {
      value.fill(0);
      for (const share of shares) share.fill(0);
    }
  },
  commit: (context, _params, result) => {
    for (const item of Array.isArray(result.restored) ? result.restored : []) {
      const r = item as Result;
      context.inventory.restoreVersion(
        resultText(r, 'name'),
        resultNumber(r, 'version'),
        {
          tokenSerial: context.tokenSerial,
          tokenObjectId: resultText(r, 'tokenObjectId'),
          tokenLabel: resultText(r, 'label'),
        },
        { actors: context.actors, ceremony: context.ceremonyId },
      );
    }
  },
});
