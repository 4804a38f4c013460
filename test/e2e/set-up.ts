/**
 * Set-up through the app's own calls (what the whole-life spec does by hand): login, initialisation with
 * four founding officers, and ceremonies run to the end, so a spec starts where it has something to show.
 */
import type { Page } from '@playwright/test';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { expect } from './fixtures';

export const passphrases: Record<string, string> = {
  alice: 'rehearsal passphrase one',
  bob: 'rehearsal passphrase two',
  dave: 'rehearsal passphrase four',
  grace: 'rehearsal passphrase five',
};

/** `lastRuns`: how many steps of the last plan run (all when left out), so a spec can start in the middle of a ceremony. */
export async function setUp(page: Page, plans: Record<string, unknown>[], lastRuns?: number): Promise<void> {
  const failures = await page.evaluate(
    async ({ pin, plans, passphrases, lastRuns }) => {
      type Result = {
        ok: boolean;
        value?: {
          status: { plan: { id: string; steps: { sensitive: boolean }[] }; state: string; steps: { state: string }[] };
        };
        error?: { message: string };
      };
      const api = (window as unknown as { keyward: Record<string, (request: object) => Promise<Result>> }).keyward;
      const call = async (name: string, request: object): Promise<Result> => {
        const result = await api[name]?.(request);
        if (!result?.ok) throw new Error(`${name}: ${result?.error?.message ?? 'no such call'}`);
        return result;
      };
      try {
        await call('loginToken', { pinParts: [pin] });
        const network = (await call('getAirGapStatus', {})) as unknown as {
          value: { isolated: boolean; findings: string[] };
        };
        await call('initialiseWorkstation', {
          airGapFindings: network.value.isolated ? [] : network.value.findings,
          organization: 'Example Org',
          name: 'Backup workstation',
          signingKey: 'ECDSA_P256',
          founding: [
            { id: 'alice', name: 'Alice Martin', role: 'security-officer', passphrase: passphrases.alice },
            { id: 'bob', name: 'Bob Chen', role: 'key-custodian', passphrase: passphrases.bob },
            { id: 'dave', name: 'Dave Okafor', role: 'security-officer', passphrase: passphrases.dave },
            { id: 'grace', name: 'Grace Lindqvist', role: 'security-officer', passphrase: passphrases.grace },
          ],
        });
        for (const [i, plan] of plans.entries()) {
          let view = (await call('planCeremony', { plan })).value;
          const id = view?.status.plan.id ?? '';
          for (const officer of ['alice', 'bob'])
            await call('checkInOfficer', { id, officer, passphrase: passphrases[officer] });
          const steps = i === plans.length - 1 && lastRuns !== undefined ? lastRuns : Infinity;
          for (let ran = 0; view && view.status.state !== 'completed' && ran < steps; ran++) {
            const next = view.status.steps.findIndex((s) => s.state !== 'done');
            if (view.status.plan.steps[next]?.sensitive)
              for (const officer of ['alice', 'bob'])
                await call('approveCeremonyStep', { id, step: next, officer, passphrase: passphrases[officer] });
            view = (await call('runCeremonyStep', { id, inputs: {} })).value;
          }
        }
        return '';
      } catch (error) {
        return String(error);
      }
    },
    { pin: rehearsalToken.userPin, plans, passphrases, lastRuns },
  );
  expect(failures).toBe('');
}
