/**
 * The steps of a key's life after generation: a new version in a rotation (generated, then activated as in
 * a generation), a version's state set (disabled, re-enabled), and destruction (crypto-shredding: the
 * token objects destroyed and confirmed gone, then a signed destruction certificate written to a drive).
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { KeywardError } from '../../shared/errors';
import { keyVersionStates, type KeyVersion } from '../../shared/inventory';
import { writeNewFolder } from '../files/new-folder';
import type { Inventory } from '../store/inventory';
import { digestOfBytes, signDetached } from '../x509/cms';
import type { Planned } from './ceremony-type';
import {
  changeState,
  generatedParams,
  generateInToken,
  putStateBack,
  recordVersion,
  requireActive,
  requireStateLeft,
  versionParams,
  versionsOf,
} from './key-version-steps';
import { defineStep, stale, type PlanningContext } from './steps';

export const rotationReasons = ['due', 'manual', 'forced'] as const;
export type RotationReason = (typeof rotationReasons)[number];

export function version(inventory: Inventory, keyName: string, number: number): KeyVersion {
  const found = inventory.get(keyName).versions.find((v) => v.version === number);
  if (!found) throw new KeywardError('INVALID_REQUEST', `${keyName} has no version ${number}.`, 'Check the inventory.');
  return found;
}

/**
 * A pending version belongs to the ceremony generating it, which activates it (or, aborted, destroys it):
 * no other ceremony changes its state, so an abort of that ceremony never destroys a version in use.
 */
export function requireSettled(keyName: string, current: KeyVersion): void {
  if (current.state === 'pending') {
    throw new KeywardError(
      'INVALID_REQUEST',
      `${keyName} version ${current.version} is pending: ceremony ${current.stateCeremony ?? 'unknown'} generated it and makes it active, or destroys it if aborted.`,
      'Finish or abort that ceremony first. Should its abort keep the version, it can then only be destroyed, in a destroy-key ceremony.',
    );
  }
}

const versionState = z.enum(keyVersionStates);

/** Disabling or re-enabling a version (the disable-key and enable-key ceremonies). */
export function planSetVersionState(
  inventory: Inventory,
  keyName: string,
  number: number,
  state: 'disabled' | 'active' | 'decrypt-only',
): Planned {
  const current = version(inventory, keyName, number);
  requireSettled(keyName, current);
  return {
    title: `${state === 'disabled' ? 'Disable' : 'Re-enable'} ${keyName} version ${number}`,
    steps: [
      setVersionState.plan(
        `Mark ${keyName} v${number} (KCV ${current.kcv.toUpperCase()}) ${state} (it is ${current.state})`,
        { keyName, version: number, state, from: current.state },
      ),
    ],
  };
}

/** The version's state is still the one the plan showed its approvers. */
function requireState(
  context: PlanningContext,
  params: { keyName: string; version: number; from: string },
): KeyVersion {
  const found = versionsOf(context, params.keyName).find((v) => v.version === params.version);
  if (!found || found.state !== params.from)
    throw stale(
      `${params.keyName} version ${params.version} is now ${found?.state ?? 'missing'}, not ${params.from} as planned`,
    );
  return found;
}

export const generateVersion = defineStep({
  action: 'generate-version',
  params: generatedParams.extend({
    reason: z.enum(rotationReasons),
    version: z.number().int().min(2),
    fromVersion: z.number().int().min(1).nullable(),
  }),
  ...generateInToken,
  stillHolds: (context, params) => {
    const latest = versionsOf(context, params.keyName).at(-1)?.version ?? 0;
    if (latest !== params.version - 1)
      throw stale(`${params.keyName} now has version ${latest}, so version ${params.version} is not the next one`);
    requireActive(context, params.keyName, params.fromVersion);
  },
  commit: recordVersion,
});

export const setVersionState = defineStep({
  action: 'set-version-state',
  params: versionParams.extend({ state: z.enum(['disabled', 'active', 'decrypt-only']), from: versionState }),
  takesEffect: true,
  stillHolds: (context, params) => {
    const found = requireState(context, params);
    if (found.state === 'pending')
      throw stale(
        `${params.keyName} version ${found.version} is pending, the version ceremony ${found.stateCeremony ?? 'unknown'} generated`,
      );
  },
  run: () => Promise.resolve({}),
  commit: (context, params, result) => changeState(context, params, result, params.state),
  undo: (context, params, result) => putStateBack(context, params, result, params.from),
  stillUndoable: (context, params, result) =>
    requireStateLeft(context, params.keyName, params.version, params.state, result.replaced),
});

export const destroyVersion = defineStep({
  action: 'destroy-version',
  params: versionParams.extend({ tokenObjectId: z.string().min(1), from: versionState }),
  // Crypto-shredding cannot be undone.
  takesEffect: true,
  // The version's object, named in the signed plan (and checked to be that version's in stillHolds).
  destroys: (params) => [params.tokenObjectId],
  stillHolds: (context, params) => {
    const found = requireState(context, params);
    if (found.tokenObjectId !== params.tokenObjectId)
      throw stale(`${params.keyName} version ${found.version} is now a different token object`);
  },
  run: async (context, params) => {
    try {
      const objects = await context.destroyObject(params.tokenObjectId, 'a destruction ceremony');
      return { destroyedObjects: objects.length };
    } catch (error) {
      // Run again after an interruption: the objects were destroyed the first time, and are confirmed gone.
      if (error instanceof KeywardError && error.code === 'HSM_KEY_NOT_FOUND') return { destroyedObjects: 0 };
      throw error;
    }
  },
  commit: (context, params) => {
    context.inventory.setState(params.keyName, params.version, 'destroyed', {
      actors: context.actors,
      ceremony: context.ceremonyId,
    });
  },
});

export const destructionCertificate = defineStep({
  action: 'destruction-certificate',
  params: versionParams.extend({ folder: z.string().min(1) }),
  sensitive: false,
  writes: (params) => [params.folder],
  run: async (context, params) => {
    const { keyName } = params;
    const destroyedVersion = version(context.inventory, keyName, params.version);
    if (destroyedVersion.state !== 'destroyed')
      throw new KeywardError(
        'INVALID_REQUEST',
        `${keyName} v${destroyedVersion.version} is not destroyed; no certificate is written.`,
        'Run the destruction step first.',
      );
    const head = context.log.head();
    const certificate = {
      type: 'keyward-destruction-certificate',
      formatVersion: 1,
      id: randomUUID(),
      key: {
        name: keyName,
        version: destroyedVersion.version,
        kcv: destroyedVersion.kcv,
        tokenSerial: destroyedVersion.tokenSerial,
        tokenObjectId: destroyedVersion.tokenObjectId,
        tokenLabel: destroyedVersion.tokenLabel,
      },
      destroyedAt: destroyedVersion.stateSince,
      ceremony: context.ceremonyId,
      witnessedBy: context.actors,
      audit: { headSeq: head.seq, headHash: head.hash },
      statement: `The key version above was destroyed inside the HSM (token ${destroyedVersion.tokenSerial}) and the token no longer holds it.`,
    };
    const json = Buffer.from(`${JSON.stringify(certificate, null, 2)}\n`);
    const signature = await signDetached(digestOfBytes(json), context.signer, context.certificateDer, new Date());
    const name = `keyward-destruction-${keyName.replace(/[^A-Za-z0-9]+/g, '-')}-v${destroyedVersion.version}-${certificate.id.slice(0, 8)}`;
    context.claimOutput(join(params.folder, name));
    const folder = writeNewFolder(
      params.folder,
      name,
      [
        { name: 'destruction-certificate.json', bytes: json },
        { name: 'destruction-certificate.json.p7s', bytes: signature },
        {
          name: 'signer.pem',
          bytes: Buffer.from(new X509Certificate(Buffer.from(context.certificateDer)).toString()),
        },
      ],
      'destruction certificate',
    );
    return { folder, certificateId: certificate.id };
  },
});
