/**
 * The steps of a CMK version's making: the key generated in the token (approved by the quorum) and
 * recorded as a pending version, then activated (approved again). Aborting destroys the key and marks the
 * version destroyed; once it is active, only an abort the quorum signs undoes the activation first.
 */
import { z } from 'zod';
import type { StepValue } from '../../shared/ceremonies';
import type { KeyVersion, KeyVersionState } from '../../shared/inventory';
import { cmkSpecs } from '../../shared/keys';
import {
  asSecurityOfficer,
  defineStep,
  resultNumber,
  resultText,
  stale,
  type PlanningContext,
  type Result,
  type StepContext,
} from './steps';

const keyNameText = z.string().min(1);
const versionNumber = z.number().int().min(1);
/** A key version in a step's params: the key's name and the version's number. */
export const versionParams = z.object({ keyName: keyNameText, version: versionNumber });
type VersionParams = z.output<typeof versionParams>;

/** What "every CMK protection" means, in the words the plan shows (the template in src/main/hsm/host/templates.ts). */
export const cmkProtectionWords =
  'never readable in clear, leaving the token only wrapped by a key the security officer marked trusted, used for nothing else, unchangeable and uncopyable';

/** What generating a key in the token needs: the key it becomes a version of, its token label and type. */
export const generatedParams = z.object({ keyName: keyNameText, label: z.string().min(1), spec: z.enum(cmkSpecs) });
type GeneratedParams = z.output<typeof generatedParams>;

/** A new key in the token, under the label and CKA_ID its plan reserved: shared by generation and rotation. */
export const generateInToken = {
  creates: (params: GeneratedParams) => [params.label],
  run: async (context: StepContext, params: GeneratedParams): Promise<Result> => {
    // A token without CKA_CHECK_VALUE (NSS's softoken): the check value is computed in the token, under a
    // trusted check key only the security officer can prepare.
    const secret = params.spec.startsWith('AES_') || params.spec.startsWith('HMAC_');
    if (secret && !(await context.client.request('reportsCheckValue', { uri: context.uri })))
      await asSecurityOfficer(context, () => context.client.request('prepareKeyCheck', { uri: context.uri }));
    const key = await context.client.request('generateCmk', {
      uri: context.uri,
      id: context.objectId(params.label),
      label: params.label,
      spec: params.spec,
    });
    // A key pair's fingerprint first: it is what officers compare for RSA and EC keys.
    return {
      ...(key.publicKeySha256 ? { publicKeySha256: key.publicKeySha256 } : {}),
      tokenObjectId: key.id,
      kcv: key.kcv,
      kcvSource: key.kcvSource,
      label: key.label,
    };
  },
  // The key is the one the signed plan reserved: the CKA_ID comes from the plan, never from the step's stored result.
  undo: async (context: StepContext, params: GeneratedParams, result: Result): Promise<void> => {
    await context.destroyObject(context.objectId(params.label), 'the ceremony that generated it was aborted');
    context.inventory.setState(params.keyName, resultNumber(result, 'version'), 'destroyed', {
      actors: context.actors,
      ceremony: context.ceremonyId,
    });
  },
  // The version's state was last set by this ceremony (pending, or active by its own activation, which the
  // abort undoes first): a version another ceremony has since activated or changed is never destroyed.
  stillUndoable: (context: PlanningContext, params: GeneratedParams, result: Result): void => {
    const made = versionsOf(context, params.keyName).find((v) => v.version === resultNumber(result, 'version'));
    if (!made || made.state === 'destroyed' || made.stateCeremony !== context.ceremonyId) {
      throw stale(
        `${params.keyName} version ${resultNumber(result, 'version')}, which this ceremony generated, is ${made ? made.state : 'missing'} now${made && made.stateCeremony !== context.ceremonyId ? `, set by ceremony ${made.stateCeremony ?? 'unknown'}` : ''}`,
      );
    }
    requireNotHandedOut(context, params.keyName, made.version);
  },
};

/** The new token key as the next version of a key in the inventory (pending until activated). */
export function recordVersion(context: StepContext, params: { keyName: string }, result: Result): void {
  const added = context.inventory.addVersion(
    params.keyName,
    {
      tokenSerial: context.tokenSerial,
      tokenObjectId: resultText(result, 'tokenObjectId'),
      tokenLabel: resultText(result, 'label'),
      kcv: resultText(result, 'kcv'),
      publicKeySha256: typeof result.publicKeySha256 === 'string' ? result.publicKeySha256 : null,
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
export const activateVersion = defineStep({
  action: 'activate-version',
  params: versionParams.extend({ fromVersion: versionNumber.nullable() }),
  takesEffect: true,
  stillHolds: (context, params) => {
    const version = versionsOf(context, params.keyName).find((v) => v.version === params.version);
    if (!version || version.state !== 'pending' || version.stateCeremony !== context.ceremonyId) {
      throw stale(
        `${params.keyName} version ${params.version} is not the pending version this ceremony generated (it is ${version ? version.state : 'missing'})`,
      );
    }
    requireActive(context, params.keyName, params.fromVersion);
  },
  run: () => Promise.resolve({}),
  commit: (context, params, result) => changeState(context, params, result, 'active'),
  undo: (context, params, result) => putStateBack(context, params, result, 'pending'),
  stillUndoable: (context, params, result) => {
    requireStateLeft(context, params.keyName, params.version, 'active', result.replaced);
    requireNotHandedOut(context, params.keyName, params.version);
  },
});

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
export function changeState(context: StepContext, params: VersionParams, result: Result, state: KeyVersionState): void {
  const key = context.inventory.get(params.keyName);
  result.replaced = state === 'active' ? activeOf(key.versions) : null;
  result.previousRotationDue = key.nextRotationDue;
  context.inventory.setState(params.keyName, params.version, state, {
    actors: context.actors,
    ceremony: context.ceremonyId,
  });
}

/** Undoes changeState: the version back in `state`, the one it demoted active again, the rotation date as it was. */
export function putStateBack(
  context: StepContext,
  params: VersionParams,
  result: Result,
  state: KeyVersionState,
): Promise<void> {
  const { replaced, previousRotationDue: due } = result;
  context.inventory.revertState(
    params.keyName,
    params.version,
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

export const generateKey = defineStep({
  action: 'generate-key',
  params: generatedParams.extend({
    purpose: z.string().min(1),
    provider: z.string().min(1).nullable().default(null),
    rotationDays: z.number().int().min(1),
  }),
  ...generateInToken,
  stillHolds: (context, params) => {
    if (context.inventory.list().some((k) => k.name === params.keyName))
      throw stale(`the inventory now has a key named "${params.keyName}"`);
  },
  commit: (context, params, result) => {
    context.inventory.addKey(
      {
        name: params.keyName,
        purpose: params.purpose,
        provider: params.provider,
        spec: params.spec,
        rotationDays: params.rotationDays,
      },
      { actors: context.actors, ceremony: context.ceremonyId },
    );
    recordVersion(context, params, result);
  },
});
