/**
 * `keyward ceremony run PLAN.yaml`: the plan and its digest shown first (hex and PGP words, to read
 * aloud), each officer checks in with their passphrase, each sensitive step is approved by officers in
 * turn until the quorum is met, and every step's outcome is printed. Passphrases come from the terminal,
 * or on the rehearsal token from an answers file.
 */
import { dirname, resolve } from 'node:path';
import type { CeremonyPlan } from '../shared/ceremonies';
import { KeywardError } from '../shared/errors';
import { hexGroups, pgpWordsOf } from '../shared/fingerprint';
import { maxPlanFileBytes, readAnswersFile, readPlanFile, type Answers } from '../main/ceremonies/plan-file';
import { newCeremonyId } from '../main/ceremonies/engine';
import { readSmallFile } from '../main/files/read-small';
import { planSteps } from '../main/ceremonies/plan-steps';
import { readShare } from '../main/backup/shares';
import type { Workstation } from '../main/workstation';
import { readPinParts, readSecret } from './secret-input';
import { airGapStatus } from '../main/system/air-gap';
import type { Enrolment } from '../main/officers/enrolment';
import { acknowledgeNetwork, networkDecision } from './air-gap';

type Print = (text: string) => void;

const readText = (path: string, what: string): string => readSmallFile(path, maxPlanFileBytes, what).toString('utf8');

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

export async function runCeremony(workstation: Workstation, planPath: string, answersPath: string | undefined, pinParts: number, transcriptDir: string, print: Print, networkAcknowledged = false): Promise<boolean> {
  const planFile = readPlanFile(planPath, readText(planPath, 'plan file'));
  const network = airGapStatus();
  const mustAcknowledge = networkDecision(network, networkAcknowledged, print);
  // Refused before any PIN is typed: only the initialisation runs on a workstation without its signing key.
  if (planFile.type !== 'initialise-workstation') workstation.identities().require();
  const status = await workstation.tokenStatus();
  let answers: Answers | undefined;
  if (answersPath) {
    if (!status.rehearsal) {
      throw new KeywardError('INVALID_REQUEST', 'An answers file is accepted on the rehearsal token only: on a real HSM every PIN part and passphrase is typed by its officer.', 'Run the ceremony without --answers.');
    }
    answers = readAnswersFile(answersPath, readText(answersPath, 'answers file'));
  }
  const tokenName = `token "${status.token.label}" (serial ${status.token.serial})${status.rehearsal ? ', the REHEARSAL token' : ''}`;
  const login = await workstation.login('user', answers?.pinParts ?? (await readPinParts(tokenName, 'user', pinParts)));
  for (const warning of login.warnings) print(`Warning: ${warning}\n`);
  if (planFile.type === 'initialise-workstation') {
    const founding: Enrolment[] = [];
    for (const officer of planFile.founding) {
      const chosen = answers?.passphrases[officer.id] ?? (await readSecret(`${officer.id} (${officer.role}), choose your passphrase, at least 12 characters (not shown): `));
      founding.push({ id: officer.id, displayName: officer.name, role: officer.role, passphrase: chosen });
    }
    const { identity, officers } = await workstation.initialise({ subject: { commonName: planFile.name, organization: planFile.organization, organizationalUnit: 'Keyward workstation' }, spec: planFile.signingKey }, founding);
    if (mustAcknowledge) await acknowledgeNetwork(workstation, network, founding.map((f) => f.id), (id) => Promise.resolve(founding.find((f) => f.id === id)?.passphrase ?? ''), print);
    print(`Workstation initialised: signing key ${identity.spec}, fingerprint ${hexGroups(identity.publicKeyFingerprint)}\n  ${pgpWordsOf(identity.publicKeyFingerprint).join(' ')}\nFounding officers: ${officers.map((o) => `${o.id} (${o.role})`).join(', ')}.\n`);
    return true;
  }
  const passphrase = async (officer: string, purpose: string): Promise<string> => {
    const given = answers?.passphrases[officer];
    if (answers) {
      if (!given) throw new KeywardError('INVALID_REQUEST', `The answers file has no passphrase for ${officer}.`, 'Add it, or run the ceremony without --answers.');
      return given;
    }
    return readSecret(`${officer}, type your passphrase to ${purpose} (not shown): `);
  };

  const engine = await workstation.ceremonyEngine({
    pinParts: async (role) => {
      if (role === 'user') return answers?.pinParts ?? readPinParts(tokenName, 'user', pinParts);
      if (answers && !answers.soPinParts) throw new KeywardError('INVALID_REQUEST', 'This ceremony needs the security officer\'s PIN, and the answers file has no soPinParts.', 'Add them to the answers file.');
      return answers?.soPinParts ?? readPinParts(tokenName, 'security-officer', 1);
    },
    backupShares: async (backupId, threshold) => {
      // Each custodian gives the path of their share file, or types its words; in a rehearsal, the answers file names the files.
      const given = answers ? (answers.shareFiles ?? []).map((path) => readText(resolve(dirname(answersPath ?? '.'), path), 'share file')) : [];
      if (answers && given.length < threshold) throw new KeywardError('INVALID_REQUEST', `The answers file names ${given.length} share file(s); this backup needs ${threshold}.`, 'Add shareFiles to the answers file.');
      const shares: Uint8Array[] = [];
      for (let i = 0; i < threshold; i++) {
        const input = given[i] ?? (await readSecret(`Custodian ${i + 1} of ${threshold}: the path of your share file, or your share's words (not shown): `));
        shares.push(readShare(backupId, input.startsWith('/') ? readText(input.trim(), 'share file') : input));
      }
      return shares;
    },
    newPassphrase: async (officer) => {
      if (answers) return passphrase(officer, 'enrol');
      const chosen = await readSecret(`${officer}, choose your passphrase, at least 12 characters (not shown): `);
      if (process.stdin.isTTY && (await readSecret(`${officer}, type it again: `)) !== chosen) {
        throw new KeywardError('INVALID_REQUEST', `The two entries of ${officer}'s passphrase differ.`, 'Run the step again.');
      }
      return chosen;
    },
  });
  if (mustAcknowledge) await acknowledgeNetwork(workstation, network, planFile.officers, (officer) => passphrase(officer, 'acknowledge the air-gap findings'), print);
  const id = newCeremonyId(planFile.type);
  const { title, steps } = planSteps(workstation, planFile, (name) => resolve(dirname(planPath), name), id);
  const plan = engine.plan(planFile.type, title, steps, id);
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
    const detail =
      typeof result.kcv === 'string'
        ? `: key check value ${result.kcv.toUpperCase()}`
        : typeof result.backupId === 'string' && typeof result.kekKcv === 'string' && typeof result.folder === 'string' && Array.isArray(result.shareFolders)
          ? `: backup ${result.backupId} (backup key check value ${result.kekKcv.toUpperCase()}) in ${result.folder}; shares in ${result.shareFolders.filter((f) => typeof f === 'string').join(', ')}`
          : typeof result.folder === 'string'
            ? `: written to ${result.folder}`
            : '';
    print(`Step ${step.index + 1} done${detail}.\n`);
  }
  const final = engine.status(plan.id);
  print(final.state === 'completed' ? `Ceremony completed: ${plan.id}.\n` : `Ceremony ${final.state}.\n`);
  print(`Signed transcript (JSON and PDF): ${await engine.writeTranscript(plan.id, transcriptDir)}\n`);
  return final.state === 'completed';
}
