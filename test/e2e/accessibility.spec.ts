import { axeViolations } from './axe';
import { expect, test } from './fixtures';

test('the start and settings screens have no accessibility violations (axe) and work by keyboard', async ({ app }) => {
  const { page } = app;
  await expect(page.getByRole('heading', { name: /Token Keyward Rehearsal/ })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  // Keyboard only: Tab to the Settings button and open it with Enter.
  const settings = page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Settings' });
  for (let i = 0; i < 10 && !(await settings.evaluate((el) => el === document.activeElement)); i++)
    await page.keyboard.press('Tab');
  await expect(settings).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /Settings/ })).toBeVisible();
  await page.getByLabel(/A real HSM/).check();
  expect(await axeViolations(page)).toEqual([]);
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Audit log' }).click();
  await page.getByRole('button', { name: 'Verify the log' }).click();
  await expect(page.getByText(/Not fully verified: the hash chain of 0 entries is intact/)).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
});
