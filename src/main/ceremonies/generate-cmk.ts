/**
 * The generate-CMK ceremony: the key generated in the token (approved by the quorum), recorded as
 * version 1, pending; then activated (approved again). The engine ends it with a signed checkpoint.
 * Aborting destroys the key and marks the version destroyed.
 */
import { KeywardError } from '../../shared/errors';
import { cmkSpecs, type CmkSpec } from '../../shared/keys';
import type { Inventory } from '../store/inventory';
import type { StepPlan } from './engine';
import { number, text, type Params, type Result, type StepContext, type StepExecutor } from './steps';

export interface NewCmk {
  keyName: string;
  purpose: string;
  provider: string | null;
  spec: CmkSpec;
  rotationDays: number;
}

export function planGenerateCmk(inventory: Inventory, request: NewCmk): { title: string; steps: StepPlan[] } {
  if (!cmkSpecs.includes(request.spec)) throw new KeywardError('INVALID_REQUEST', `${request.spec} is not a key type Keyward generates.`, `Choose one of ${cmkSpecs.join(', ')}.`);
  if (inventory.list().some((k) => k.name === request.keyName)) {
    throw new KeywardError('INVALID_REQUEST', `The inventory already has a key named "${request.keyName}".`, 'Choose another name, or rotate the existing key in a rotation ceremony.');
  }
  const label = `${request.keyName} v1`;
  return {
    title: `Generate ${request.spec} key "${request.keyName}"`,
    steps: [
      {
        action: 'generate-key',
        description: `Generate ${request.spec} key "${label}" inside the HSM, with every CMK protection`,
        params: { keyName: request.keyName, purpose: request.purpose, provider: request.provider, spec: request.spec, rotationDays: request.rotationDays, label },
        sensitive: true,
      },
      { action: 'activate-version', description: `Make "${label}" the active version of ${request.keyName}`, params: { keyName: request.keyName, version: 1 }, sensitive: true },
    ],
  };
}

/** A new key in the token under a reserved label: shared by generation and rotation. */
export const generateInToken: Pick<StepExecutor, 'reserveLabels' | 'run' | 'undo'> = {
  reserveLabels: (params) => [text(params, 'label')],
  run: async (context, params) => {
    const key = await context.client.request('generateCmk', { uri: context.uri, label: text(params, 'label'), spec: text(params, 'spec') as CmkSpec });
    return { tokenObjectId: key.id, kcv: key.kcv, kcvSource: key.kcvSource, label: key.label };
  },
  undo: async (context, params, result) => {
    await context.client.request('destroyKey', { uri: context.uri, id: text(result, 'tokenObjectId') });
    context.inventory.setState(text(params, 'keyName'), number(result, 'version'), 'destroyed', { actors: context.actors, ceremony: context.ceremonyId });
  },
};

/** The new token key as the next version of a key in the inventory (pending until activated). */
export function recordVersion(context: StepContext, params: Params, result: Result): void {
  const added = context.inventory.addVersion(text(params, 'keyName'), { tokenSerial: context.tokenSerial, tokenObjectId: text(result, 'tokenObjectId'), tokenLabel: text(result, 'label'), kcv: text(result, 'kcv') }, { actors: context.actors, ceremony: context.ceremonyId });
  result.version = added.version;
}

export const generateCmkSteps: Record<string, StepExecutor> = {
  'generate-key': {
    ...generateInToken,
    commit: (context, params, result) => {
      const provider = params.provider;
      context.inventory.addKey(
        { name: text(params, 'keyName'), purpose: text(params, 'purpose'), provider: typeof provider === 'string' ? provider : null, spec: text(params, 'spec') as CmkSpec, rotationDays: number(params, 'rotationDays') },
        { actors: context.actors, ceremony: context.ceremonyId },
      );
      recordVersion(context, params, result);
    },
  },
  'activate-version': {
    run: () => Promise.resolve({}),
    commit: (context, params) => {
      context.inventory.setState(text(params, 'keyName'), number(params, 'version'), 'active', { actors: context.actors, ceremony: context.ceremonyId });
    },
  },
};
