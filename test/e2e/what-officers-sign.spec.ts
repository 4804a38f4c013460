/**
 * What officers sign and compare (issue 19, points 7 to 11 and 17): the plan shows every value its digest
 * covers, in words; the check-in shows the digest each officer signs. Screenshots at 1366x768 and
 * 1920x1080 are attached; axe finds nothing on any of these screens.
 */
import { expect, test } from './fixtures';
import { startCeremony } from './navigate';
import { shots } from './screenshots';
import { setUp } from './set-up';

test.use({ actionTimeout: 30_000 });

test('the plan shows every value its digest covers, and the check-in shows the digest signed', async ({
  app,
}, testInfo) => {
  test.setTimeout(180_000);
  const { page } = app;
  await page.setViewportSize({ width: 1366, height: 768 });
  await setUp(page, []);
  await startCeremony(page, 'Generate a key (CMK)');
  await page.getByLabel('Key name').fill('Payroll CMK');
  await page.getByLabel('Purpose').fill('Payroll records in the SaaS suite');
  await page.getByLabel('Key type').selectOption('AES_256');
  await page.getByLabel('Provider', { exact: true }).selectOption('aws-kms');
  await page.getByLabel('Rotate every (days)').fill('180');
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();

  const plan = page.getByRole('region', { name: 'The plan' });
  await expect(plan.getByRole('listitem').first()).toContainText('Generate "Payroll CMK v1", AES-256');
  const signed = plan.getByRole('definition');
  const generation = plan.getByLabel('Step 1: what is signed');
  const row = (label: string) => generation.locator('div').filter({ has: page.getByText(label, { exact: true }) });
  await expect(row('Purpose')).toContainText('Payroll records in the SaaS suite');
  await expect(row('Provider')).toContainText('AWS KMS (aws-kms)');
  await expect(row('Key type')).toContainText('AES-256 (AES_256)');
  await expect(row('Rotation period')).toContainText('every 180 days');
  await expect(row('Label on the token')).toContainText('Payroll CMK v1');
  await expect(row('Creates the token object')).toContainText(/"Payroll CMK v1", CKA_ID [0-9a-f]+/);
  // The key's protections are said in words, not "every CMK protection" alone.
  await expect(plan).toContainText('never readable in clear');
  await expect(plan.getByLabel('Step 2: what is signed')).toContainText('none yet');
  await expect(signed.filter({ hasText: 'aws-kms' })).toHaveCount(1);
  await expect(plan.getByRole('group', { name: /^Plan digest/ })).toBeVisible();
  await plan.getByRole('heading', { name: 'The plan' }).scrollIntoViewIfNeeded();
  await shots(page, testInfo, 'plan-review');

  await page.getByRole('button', { name: /We have read the plan/ }).click();
  const checkIn = page.getByRole('region', { name: 'Officers check in' });
  const digest = checkIn.getByRole('group', { name: 'The plan digest each officer signs by checking in' });
  await expect(digest).toBeVisible();
  const planDigest = await page.evaluate(async () => {
    const api = (window as unknown as { keyward: Record<string, (r: object) => Promise<unknown>> }).keyward;
    const listed = (await api.getCeremonies?.({})) as { value: { unfinished: { id: string }[] } };
    const id = listed.value.unfinished[0]?.id ?? '';
    const view = (await api.getCeremony?.({ id })) as { value: { status: { plan: { planDigest: string } } } };
    return view.value.status.plan.planDigest;
  });
  await expect(digest).toContainText(planDigest.slice(0, 4).toUpperCase());
  await shots(page, testInfo, 'check-in-digest');
});
