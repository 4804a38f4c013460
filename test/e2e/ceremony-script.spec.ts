/**
 * The printable ceremony script (issue 19, point 15): from the plan screen, before anyone checks in, the
 * officers write the signed script to a practice drive and see where it went; the PDF is on the drive,
 * REHEARSAL first in its name. Screenshots at 1366x768 and 1920x1080; axe finds nothing.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { practiceDrivesFolder } from '../../src/main/media/drive-access';
import { pdfText } from '../helpers/openssl-cms';
import { expect, test } from './fixtures';
import { startCeremony } from './navigate';
import { shots } from './screenshots';
import { setUp } from './set-up';

test.use({ actionTimeout: 30_000 });

test('the plan screen writes the signed ceremony script to a drive, to print before check-in', async ({
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
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  await expect(page.getByRole('region', { name: 'The plan' })).toBeVisible();

  const card = page.getByRole('region', { name: 'Print the ceremony script' });
  const write = card.getByRole('button', { name: 'Write the ceremony script' });
  await expect(write).toBeDisabled();
  await card
    .getByRole('group', { name: 'Drive for the ceremony script' })
    .getByRole('radio', { name: /PRACTICE-2/ })
    .check();
  await write.click();
  const written = card.getByRole('status').filter({ hasText: 'Written to' });
  await expect(written).toContainText(/REHEARSAL-keyward-script-generate-cmk-/);

  const drive = join(app.dataDir, practiceDrivesFolder, 'PRACTICE-2');
  const [folder] = readdirSync(drive).filter((name) => name.startsWith('REHEARSAL-keyward-script-'));
  expect(folder).toBeDefined();
  await expect(written).toContainText(join(drive, folder ?? ''));
  expect(readdirSync(join(drive, folder ?? '')).sort()).toEqual(['script.pdf', 'script.pdf.p7s', 'signer.pem']);
  const text = pdfText(join(drive, folder ?? '', 'script.pdf'));
  expect(text).toContain('REHEARSAL Ceremony script');
  expect(text).toContain('Payroll records in the SaaS suite');

  // A second write to the same drive is refused, saying why; the first is untouched.
  await write.click();
  await expect(card.getByRole('alert', { name: 'The ceremony script was not written' })).toContainText(
    'never overwrites a ceremony script',
  );
  await expect(card.getByRole('alert')).toBeVisible();
  await card.getByRole('heading', { name: 'Print the ceremony script' }).scrollIntoViewIfNeeded();
  await shots(page, testInfo, 'ceremony-script-refused');

  await card
    .getByRole('group', { name: 'Drive for the ceremony script' })
    .getByRole('radio', { name: /PRACTICE-3/ })
    .check();
  await write.click();
  await expect(card.getByRole('status').filter({ hasText: 'Written to' })).toContainText(
    join(app.dataDir, practiceDrivesFolder, 'PRACTICE-3'),
  );
  await card.getByRole('heading', { name: 'Print the ceremony script' }).scrollIntoViewIfNeeded();
  await shots(page, testInfo, 'ceremony-script');
});
