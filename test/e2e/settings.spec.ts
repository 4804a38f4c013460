import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';
import { expect, test } from './fixtures';
import { pageShots } from './screenshots';

// A token that is not the rehearsal one, made with SoftHSM's own tool. Module processes inherit the
// environment, as a real vendor module would read its own configuration.
let tokens: TestTokens;
test.beforeAll(() => {
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Production CMK');
  process.env.SOFTHSM2_CONF = tokens.conf;
});
test.afterAll(() => {
  delete process.env.SOFTHSM2_CONF;
  tokens.cleanup();
});

test('a file that is not a PKCS#11 module is refused with what to do next', async ({ app }, testInfo) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel(/A real HSM/).check();
  // A file outside the system library folders is never loaded: its code would run with every PIN typed later.
  await page.getByLabel(/PKCS#11 module file/).fill('/etc/hostname');
  await page.getByRole('button', { name: 'List its tokens' }).click();
  const alert = page.getByRole('alert', { name: 'The module could not be used' });
  await expect(alert).toContainText('is not loaded as a PKCS#11 module: it is not in a system library folder');
  await expect(alert).toContainText("What to do next: Install the HSM vendor's module with the vendor's package");
  await pageShots(page, testInfo, 'settings-untrusted-module');
  // A file in a system folder that is not a PKCS#11 library is opened in the HSM process, and refused there.
  await page.getByLabel(/PKCS#11 module file/).fill('/usr/lib/os-release');
  await page.getByRole('button', { name: 'List its tokens' }).click();
  await expect(alert).toContainText('could not be loaded as a PKCS#11 module');
  await expect(alert).toContainText('What to do next: Choose the PKCS#11 library file the HSM vendor documents');
  await pageShots(page, testInfo, 'settings-bad-module');
});

test('an officer picks a real module and token; Keyward opens it, saves it and leaves rehearsal mode', async ({
  app,
}, testInfo) => {
  const { page } = app;
  await expect(page.getByRole('note', { name: 'Rehearsal mode' })).toBeVisible();
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel(/A real HSM/).check();
  await page.getByLabel(/PKCS#11 module file/).fill(softhsmModule);
  await page.getByRole('button', { name: 'List its tokens' }).click();
  const choices = page.getByRole('group', { name: 'Tokens on this module' });
  await choices.getByLabel(/Production CMK/).check();
  await expect(page.getByLabel(/Token address/)).toHaveValue(/^pkcs11:model=SoftHSM%20v2;.*;token=Production%20CMK$/);
  await pageShots(page, testInfo, 'settings-real-hsm');

  await page.getByRole('button', { name: 'Check the token and use it' }).click();
  await expect(page.getByRole('heading', { name: 'Token Production CMK' })).toBeVisible();
  await expect(page.getByRole('note', { name: 'Rehearsal mode' })).toHaveCount(0);
  await expect(page).toHaveTitle('Keyward');

  // The change is in the audit log, and the log verifies.
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Audit log' }).click();
  const row = page.getByRole('row').filter({ hasText: 'hsm.select' });
  await expect(row).toContainText('Production%20CMK');
  // In words, its raw name beside them.
  await expect(row).toContainText('HSM selected');
  await expect(row).toContainText('done');
  await page.getByRole('button', { name: 'Verify the log' }).click();
  // Not initialised: no workstation key or anchor in the HSM yet, so the chain alone is not called verified.
  await expect(
    page.getByRole('status').filter({ hasText: 'Not fully verified: the hash chain of 1 entry is intact' }),
  ).toBeVisible();
  await page.getByLabel('Action').fill('key.generate');
  await page.getByRole('button', { name: 'Show entries' }).click();
  await expect(page.getByText('No entries match.')).toBeVisible();
  await page.getByLabel('Action').fill('hsm.select');
  await page.getByRole('button', { name: 'Show entries' }).click();
  await expect(page.getByRole('row')).toHaveCount(2);
  // A time range: the entry was written today (UTC); nothing before yesterday.
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('To (UTC date, inclusive)').fill(day(-2));
  await page.getByRole('button', { name: 'Show entries' }).click();
  await expect(page.getByText('No entries match.')).toBeVisible();
  await page.getByLabel('To (UTC date, inclusive)').fill(day(1));
  await page.getByLabel('From (UTC date)').fill(day(-1));
  await page.getByRole('button', { name: 'Show entries' }).click();
  await expect(page.getByRole('row')).toHaveCount(2);
  await pageShots(page, testInfo, 'audit-log');
});

test('a token address that names no present token is not saved', async ({ app }) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel(/A real HSM/).check();
  await page.getByLabel(/PKCS#11 module file/).fill(softhsmModule);
  await page.getByLabel(/Token address/).fill('pkcs11:token=Not%20Here');
  await page.getByRole('button', { name: 'Check the token and use it' }).click();
  const alert = page.getByRole('alert', { name: 'The HSM was not changed' });
  await expect(alert).toContainText('No token matching pkcs11:token=Not%20Here');
  await expect(alert).toContainText('"Production CMK"');
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Home' }).click();
  await expect(page.getByRole('note', { name: 'Rehearsal mode' })).toBeVisible();
});

test('a real token set apart for rehearsals keeps the REHEARSAL banner, naming it', async ({ app }, testInfo) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel(/A real HSM/).check();
  await page.getByLabel(/PKCS#11 module file/).fill(softhsmModule);
  await page.getByRole('button', { name: 'List its tokens' }).click();
  await page
    .getByRole('group', { name: 'Tokens on this module' })
    .getByLabel(/Production CMK/)
    .check();
  await page.getByLabel(/For rehearsals only/).check();
  await pageShots(page, testInfo, 'settings-rehearsals-only');
  await page.getByRole('button', { name: 'Check the token and use it' }).click();
  await expect(page.getByRole('heading', { name: 'Token Production CMK' })).toBeVisible();
  const banner = page.getByRole('note', { name: 'Rehearsal mode' });
  await expect(banner).toContainText('set apart for rehearsals only');
  await expect(banner).toContainText('Production%20CMK');
  await expect(page).toHaveTitle('Keyward: REHEARSAL');
  await pageShots(page, testInfo, 'home-rehearsals-only');
});
