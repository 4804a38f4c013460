/**
 * Changing which PKCS#11 module and token the workstation uses (or approving the same ones again): the
 * security officers decide, because every PIN typed afterwards goes through that module.
 */
import { z } from 'zod';
import { KeywardError } from '../../../shared/errors';
import { hexGroups, pgpWordsOf } from '../../../shared/fingerprint';
import {
  moduleArgsSchema,
  moduleEnvSchema,
  moduleLoadInWords,
  moduleLoadOf,
  type ModuleLoad,
} from '../../../shared/module-load';
import { parseTokenUri } from '../../../shared/pkcs11-uri';
import { sameSelection } from '../../hsm/client/approved-selection';
import { defineCeremony, officersPresent, securityOfficerQuorum, type Planned } from '../ceremony-type';
import type { HsmSelection } from '../hsm-selection';
import { describeSettings, selectHsm } from '../hsm-steps';

export async function planChangeHsm(
  selection: HsmSelection,
  load: ModuleLoad,
  tokenUri: string,
  rehearsalOnly = false,
): Promise<Planned> {
  const { modulePath } = load;
  const current = selection.current();
  const found = await selection.inspect(load, tokenUri);
  const use = rehearsalOnly ? { rehearsalOnly: true as const } : {};
  const again = sameSelection(current, { mode: 'hsm', ...moduleLoadOf(load), tokenUri, ...use });
  const approved = selection.approvedModuleSha256();
  if (again && approved === found.moduleSha256) {
    throw new KeywardError(
      'INVALID_REQUEST',
      'The workstation already uses this module and token, as the security officers approved them.',
      'Name the new module file or token address.',
    );
  }
  const how = moduleLoadInWords(load);
  const module = `the PKCS#11 module ${modulePath} (SHA-256 ${hexGroups(found.moduleSha256)} / ${pgpWordsOf(found.moduleSha256).join(' ')})${how ? `, ${how},` : ''} and the token "${found.tokenLabel}" (serial ${found.tokenSerial}, which holds the workstation key) at ${tokenUri}${rehearsalOnly ? ', for REHEARSALS ONLY (everything made with it is marked REHEARSAL)' : ''}`;
  const why = approved
    ? `its module file changed since they were approved (approved SHA-256 ${hexGroups(approved)})`
    : 'their saved selection carries no approval signed by the workstation key (it was saved before Keyward signed approvals)';
  return {
    title: again ? `Approve the HSM module ${modulePath} again` : `Change the HSM module to ${modulePath}`,
    steps: [
      selectHsm.plan(
        again
          ? `Approve again ${module}, which the workstation already uses: ${why}. Every PIN typed afterwards goes through this module.`
          : `Use ${module}, instead of ${describeSettings(current)}. Every PIN typed afterwards goes through this module.`,
        {
          ...moduleLoadOf(load),
          tokenUri,
          ...use,
          moduleSha256: found.moduleSha256,
          tokenSerial: found.tokenSerial,
          from: describeSettings(current),
        },
      ),
    ],
  };
}

/** A token address the plan names, checked as Keyward reads it (the reason kept for the refusal). */
const tokenAddress = z
  .string()
  .min(1)
  .max(2048)
  .superRefine((uri, issues) => {
    try {
      parseTokenUri(uri);
    } catch (error) {
      issues.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    }
  });

export const changeHsm = defineCeremony({
  type: 'change-hsm',
  title: 'Change the HSM module',
  description:
    "Which PKCS#11 module and token address the workstation uses; the module's SHA-256 is read aloud and the security officers approve it.",
  // Every PIN typed afterwards goes through the module: the security officers decide.
  policy: securityOfficerQuorum,
  dualControl: true,
  form: [
    {
      kind: 'text',
      path: 'hsm.module',
      id: 'hsm-module',
      label: 'PKCS#11 module file',
      hint: "Installed by the HSM vendor's package in a system folder (for example /usr/lib/vendor/libvendorpkcs11.so); its SHA-256 is shown in the plan.",
    },
    {
      kind: 'text',
      path: 'hsm.token',
      id: 'hsm-token',
      label: 'Token address (PKCS#11 URI)',
      hint: "The token that holds this workstation's signing key, e.g. pkcs11:token=CMK%20HSM;serial=1234.",
    },
    {
      kind: 'text',
      path: 'hsm.args',
      id: 'hsm-args',
      label: 'Module arguments (optional)',
      hint: "Only if the vendor documents arguments to C_Initialize (NSS: configdir='sql:/path' …). Shown in the plan; never a PIN.",
      optional: true,
    },
    {
      kind: 'variables',
      path: 'hsm.env',
      id: 'hsm-env',
      label: 'Module variables (optional)',
      hint: 'One NAME=VALUE per line, e.g. a vendor configuration file; only variables that cannot load other code are passed.',
    },
    {
      kind: 'choice',
      path: 'hsm.use',
      id: 'hsm-use',
      label: 'What the token is for',
      options: [
        { value: 'production', label: 'Production: it protects real keys (it must enforce what Keyward relies on)' },
        { value: 'rehearsals', label: 'Rehearsals only: everything made with it is marked REHEARSAL' },
      ],
      initial: 'production',
    },
  ],
  plan: z
    .object({
      ceremony: z.literal('change-hsm'),
      officers: officersPresent,
      hsm: z
        .object({
          module: z
            .string()
            .min(1)
            .max(4096)
            .refine((p) => p.startsWith('/'), 'the module is a full path (starting with /)'),
          token: tokenAddress,
          /** C_Initialize's arguments, for a module that needs them (NSS: its database folder). */
          args: moduleArgsSchema.optional(),
          /** Variables the module reads (its configuration file), from those Keyward passes. */
          env: moduleEnvSchema.optional(),
          /** A token that protects nothing real (one that does not enforce what Keyward relies on can serve only so). */
          use: z.enum(['production', 'rehearsals']).default('production'),
        })
        .strict(),
    })
    .strict(),
  steps: [selectHsm],
  build: ({ hsm }, { workstation }) =>
    planChangeHsm(
      workstation.hsmSelection(),
      moduleLoadOf({ modulePath: hsm.module, moduleArgs: hsm.args, moduleEnv: hsm.env }),
      hsm.token,
      hsm.use === 'rehearsals',
    ),
});
