import { AuditLog } from '../../src/main/store/audit-log';
import { openDatabase } from '../../src/main/store/database';
import { Inventory } from '../../src/main/store/inventory';
import { axeViolations } from './axe';
import { expect, test } from './fixtures';
import { pageShots } from './screenshots';

test("the key inventory shows every version with its state and KCV, the rotation due, and each key's history", async ({
  app,
}, testInfo) => {
  // Keys recorded as ceremonies would (the ceremonies themselves are tested in test/integration).
  const db = openDatabase(app.dataDir);
  const log = new AuditLog(db);
  const inventory = new Inventory(db, log, () => new Date(Date.now() - 350 * 86_400_000));
  const change = { actors: ['alice', 'bob'], ceremony: 'generate-1' };
  inventory.addKey({ name: 'Tenant CMK', purpose: 'SaaS tenant data', provider: 'aws-kms', spec: 'AES_256' }, change);
  inventory.addVersion(
    'Tenant CMK',
    { tokenSerial: '0123456789abcdef', tokenObjectId: '01'.repeat(16), tokenLabel: 'Tenant CMK v1', kcv: 'a1b2c3' },
    change,
  );
  inventory.setState('Tenant CMK', 1, 'active', change);
  // A key pair: its version carries its public-key fingerprint, shown instead of a check value.
  new Inventory(db, log).addKey(
    { name: 'Signing CMK', purpose: 'Code signing', provider: null, spec: 'EC_P256', rotationDays: 730 },
    change,
  );
  new Inventory(db, log).addVersion(
    'Signing CMK',
    {
      tokenSerial: '0123456789abcdef',
      tokenObjectId: '02'.repeat(16),
      tokenLabel: 'Signing CMK v1',
      kcv: '9f86d0',
      publicKeySha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    },
    change,
  );
  new Inventory(db, log).addKey(
    { name: 'Archive HMAC', purpose: 'Log integrity', provider: null, spec: 'HMAC_SHA256', rotationDays: 730 },
    change,
  );
  db.close();

  const { page } = app;
  await page.reload(); // the app read the inventory before these keys were recorded
  await expect(page.getByRole('region', { name: 'Rotation' })).toContainText('Tenant CMK: Rotation due in 1');
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Keys' }).click();
  const tenant = page.getByRole('region', { name: 'Tenant CMK' });
  await expect(tenant).toContainText('AES-256, SaaS tenant data; provider AWS KMS; rotated every 365 days.');
  await expect(tenant.getByRole('row').filter({ hasText: 'v1' })).toContainText('active');
  await expect(tenant.getByRole('row').filter({ hasText: 'v1' })).toContainText('A1 B2 C3');
  await expect(page.getByRole('region', { name: 'Archive HMAC' })).toContainText('No active version.');
  const pair = page.getByRole('region', { name: 'Signing CMK' }).getByRole('row').filter({ hasText: 'v1' });
  await expect(pair).toContainText('public key SHA-256');
  await expect(pair).toContainText('9F86 D081 884C 7D65 9A2F EAA0 C55A D015 A3BF 4F1B 2B0B 822C D15D 6C15 B0F0 0A08');
  await expect(pair).not.toContainText('9F 86 D0');
  expect(await axeViolations(page)).toEqual([]);
  await pageShots(page, testInfo, 'keys');

  await tenant.getByRole('button', { name: 'History of Tenant CMK' }).click();
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  await expect(page.getByLabel('Key or subject')).toHaveValue('Tenant CMK');
  await expect(page.getByRole('row').filter({ hasText: 'inventory.' })).toHaveCount(3);
});
