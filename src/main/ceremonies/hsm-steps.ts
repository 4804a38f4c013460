/**
 * The change-hsm ceremony: on an initialised workstation, which PKCS#11 module and token address Keyward
 * uses changes only with the security officers' quorum, because every PIN typed afterwards goes through
 * that module. The module must be a library Keyward may load (src/main/hsm/module-path.ts); its SHA-256
 * is shown in the plan, checked again when the step runs and audited; and the token it reaches must be
 * the one that holds the workstation key, so the workstation can still sign.
 */
import { KeywardError } from '../../shared/errors';
import { hexGroups, pgpWordsOf } from '../../shared/fingerprint';
import type { HsmSettings } from '../../shared/settings';
import type { StepPlan } from './engine';
import { stale, text, type StepExecutor } from './steps';

/** What Keyward finds when it looks at a module and token before using them (no login: no PIN goes to the module). */
export interface HsmInspection {
  /** The module file's SHA-256, hex. */
  moduleSha256: string;
  tokenSerial: string;
  tokenLabel: string;
}

/** The workstation's HSM choice, as a step reads, checks and saves it. */
export interface HsmSelection {
  current(): HsmSettings;
  /** Loads the module in a throw-away HSM process, and checks that the token holds the workstation key. */
  inspect(modulePath: string, tokenUri: string): Promise<HsmInspection>;
  save(settings: HsmSettings): void;
}

const describeSettings = (settings: HsmSettings): string => (settings.mode === 'rehearsal' ? 'the rehearsal token' : `${settings.modulePath}, token ${settings.tokenUri}`);

export async function planChangeHsm(selection: HsmSelection, modulePath: string, tokenUri: string): Promise<{ title: string; steps: StepPlan[] }> {
  const current = selection.current();
  if (current.mode === 'hsm' && current.modulePath === modulePath && current.tokenUri === tokenUri) {
    throw new KeywardError('INVALID_REQUEST', 'The workstation already uses this module and token.', 'Name the new module file or token address.');
  }
  const found = await selection.inspect(modulePath, tokenUri);
  return {
    title: `Change the HSM module to ${modulePath}`,
    steps: [
      {
        action: 'select-hsm',
        description: `Use the PKCS#11 module ${modulePath} (SHA-256 ${hexGroups(found.moduleSha256)} / ${pgpWordsOf(found.moduleSha256).join(' ')}) and the token "${found.tokenLabel}" (serial ${found.tokenSerial}, which holds the workstation key) at ${tokenUri}, instead of ${describeSettings(current)}. Every PIN typed afterwards goes through this module.`,
        params: { modulePath, tokenUri, moduleSha256: found.moduleSha256, tokenSerial: found.tokenSerial, from: describeSettings(current) },
        sensitive: true,
      },
    ],
  };
}

export const hsmSteps: Record<string, StepExecutor> = {
  'select-hsm': {
    takesEffect: true,
    stillHolds: (context, params) => {
      if (describeSettings(context.hsm.current()) !== text(params, 'from')) throw stale(`the workstation now uses ${describeSettings(context.hsm.current())}, not ${text(params, 'from')} as planned`);
    },
    run: async (context, params) => {
      const found = await context.hsm.inspect(text(params, 'modulePath'), text(params, 'tokenUri'));
      if (found.moduleSha256 !== text(params, 'moduleSha256')) {
        throw new KeywardError('HSM_MODULE_REFUSED', `The module file ${text(params, 'modulePath')} has changed since the ceremony was planned (SHA-256 now ${hexGroups(found.moduleSha256)}); it was not selected.`, 'Find out why the file changed (a vendor update?), then plan the change again.');
      }
      if (found.tokenSerial !== text(params, 'tokenSerial')) throw stale(`the token at ${text(params, 'tokenUri')} is now serial ${found.tokenSerial}`);
      return { moduleSha256: found.moduleSha256, tokenSerial: found.tokenSerial };
    },
    commit: (context, params) => {
      const settings: HsmSettings = { mode: 'hsm', modulePath: text(params, 'modulePath'), tokenUri: text(params, 'tokenUri') };
      context.log.append({ actors: context.actors, action: 'hsm.select', subject: settings.tokenUri, outcome: 'success', details: { mode: 'hsm', modulePath: settings.modulePath, moduleSha256: text(params, 'moduleSha256'), tokenSerial: text(params, 'tokenSerial'), ceremony: context.ceremonyId } });
      context.hsm.save(settings);
    },
  },
};
