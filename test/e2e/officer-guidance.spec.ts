/**
 * What keeps a new officer from dead ends (issue 19): the status bar that never scrolls away, ending the
 * session, forms that offer only what the token and the provider can do (with doable defaults), refusals
 * shown at the field concerned with the focus on them and gone once the value changes, and a custodian's
 * share never offered as a wrapping key. Screenshots at 1366x768 and 1920x1080 are attached.
 */
import type { Locator, Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { practiceDrivesFolder } from '../../src/main/media/drive-access';
import { databaseFileName } from '../../src/main/store/database';
import { expect, test } from './fixtures';
import { nav, startCeremony } from './navigate';
import { shots } from './screenshots';
import { setUp } from './set-up';

test.use({ actionTimeout: 30_000 });

/** The options a choice shows as not offered here, with why. */
const notOfferedFor = (page: Page, choice: Locator): Locator =>
  page.locator('.form-field').filter({ has: choice }).getByRole('list', { name: 'Options not offered here' });

test('the status bar stays in view on a long form, and logging out ends the session', async ({ app }, testInfo) => {
  test.setTimeout(180_000);
  const { page } = app;
  await page.setViewportSize({ width: 1366, height: 768 });
  await setUp(page, [
    { ceremony: 'generate-cmk', officers: ['alice', 'bob'], key: { name: 'Tenant CMK', purpose: 'Tenant data' } },
  ]);
  await nav(page, 'Ceremonies');
  const bar = page.getByRole('region', { name: 'Workstation status' });
  await expect(bar).toContainText('REHEARSAL: protects nothing real');
  await expect(bar).toContainText(/Air gap: (isolated|not isolated, acknowledged by alice)/);
  await expect(bar).toContainText('"Keyward Rehearsal" logged in');
  await expect(bar).toContainText('Ceremony: none open');

  // The longest form, scrolled to its Plan button: the status bar is still on screen.
  await startCeremony(page, 'Export a key to a provider');
  await page.getByRole('button', { name: 'Plan the ceremony' }).scrollIntoViewIfNeeded();
  await expect(bar).toBeInViewport();
  await expect(page.getByRole('heading', { name: 'Start a ceremony' })).not.toBeInViewport();
  await shots(page, testInfo, 'status-bar-scrolled');

  await bar.getByRole('button', { name: 'Log out' }).click();
  await expect(bar).toContainText('"Keyward Rehearsal" not logged in');
  await expect(page.getByRole('heading', { name: 'Log in to the token' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Start a ceremony' })).toHaveCount(0);
  await shots(page, testInfo, 'logged-out');
  const db = new Database(join(app.dataDir, databaseFileName), { readonly: true });
  try {
    expect(db.prepare("SELECT outcome FROM audit_log WHERE action = 'hsm.logout'").pluck().all()).toEqual(['success']);
  } finally {
    db.close();
  }
  // What only a logged-in session may do is refused now: the plan call itself says so.
  const refused = await page.evaluate(async () => {
    const api = (
      window as unknown as {
        keyward: Record<string, (r: object) => Promise<{ ok: boolean; error?: { code: string } }>>;
      }
    ).keyward;
    return api.planCeremony?.({
      plan: { ceremony: 'disable-key', officers: ['alice', 'bob'], key: { name: 'Tenant CMK', version: 1 } },
    });
  });
  expect(refused?.ok).toBe(false);
});

test('forms offer what the token and provider can do, and a refusal shows at its field until the value changes', async ({
  app,
}, testInfo) => {
  test.setTimeout(180_000);
  const { page } = app;
  await page.setViewportSize({ width: 1366, height: 768 });
  await setUp(page, [
    {
      ceremony: 'generate-cmk',
      officers: ['alice', 'bob'],
      key: { name: 'Tenant CMK', purpose: 'Tenant data', provider: 'aws-kms' },
    },
  ]);
  const drive = join(app.dataDir, practiceDrivesFolder, 'PRACTICE-1');
  const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
  mkdirSync(join(drive, 'aws'), { recursive: true });
  writeFileSync(join(drive, 'aws', 'wrapping-key.der'), provider.publicKey.export({ type: 'spki', format: 'der' }));
  writeFileSync(join(drive, 'aws', 'ImportToken.bin'), randomBytes(64));
  // A custodian's share left on the same drive: never offered as a wrapping key.
  mkdirSync(join(drive, 'keyward-backup-0a1b2c3d-share-1-of-2'));
  writeFileSync(join(drive, 'keyward-backup-0a1b2c3d-share-1-of-2', 'share.txt'), 'KEYWARD BACKUP KEY SHARE 1 OF 2\n');
  await nav(page, 'Ceremonies');

  // Generation: a key type the provider never imports takes the provider off the list, saying why.
  await startCeremony(page, 'Generate a key (CMK)');
  await page.getByLabel('Key type').selectOption('RSA_2048');
  const providerChoice = page.getByLabel('Provider', { exact: true });
  await expect(providerChoice.locator('option', { hasText: 'Salesforce Shield' })).toBeDisabled();
  await expect(notOfferedFor(page, providerChoice)).toContainText('Salesforce Shield');
  // Planned without a name: the refusal is at the Key name field, focused, and goes once the name is typed.
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  const refusal = page.getByRole('alert', { name: 'The ceremony could not be planned' });
  await expect(refusal).toContainText('Key name: nothing was given');
  await expect(refusal).toBeFocused();
  await expect(page.getByLabel('Key name')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.form-field').filter({ has: page.getByLabel('Key name') })).toContainText(
    'The ceremony form was refused',
  );
  await shots(page, testInfo, 'refusal-at-field');
  await page.getByLabel('Key name').fill('Signing CMK');
  await expect(refusal).toHaveCount(0);
  await expect(page.getByLabel('Key name')).not.toHaveAttribute('aria-invalid');

  // An old refusal does not survive a change of ceremony type.
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  await expect(refusal).toBeVisible();
  await startCeremony(page, 'Export a key to a provider');
  await expect(refusal).toHaveCount(0);

  // Export: the provider is the key's; SoftHSM has no RSA-OAEP SHA-256, and AWS takes AES keys only under
  // OAEP, so the algorithm offered by default is the one that can be done here.
  await page.getByLabel('Key version').selectOption(JSON.stringify(['Tenant CMK', 1]));
  await expect(page.getByLabel('Provider', { exact: true })).toHaveValue('aws-kms');
  const algorithm = page.getByLabel('Wrapping algorithm chosen in AWS', { exact: true });
  await expect(algorithm).toHaveValue('RSAES_OAEP_SHA_1');
  await expect(algorithm.locator('option[value="RSAES_OAEP_SHA_256"]')).toBeDisabled();
  await expect(algorithm.locator('option[value="RSA_AES_KEY_WRAP_SHA_1"]')).toBeDisabled();
  const notOffered = notOfferedFor(page, algorithm);
  await expect(notOffered).toContainText(/RSAES_OAEP_SHA_256: .*SHA-256/);
  await expect(notOffered).toContainText(/RSA_AES_KEY_WRAP_SHA_1: AWS KMS takes symmetric and HMAC key material only/);

  // The wrapping key's drive: the provider's file is offered, the custodian's share is not.
  const picker = page.getByRole('group', { name: "The provider's wrapping key file" });
  await picker.getByRole('radio', { name: /PRACTICE-1/ }).check();
  await expect(picker.getByRole('radio', { name: 'aws/wrapping-key.der' })).toBeVisible();
  await expect(picker.getByText('share.txt')).toHaveCount(0);

  // Planned without the bundle's drive, then without the AWS key id: each refusal is at its field, with the focus.
  await picker.getByRole('radio', { name: 'aws/wrapping-key.der' }).check();
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  const bundleDrive = page.getByRole('group', { name: 'Drive for the upload bundle' });
  await expect(bundleDrive.getByRole('alert')).toContainText('Drive for the upload bundle: nothing was given');
  await expect(refusal).toBeFocused();
  await bundleDrive.getByRole('radio', { name: /PRACTICE-2/ }).check();
  await expect(refusal).toHaveCount(0);
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  const tokenFile = page.getByRole('group', { name: /^The import token file/ });
  await expect(tokenFile.getByRole('alert')).toContainText('the import token is missing');
  await tokenFile.getByRole('radio', { name: /PRACTICE-1/ }).check();
  await tokenFile.getByRole('radio', { name: 'aws/ImportToken.bin' }).check();
  await expect(refusal).toHaveCount(0);
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  await expect(refusal).toContainText('the import deadline (expiry time) is missing');
  await expect(page.getByLabel('Parameters valid until (ISO time)')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Parameters valid until (ISO time)').fill(new Date(Date.now() + 3_600_000).toISOString());
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  await expect(refusal).toContainText('keyId is missing');
  await expect(refusal).toBeFocused();
  await expect(page.getByLabel('AWS KMS key id or ARN')).toHaveAttribute('aria-invalid', 'true');
  await shots(page, testInfo, 'export-refused-at-field');
  await page.getByLabel('AWS KMS key id or ARN').fill('1234abcd-12ab-34cd-56ef-1234567890ab');
  await expect(refusal).toHaveCount(0);
  await shots(page, testInfo, 'export-form-doable');
});
