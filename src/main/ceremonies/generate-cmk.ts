/**
 * The generate-CMK ceremony: the key generated in the token (approved by the quorum), recorded as
 * version 1, pending; then activated (approved again). The engine ends it with a signed checkpoint.
 * Aborting destroys the key and marks the version destroyed; once it is active, only an abort the quorum
 * signs undoes the activation first.
 */
import type { StepValue } from '../../shared/ceremonies';
import { KeywardError } from '../../shared/errors';
import type { KeyVersion, KeyVersionState } from '../../shared/inventory';
import { cmkSpecs, type CmkSpec } from '../../shared/keys';
import type { Inventory } from '../store/inventory';
import type { StepPlan } from './engine';
import {
  number,
  numberOrNull,
  stale,
  text,
  type Params,
  type PlanningContext,
  type Result,
  type StepContext,
  type StepExecutor,
} from './steps';

export interface NewCmk {
  keyName: string;
  purpose: string;
  provider: string | null;
  spec: CmkSpec;
  rotationDays: number;
}

/** What "every CMK protection" means, in the words the plan shows (the template in src/main/hsm/host/templates.ts). */
export const cmkProtectionWords =
  'never readable in clear, leaving the token only wrapped by a key the security officer marked trusted, used for nothing else, unchangeable and uncopyable';

export function planGenerateCmk(inventory: Inventory, request: NewCmk): { title: string; steps: StepPlan[] } {
  if (!cmkSpecs.includes(request.spec))
    throw new KeywardError(
      'INVALID_REQUEST',
      `${request.spec} is not a key type Keyward generates.`,
      `Choose one of ${cmkSpecs.join(', ')}.`,
    );
  if (inventory.list().some((k) => k.name === request.keyName)) {
    throw new KeywardError(
      'INVALID_REQUEST',
      `The inventory already has a key named "${request.keyName}".`,
      'Choose another name, or rotate the existing key in a rotation ceremony.',
    );
  }
  const label = `${request.keyName} v1`;
  return {
    title: `Generate ${request.spec} key "${request.keyName}"`,
    steps: [
      {
        action: 'generate-key',
        description: `Generate ${request.spec} key "${label}" inside the HSM for ${request.purpose}${request.provider ? ` (provider: ${request.provider})` : ''}, rotated every ${request.rotationDays} days, with every CMK protection (${cmkProtectionWords})`,
        params: {
          keyName: request.keyName,
          purpose: request.purpose,
          provider: request.provider,
          spec: request.spec,
          rotationDays: request.rotationDays,
          label,
        },
        sensitive: true,
      },
      {
        action: 'activate-version',
        description: `Make "${label}" the active version of ${request.keyName} (it has none yet)`,
        params: { keyName: request.keyName, version: 1, fromVersion: null },
        sensitive: true,
      },
    ],
  };
}

/** A new key in the token, under the label and CKA_ID its plan reserved: shared by generation and rotation. */
export const generateInToken: Pick<StepExecutor, 'creates' | 'run' | 'undo' | 'stillUndoable'> = {
  creates: (params) => [text(params, 'label')],
  run: async (context, params) => {
    const label = text(params, 'label');
    const key = await context.client.request('generateCmk', {
      uri: context.uri,
      id: context.objectId(label),
      label,
      spec: text(params, 'spec') as CmkSpec,
    });
    return { tokenObjectId: key.id, kcv: key.kcv, kcvSource: key.kcvSource, label: key.label };
  },
  // The key is the one the signed plan reserved: the CKA_ID comes from the plan, never from the step's stored result.
  undo: async (context, params, result) => {
    await context.destroyObject(context.objectId(text(params, 'label')), 'the ceremony that generated it was aborted');
    context.inventory.setState(text(params, 'keyName'), number(result, 'version'), 'destroyed', {
      actors: context.actors,
      ceremony: context.ceremonyId,
    });
  },
  // The version's state was last set by this ceremony (pending, or active by its own activation, which the
  // abort undoes first): a version another ceremony has since activated or changed is never destroyed.
  stillUndoable: (context, params, result) => {
    const keyName = text(params, 'keyName');
    const made = versionsOf(context, keyName).find((v) => v.version === number(result, 'version'));
    if (!made || made.state === 'destroyed' || made.stateCeremony !== context.ceremonyId) {
      throw stale(
        `${keyName} version ${number(result, 'version')}, which this ceremony generated, is ${made ? made.state : 'missing'} now${made && made.stateCeremony !== context.ceremonyId ? `, set by ceremony ${made.stateCeremony ?? 'unknown'}` : ''}`,
      );
    }
    requireNotHandedOut(context, keyName, made.version);
  },
};

/** The new token key as the next version of a key in the inventory (pending until activated). */
export function recordVersion(context: StepContext, params: Params, result: Result): void {
  const added = context.inventory.addVersion(
    text(params, 'keyName'),
    {
      tokenSerial: context.tokenSerial,
      tokenObjectId: text(result, 'tokenObjectId'),
      tokenLabel: text(result, 'label'),
      kcv: text(result, 'kcv'),
    },
    { actors: context.actors, ceremony: context.ceremonyId },
  );
  result.version = added.version;
}

/** The key's versions as they are now, or a stale refusal when the key is gone. */
export function versionsOf(context: PlanningContext, keyName: string): KeyVersion[] {
  const key = context.inventory.list().find((k) => k.name === keyName);
  if (!key) throw stale(`the inventory no longer has a key named "${keyName}"`);
  return key.versions;
}

const activeOf = (versions: KeyVersion[]): number | null => versions.find((v) => v.state === 'active')?.version ?? null;
const named = (version: number | null): string => (version === null ? 'none' : `version ${version}`);

/** The active version is still the one the plan named (none, for a first generation). */
export function requireActive(context: PlanningContext, keyName: string, planned: number | null): void {
  const active = activeOf(versionsOf(context, keyName));
  if (active !== planned)
    throw stale(`the active version of ${keyName} is now ${named(active)}, not ${named(planned)} as planned`);
}

/**
 * Makes a pending version the one providers use. Before: it is the version this ceremony generated and
 * still pending, and the active version is the one the plan named. Undone (with the quorum's abort) by
 * putting back the version it replaced, so an abort never leaves a key without its active version.
 */
export const activateVersion: StepExecutor = {
  takesEffect: true,
  stillHolds: (context, params) => {
    const keyName = text(params, 'keyName');
    const version = versionsOf(context, keyName).find((v) => v.version === number(params, 'version'));
    if (!version || version.state !== 'pending' || version.stateCeremony !== context.ceremonyId) {
      throw stale(
        `${keyName} version ${number(params, 'version')} is not the pending version this ceremony generated (it is ${version ? version.state : 'missing'})`,
      );
    }
    requireActive(context, keyName, numberOrNull(params, 'fromVersion'));
  },
  run: () => Promise.resolve({}),
  commit: (context, params, result) => changeState(context, params, result, 'active'),
  undo: (context, params, result) => putStateBack(context, params, result, 'pending'),
  stillUndoable: (context, params, result) => {
    requireStateLeft(context, text(params, 'keyName'), number(params, 'version'), 'active', result.replaced);
    requireNotHandedOut(context, text(params, 'keyName'), number(params, 'version'));
  },
};

/**
 * A version this ceremony made, exported or backed up since by another ceremony, is kept as it is: a copy
 * is out there, and data may already be encrypted under it.
 */
function requireNotHandedOut(context: PlanningContext, keyName: string, version: number): void {
  const elsewhere = context.handedOut(keyName, version);
  if (elsewhere.length)
    throw stale(
      `${keyName} version ${version}, which this ceremony made, was since handed out of the token by ceremony ${elsewhere.join(', ')} (an export or a backup)`,
    );
}

/**
 * Sets a version's state, recording in the step's result what an undo puts back: the version it demotes
 * (when it makes this one active) and the rotation date as it was.
 */
export function changeState(context: StepContext, params: Params, result: Result, state: KeyVersionState): void {
  const keyName = text(params, 'keyName');
  const key = context.inventory.get(keyName);
  result.replaced = state === 'active' ? activeOf(key.versions) : null;
  result.previousRotationDue = key.nextRotationDue;
  context.inventory.setState(keyName, number(params, 'version'), state, {
    actors: context.actors,
    ceremony: context.ceremonyId,
  });
}

/** Undoes changeState: the version back in `state`, the one it demoted active again, the rotation date as it was. */
export function putStateBack(
  context: StepContext,
  params: Params,
  result: Result,
  state: KeyVersionState,
): Promise<void> {
  const { replaced, previousRotationDue: due } = result;
  context.inventory.revertState(
    text(params, 'keyName'),
    number(params, 'version'),
    state,
    { reactivate: typeof replaced === 'number' ? replaced : null, rotationDue: typeof due === 'string' ? due : null },
    { actors: context.actors, ceremony: context.ceremonyId },
  );
  return Promise.resolve();
}

/**
 * Undoing a state change puts back what the step found, so it must be what the step left: the version in
 * the state it set, by this ceremony, and the version it demoted still demoted by it. Otherwise a later
 * ceremony changed the key since, and putting back would undo that ceremony's work too.
 */
export function requireStateLeft(
  context: PlanningContext,
  keyName: string,
  version: number,
  state: KeyVersionState,
  replaced: StepValue | undefined,
): void {
  const versions = versionsOf(context, keyName);
  const changed = versions.find((v) => v.version === version);
  if (!changed || changed.state !== state || changed.stateCeremony !== context.ceremonyId) {
    throw stale(
      `${keyName} version ${version} is ${changed ? changed.state : 'missing'} now${changed && changed.stateCeremony !== context.ceremonyId ? `, set by ceremony ${changed.stateCeremony ?? 'unknown'}` : ''}, no longer the ${state} version this ceremony made it`,
    );
  }
  if (typeof replaced !== 'number') return;
  const demoted = versions.find((v) => v.version === replaced);
  if (!demoted || demoted.state !== 'decrypt-only' || demoted.stateCeremony !== context.ceremonyId) {
    throw stale(
      `${keyName} version ${replaced}, which this ceremony made decrypt-only, is ${demoted ? demoted.state : 'missing'} now${demoted && demoted.stateCeremony !== context.ceremonyId ? `, set by ceremony ${demoted.stateCeremony ?? 'unknown'}` : ''}`,
    );
  }
}

export const generateCmkSteps: Record<string, StepExecutor> = {
  'generate-key': {
    ...generateInToken,
    stillHolds: (context, params) => {
      if (context.inventory.list().some((k) => k.name === text(params, 'keyName')))
        throw stale(`the inventory now has a key named "${text(params, 'keyName')}"`);
    },
    commit: (context, params, result) => {
      const provider = params.provider;
      context.inventory.addKey(
        {
          name: text(params, 'keyName'),
          purpose: text(params, 'purpose'),
          provider: typeof provider === 'string' ? provider : null,
          spec: text(params, 'spec') as CmkSpec,
          rotationDays: number(params, 'rotationDays'),
        },
        { actors: context.actors, ceremony: context.ceremonyId },
      );
      recordVersion(context, params, result);
    },
  },
  'activate-version': activateVersion,
};
