/**
 * Aborting a ceremony whose steps took effect, through the app: the abort panel says which steps one
 * officer's abort undoes and which stay; one officer signs, a second finishes the abort, and the key's
 * previous version is active again (security review, item 5).
 */
import type { Page } from '@playwright/test';
import { axeViolations } from './axe';
import { expect, test } from './fixtures';
import { pageShots } from './screenshots';
import { passphrases, setUp } from './set-up';

test.use({ actionTimeout: 30_000 });

/** A key generated, and a rotation run up to (not including) its closing checkpoint. */
const rotatedUpToTheCheckpoint = (page: Page): Promise<void> =>
  setUp(
    page,
    [
      { ceremony: 'generate-cmk', officers: ['alice', 'bob'], key: { name: 'Tenant CMK', purpose: 'Tenant data' } },
      { ceremony: 'rotate-cmk', officers: ['alice', 'bob'], key: { name: 'Tenant CMK' }, reason: 'manual' },
    ],
    2,
  );

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
  await pageShots(page, testInfo, 'abort-needs-the-quorum');
  await signAbort(page, 'bob', 'Sign the abort');
  await expect(panel.getByRole('status')).toContainText('Signed for this reason by: bob.');
  await pageShots(page, testInfo, 'abort-signed-once');
  await signAbort(page, 'alice', 'Abort the ceremony');
  await expect(page.getByRole('heading', { name: 'Ceremony aborted' })).toBeVisible();
  await pageShots(page, testInfo, 'abort-done');
  await page.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Keys' }).click();
  const tenant = page.getByRole('region', { name: 'Tenant CMK' });
  await expect(tenant.getByRole('row').filter({ hasText: 'v1' })).toContainText('active');
  await expect(tenant.getByRole('row').filter({ hasText: 'v2' })).toContainText('destroyed');
  await pageShots(page, testInfo, 'abort-keys');
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
  await pageShots(page, testInfo, 'audit-anchored');

  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Settings' }).click();
  await expect(
    page.getByRole('note').filter({ hasText: 'change only in a ceremony that two security officers approve' }),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Check the token and use it' })).toHaveCount(0);
  expect(await axeViolations(page)).toEqual([]);
  await pageShots(page, testInfo, 'settings-initialised');
  await page.getByRole('button', { name: 'Plan the change of HSM module…' }).click();
  await expect(page.getByLabel('PKCS#11 module file')).toBeVisible();
  await pageShots(page, testInfo, 'change-hsm-form');
});
