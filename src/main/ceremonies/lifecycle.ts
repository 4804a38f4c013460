/**
 * A key's life after generation: rotation (a new version generated and made active; the previous one
 * keeps decrypting old data), disabling and re-enabling a version, and destruction (crypto-shredding:
 * the token objects destroyed and confirmed gone, then a signed destruction certificate written to media).
 */
import { X509Certificate, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { KeywardError } from '../../shared/errors';
import type { KeyVersion, KeyVersionState } from '../../shared/inventory';
import { writeNewFolder } from '../files/new-folder';
import type { Inventory } from '../store/inventory';
import { digestOfBytes, signDetached } from '../x509/cms';
import type { StepPlan } from './engine';
import {
  changeState,
  cmkProtectionWords,
  generateInToken,
  putStateBack,
  recordVersion,
  requireActive,
  requireStateLeft,
  versionsOf,
} from './generate-cmk';
import { number, numberOrNull, stale, text, type Params, type PlanningContext, type StepExecutor } from './steps';

export type RotationReason = 'due' | 'manual' | 'forced';

function version(inventory: Inventory, keyName: string, number: number): KeyVersion {
  const found = inventory.get(keyName).versions.find((v) => v.version === number);
  if (!found) throw new KeywardError('INVALID_REQUEST', `${keyName} has no version ${number}.`, 'Check the inventory.');
  return found;
}

export function planRotateCmk(
  inventory: Inventory,
  keyName: string,
  reason: RotationReason,
): { title: string; steps: StepPlan[] } {
  const key = inventory.get(keyName);
  const active = key.versions.find((v) => v.state === 'active');
  if (!active)
    throw new KeywardError(
      'INVALID_REQUEST',
      `${keyName} has no active version to rotate.`,
      'Activate a version first, or generate the key.',
    );
  const next = (key.versions.at(-1)?.version ?? 0) + 1;
  const label = `${keyName} v${next}`;
  return {
    title: `Rotate ${keyName} (${reason}): version ${next} replaces version ${active.version}`,
    steps: [
      {
        action: 'generate-version',
        description: `Generate ${key.spec} key "${label}" inside the HSM, with every CMK protection (${cmkProtectionWords}), as version ${next} of ${keyName} while version ${active.version} is active`,
        params: { keyName, spec: key.spec, label, reason, version: next, fromVersion: active.version },
        sensitive: true,
      },
      {
        action: 'activate-version',
        description: `Make "${label}" the active version; version ${active.version} (KCV ${active.kcv.toUpperCase()}) becomes decrypt-only`,
        params: { keyName, version: next, fromVersion: active.version },
        sensitive: true,
      },
    ],
  };
}

const stateWords: Record<KeyVersionState, string> = {
  pending: 'pending',
  active: 'active',
  'decrypt-only': 'decrypt-only',
  disabled: 'disabled',
  destroyed: 'destroyed',
  restored: 'restored',
};

export function planSetVersionState(
  inventory: Inventory,
  keyName: string,
  number: number,
  state: 'disabled' | 'active' | 'decrypt-only',
): { title: string; steps: StepPlan[] } {
  const current = version(inventory, keyName, number);
  requireSettled(keyName, current);
  return {
    title: `${state === 'disabled' ? 'Disable' : 'Re-enable'} ${keyName} version ${number}`,
    steps: [
      {
        action: 'set-version-state',
        description: `Mark ${keyName} v${number} (KCV ${current.kcv.toUpperCase()}) ${stateWords[state]} (it is ${stateWords[current.state]})`,
        params: { keyName, version: number, state, from: current.state },
        sensitive: true,
      },
    ],
  };
}

export function planDestroyKey(
  inventory: Inventory,
  keyName: string,
  number: number,
  folder: string,
  /** Whether a ceremony has ended (completed or aborted), or is unknown: its pending versions are nobody's now. */
  ceremonyEnded: (id: string) => boolean = () => false,
): { title: string; steps: StepPlan[] } {
  const current = version(inventory, keyName, number);
  if (current.state === 'destroyed')
    throw new KeywardError('INVALID_REQUEST', `${keyName} version ${number} is already destroyed.`, 'Nothing to do.');
  // A pending version its ended ceremony kept (its abort could not undo the generation) may only be destroyed.
  if (!(current.state === 'pending' && (current.stateCeremony === null || ceremonyEnded(current.stateCeremony))))
    requireSettled(keyName, current);
  return {
    title: `Destroy ${keyName} version ${number} (crypto-shredding)`,
    steps: [
      {
        action: 'destroy-version',
        description: `Destroy "${current.tokenLabel}" (KCV ${current.kcv.toUpperCase()}, object ${current.tokenObjectId} on token ${current.tokenSerial}) in the HSM. Data encrypted under this version can no longer be decrypted unless a backup is restored.`,
        params: { keyName, version: number, tokenObjectId: current.tokenObjectId, from: current.state },
        sensitive: true,
      },
      {
        action: 'destruction-certificate',
        description: `Write the signed destruction certificate to ${folder}`,
        params: { keyName, version: number, folder },
        sensitive: false,
      },
    ],
  };
}

/**
 * A pending version belongs to the ceremony generating it, which activates it (or, aborted, destroys it):
 * no other ceremony changes its state, so an abort of that ceremony never destroys a version in use.
 */
function requireSettled(keyName: string, current: KeyVersion): void {
  if (current.state === 'pending') {
    throw new KeywardError(
      'INVALID_REQUEST',
      `${keyName} version ${current.version} is pending: ceremony ${current.stateCeremony ?? 'unknown'} generated it and makes it active, or destroys it if aborted.`,
      'Finish or abort that ceremony first. Should its abort keep the version, it can then only be destroyed, in a destroy-key ceremony.',
    );
  }
}

/** The version's state is still the one the plan showed its approvers. */
function requireState(context: PlanningContext, params: Params): KeyVersion {
  const keyName = text(params, 'keyName');
  const found = versionsOf(context, keyName).find((v) => v.version === number(params, 'version'));
  if (!found || found.state !== text(params, 'from'))
    throw stale(
      `${keyName} version ${number(params, 'version')} is now ${found?.state ?? 'missing'}, not ${text(params, 'from')} as planned`,
    );
  return found;
}

export const lifecycleSteps: Record<string, StepExecutor> = {
  'generate-version': {
    ...generateInToken,
    stillHolds: (context, params) => {
      const keyName = text(params, 'keyName');
      const latest = versionsOf(context, keyName).at(-1)?.version ?? 0;
      if (latest !== number(params, 'version') - 1)
        throw stale(
          `${keyName} now has version ${latest}, so version ${number(params, 'version')} is not the next one`,
        );
      requireActive(context, keyName, numberOrNull(params, 'fromVersion'));
    },
    commit: recordVersion,
  },
  'set-version-state': {
    takesEffect: true,
    stillHolds: (context, params) => {
      const found = requireState(context, params);
      if (found.state === 'pending')
        throw stale(
          `${text(params, 'keyName')} version ${found.version} is pending, the version ceremony ${found.stateCeremony ?? 'unknown'} generated`,
        );
    },
    run: () => Promise.resolve({}),
    commit: (context, params, result) => changeState(context, params, result, text(params, 'state') as KeyVersionState),
    undo: (context, params, result) => putStateBack(context, params, result, text(params, 'from') as KeyVersionState),
    stillUndoable: (context, params, result) =>
      requireStateLeft(
        context,
        text(params, 'keyName'),
        number(params, 'version'),
        text(params, 'state') as KeyVersionState,
        result.replaced,
      ),
  },
  'destroy-version': {
    // Crypto-shredding cannot be undone.
    takesEffect: true,
    // The version's object, named in the signed plan (and checked to be that version's in stillHolds).
    destroys: (params) => [text(params, 'tokenObjectId')],
    stillHolds: (context, params) => {
      const found = requireState(context, params);
      if (found.tokenObjectId !== text(params, 'tokenObjectId'))
        throw stale(`${text(params, 'keyName')} version ${found.version} is now a different token object`);
    },
    run: async (context, params) => {
      try {
        const objects = await context.destroyObject(text(params, 'tokenObjectId'), 'a destruction ceremony');
        return { destroyedObjects: objects.length };
      } catch (error) {
        // Run again after an interruption: the objects were destroyed the first time, and are confirmed gone.
        if (error instanceof KeywardError && error.code === 'HSM_KEY_NOT_FOUND') return { destroyedObjects: 0 };
        throw error;
      }
    },
    commit: (context, params) => {
      context.inventory.setState(text(params, 'keyName'), number(params, 'version'), 'destroyed', {
        actors: context.actors,
        ceremony: context.ceremonyId,
      });
    },
  },
  'destruction-certificate': {
    sensitive: false,
    run: async (context, params) => {
      const keyName = text(params, 'keyName');
      const destroyedVersion = version(context.inventory, keyName, number(params, 'version'));
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
      context.claimOutput(join(text(params, 'folder'), name));
      const folder = writeNewFolder(
        text(params, 'folder'),
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
  },
};
