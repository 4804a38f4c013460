/**
 * Aborting a ceremony whose steps took effect, through the app: the abort panel says which steps one
 * officer's abort undoes and which stay; one officer signs, a second finishes the abort, and the key's
 * previous version is active again (security review, item 5).
 */
import type { Page } from '@playwright/test';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { axeViolations } from './axe';
import { expect, test } from './fixtures';

test.use({ actionTimeout: 30_000 });

const passphrases: Record<string, string> = {
  alice: 'rehearsal passphrase one',
  bob: 'rehearsal passphrase two',
  dave: 'rehearsal passphrase four',
  grace: 'rehearsal passphrase five',
};

/** Set-up through the app's own calls: login, initialisation, a key generated, and a rotation run up to (not including) its closing checkpoint. */
async function rotatedUpToTheCheckpoint(page: Page): Promise<void> {
  const failure = await page.evaluate(
    async ({ pin, passphrases }) => {
      type View = {
        status: { plan: { id: string; steps: { sensitive: boolean }[] }; state: string; steps: { state: string }[] };
      };
      type Result = { ok: boolean; value?: View; error?: { message: string } };
      const api = (window as unknown as { keyward: Record<string, (request: object) => Promise<Result>> }).keyward;
      const call = async (name: string, request: object): Promise<View | undefined> => {
        const result = await api[name]?.(request);
        if (!result?.ok) throw new Error(`${name}: ${result?.error?.message ?? 'no such call'}`);
        return result.value;
      };
      const run = async (plan: object, steps: number) => {
        let view = await call('planCeremony', { plan });
        const id = view?.status.plan.id ?? '';
        for (const officer of ['alice', 'bob'])
          await call('checkInOfficer', { id, officer, passphrase: passphrases[officer] });
        for (let step = 0; step < steps; step++) {
          if (view?.status.plan.steps[step]?.sensitive)
            for (const officer of ['alice', 'bob'])
              await call('approveCeremonyStep', { id, step, officer, passphrase: passphrases[officer] });
          view = await call('runCeremonyStep', { id, inputs: {} });
        }
      };
      try {
        await call('loginToken', { pinParts: [pin] });
        const network = (await call('getAirGapStatus', {})) as unknown as { isolated: boolean; findings: string[] };
        await call('initialiseWorkstation', {
          airGapFindings: network.isolated ? [] : network.findings,
          organization: 'Example Org',
          name: 'Abort workstation',
          signingKey: 'ECDSA_P256',
          founding: [
            { id: 'alice', name: 'Alice Martin', role: 'security-officer', passphrase: passphrases.alice },
            { id: 'bob', name: 'Bob Chen', role: 'key-custodian', passphrase: passphrases.bob },
            { id: 'dave', name: 'Dave Okafor', role: 'security-officer', passphrase: passphrases.dave },
            { id: 'grace', name: 'Grace Lindqvist', role: 'security-officer', passphrase: passphrases.grace },
          ],
        });
        await run(
          { ceremony: 'generate-cmk', officers: ['alice', 'bob'], key: { name: 'Tenant CMK', purpose: 'Tenant data' } },
          3,
        );
        await run(
          { ceremony: 'rotate-cmk', officers: ['alice', 'bob'], key: { name: 'Tenant CMK' }, reason: 'manual' },
          2,
        );
        return '';
      } catch (error) {
        return String(error);
      }
    },
    { pin: rehearsalToken.userPin, passphrases },
  );
  expect(failure).toBe('');
}

async function signAbort(page: Page, officer: string, submit: string): Promise<void> {
  await page.getByLabel(/^Officer \(to abort this ceremony/).selectOption(officer);
  await page.getByLabel(/passphrase, to abort this ceremony/).fill(passphrases[officer] ?? '');
  await page.getByRole('button', { name: submit }).click();
}

test('an activation is undone only by an abort the quorum signs, and the previous version is active again', async ({
  app,
}, testInfo) => {
  test.setTimeout(300_000);
  const { page } = app;
  await page.setViewportSize({ width: 1366, height: 768 });
  await rotatedUpToTheCheckpoint(page);

  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Ceremonies' }).click();
  await page.getByRole('button', { name: /^Resume Rotate Tenant CMK/ }).click();
  await page.getByRole('button', { name: 'Abort this ceremony…' }).click();
  const panel = page.getByRole('region', { name: 'Abort the ceremony' });
  await expect(
    panel.getByText(
      /One officer.s abort leaves steps 1 and 2 as done, because what they did took effect. If 2 officers sign the/,
    ),
  ).toBeVisible();
  await panel.getByLabel('Reason').fill('The rotation was planned for the wrong day');
  await panel.getByRole('checkbox', { name: /Another officer signs the abort after me/ }).check();
  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: testInfo.outputPath('abort-needs-the-quorum.png'), fullPage: true });
  await signAbort(page, 'bob', 'Sign the abort');
  await expect(panel.getByRole('status')).toContainText('Signed for this reason by: bob.');
  await page.screenshot({ path: testInfo.outputPath('abort-signed-once.png'), fullPage: true });
  await signAbort(page, 'alice', 'Abort the ceremony');
  await expect(page.getByRole('heading', { name: 'Ceremony aborted' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('abort-done.png'), fullPage: true });
  await page.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Keys' }).click();
  const tenant = page.getByRole('region', { name: 'Tenant CMK' });
  await expect(tenant.getByRole('row').filter({ hasText: 'v1' })).toContainText('active');
  await expect(tenant.getByRole('row').filter({ hasText: 'v2' })).toContainText('destroyed');
  await page.screenshot({ path: testInfo.outputPath('abort-keys.png'), fullPage: true });
});

test('on an initialised workstation the audit log verifies against its anchor in the HSM, and Settings leads to the change-hsm ceremony', async ({
  app,
}, testInfo) => {
  test.setTimeout(300_000);
  const { page } = app;
  await page.setViewportSize({ width: 1366, height: 768 });
  await rotatedUpToTheCheckpoint(page);

  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Audit log' }).click();
  await page.getByRole('button', { name: 'Verify the log' }).click();
  const verified = page.getByRole('status').filter({ hasText: 'verified against the workstation key on the token' });
  await expect(verified).toContainText(/Anchored in the HSM at checkpoint \d+ \(entry \d+\)/);
  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: testInfo.outputPath('audit-anchored.png') });

  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Settings' }).click();
  await expect(
    page.getByRole('note').filter({ hasText: 'change only in a ceremony that two security officers approve' }),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Check the token and use it' })).toHaveCount(0);
  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: testInfo.outputPath('settings-initialised.png'), fullPage: true });
  await page.getByRole('button', { name: 'Plan the change of HSM module…' }).click();
  await expect(page.getByLabel('PKCS#11 module file')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('change-hsm-form.png'), fullPage: true });
});
