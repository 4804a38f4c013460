/**
 * The change-hsm ceremony: on an initialised workstation, which PKCS#11 module and token address Keyward
 * uses changes only with the security officers' quorum, because every PIN typed afterwards goes through
 * that module. The module must be a library Keyward may load (src/main/hsm/module-path.ts); its SHA-256
 * is shown in the plan, checked again when the step runs and audited; and the token it reaches must be
 * the one that holds the workstation key, so the workstation can still sign. The step signs the new
 * selection with the workstation key (src/main/hsm/client/approved-selection.ts): Keyward checks that approval,
 * and the module file against it, before every later login. The same module and token can be approved
 * again, when their saved selection carries no valid approval (saved before approvals were signed) or
 * the module file changed since (a vendor update).
 */
import { z } from 'zod';
import { KeywardError } from '../../shared/errors';
import { hexGroups } from '../../shared/fingerprint';
import { moduleArgsSchema, moduleEnvSchema, moduleLoadInWords, moduleLoadOf } from '../../shared/module-load';
import { rehearsalOnlyOf, type HsmSettings } from '../../shared/settings';
import { sameSelection, selectionApprovalSchema, signSelection } from '../hsm/client/approved-selection';
import { defineStep, stale } from './steps';

export const describeSettings = (settings: HsmSettings): string => {
  if (settings.mode === 'rehearsal') return 'the rehearsal token';
  const how = moduleLoadInWords(settings);
  return `${settings.modulePath}${how ? ` (${how})` : ''}, token ${settings.tokenUri}${settings.rehearsalOnly ? ', for rehearsals only' : ''}`;
};

const targetOf = (params: {
  modulePath: string;
  tokenUri: string;
  moduleArgs?: string | undefined;
  moduleEnv?: Record<string, string> | undefined;
  rehearsalOnly?: true | undefined;
}): Extract<HsmSettings, { mode: 'hsm' }> => ({
  mode: 'hsm',
  ...moduleLoadOf(params),
  tokenUri: params.tokenUri,
  ...(params.rehearsalOnly ? { rehearsalOnly: true as const } : {}),
});

export const selectHsm = defineStep({
  action: 'select-hsm',
  params: z.object({
    modulePath: z.string().min(1),
    moduleArgs: moduleArgsSchema.optional(),
    moduleEnv: moduleEnvSchema.optional(),
    tokenUri: z.string().min(1),
    rehearsalOnly: z.literal(true).optional(),
    moduleSha256: z.string().regex(/^[0-9a-f]{64}$/),
    tokenSerial: z.string(),
    from: z.string(),
  }),
  takesEffect: true,
  stillHolds: (context, params) => {
    const now = context.hsm.current();
    // The selection planned from, or already the target: the step then completes what it began (it signs
    // the target again only after checking the module file's SHA-256 against the plan).
    if (describeSettings(now) === params.from || sameSelection(now, targetOf(params))) return;
    throw stale(`the workstation now uses ${describeSettings(now)}, not ${params.from} as planned`);
  },
  run: async (context, params) => {
    const target = targetOf(params);
    const found = await context.hsm.inspect(target, target.tokenUri);
    if (found.moduleSha256 !== params.moduleSha256) {
      throw new KeywardError(
        'HSM_MODULE_REFUSED',
        `The module file ${target.modulePath} has changed since the ceremony was planned (SHA-256 now ${hexGroups(found.moduleSha256)}); it was not selected.`,
        'Find out why the file changed (a vendor update?), then plan the change again.',
      );
    }
    if (found.tokenSerial !== params.tokenSerial)
      throw stale(`the token at ${target.tokenUri} is now serial ${found.tokenSerial}`);
    // The quorum's approval, as Keyward checks it before every later login: signed by the workstation key.
    const approval = await signSelection(context.signer, target, {
      moduleSha256: found.moduleSha256,
      tokenSerial: found.tokenSerial,
      approvedIn: context.ceremonyId,
      approvedAt: new Date().toISOString(),
    });
    return { moduleSha256: found.moduleSha256, tokenSerial: found.tokenSerial, approval };
  },
  commit: (context, params, result) => {
    const settings = targetOf(params);
    const approval = selectionApprovalSchema.parse(result.approval);
    context.log.append({
      actors: context.actors,
      action: 'hsm.select',
      subject: settings.tokenUri,
      outcome: 'success',
      details: {
        mode: 'hsm',
        ...moduleLoadOf(settings),
        ...rehearsalOnlyOf(settings),
        moduleSha256: params.moduleSha256,
        tokenSerial: params.tokenSerial,
        ceremony: context.ceremonyId,
        approvalSignature: approval.signature,
      },
    });
    context.hsm.save({ settings, approval }, context.ceremonyId);
  },
});
