/**
 * `keyward ceremony run PLAN.yaml`: the plan and its digest shown first (hex and PGP words, to read
 * aloud), each officer checks in with their passphrase, each sensitive step is approved by officers in
 * turn until the quorum is met, and every step's outcome is printed. Passphrases come from the terminal,
 * or on the rehearsal token from an answers file.
 */
import { readFileSync } from 'node:fs';
import type { CeremonyPlan } from '../shared/ceremonies';
import { KeywardError } from '../shared/errors';
import { hexGroups, pgpWordsOf } from '../shared/fingerprint';
import { readAnswersFile, readPlanFile, type Answers } from '../main/ceremonies/plan-file';
import { planGenerateCmk } from '../main/ceremonies/generate-cmk';
import type { Workstation } from '../main/workstation';
import { readPinParts, readSecret } from './secret-input';

type Print = (text: string) => void;

export function describePlan(plan: CeremonyPlan): string {
  return [
    `CEREMONY ${plan.title}`,
    `Ceremony id: ${plan.id}`,
    ...plan.steps.map((s) => `  ${s.index + 1}. ${s.description}${s.sensitive ? ' [needs the quorum\'s approval]' : ''}`),
    'Plan digest (read it aloud; every officer checks it before checking in):',
    `  ${hexGroups(plan.planDigest)}`,
    `  ${pgpWordsOf(plan.planDigest).join(' ')}`,
    '',
  ].join('\n');
}

export async function runCeremony(workstation: Workstation, planPath: string, answersPath: string | undefined, pinParts: number, transcriptDir: string, print: Print): Promise<boolean> {
  const planFile = readPlanFile(planPath, readFileSync(planPath, 'utf8'));
  const status = await workstation.tokenStatus();
  let answers: Answers | undefined;
  if (answersPath) {
    if (!status.rehearsal) {
      throw new KeywardError('INVALID_REQUEST', 'An answers file is accepted on the rehearsal token only: on a real HSM every PIN part and passphrase is typed by its officer.', 'Run the ceremony without --answers.');
    }
    answers = readAnswersFile(answersPath, readFileSync(answersPath, 'utf8'));
  }
  const tokenName = `token "${status.token.label}" (serial ${status.token.serial})${status.rehearsal ? ', the REHEARSAL token' : ''}`;
  const login = await workstation.login('user', answers?.pinParts ?? (await readPinParts(tokenName, 'user', pinParts)));
  for (const warning of login.warnings) print(`Warning: ${warning}\n`);
  const passphrase = async (officer: string, purpose: string): Promise<string> => {
    const given = answers?.passphrases[officer];
    if (answers) {
      if (!given) throw new KeywardError('INVALID_REQUEST', `The answers file has no passphrase for ${officer}.`, 'Add it, or run the ceremony without --answers.');
      return given;
    }
    return readSecret(`${officer}, type your passphrase to ${purpose} (not shown): `);
  };

  const engine = await workstation.ceremonyEngine();
  const { title, steps } = planGenerateCmk(workstation.inventory(), planFile.request);
  const plan = engine.plan(planFile.type, title, steps);
  print(describePlan(plan));
  for (const officer of planFile.officers) {
    await engine.checkIn(plan.id, officer, await passphrase(officer, 'check in to this plan'));
    print(`${officer} checked in.\n`);
  }
  for (const step of plan.steps) {
    if (step.sensitive) {
      print(`Step ${step.index + 1}: ${step.description}\n  step digest ${hexGroups(step.digest.slice(0, 16))}…\n`);
      const policy = workstation.policy(plan.type);
      for (const officer of planFile.officers.filter((o) => policy.roles.includes(workstation.officers().get(o).role))) {
        if (engine.status(plan.id).steps[step.index]?.approvedBy.length === policy.quorum) break;
        await engine.approve(plan.id, step.index, officer, await passphrase(officer, `approve step ${step.index + 1}`));
        print(`  approved by ${officer}\n`);
      }
    }
    const after = await engine.runNext(plan.id);
    const result = after.steps[step.index]?.result ?? {};
    print(`Step ${step.index + 1} done${typeof result.kcv === 'string' ? `: key check value ${result.kcv.toUpperCase()}` : ''}.\n`);
  }
  const final = engine.status(plan.id);
  print(final.state === 'completed' ? `Ceremony completed: ${plan.id}.\n` : `Ceremony ${final.state}.\n`);
  print(`Signed transcript (JSON and PDF): ${await engine.writeTranscript(plan.id, transcriptDir)}\n`);
  return final.state === 'completed';
}
