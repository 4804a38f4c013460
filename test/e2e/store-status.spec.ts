import { join } from 'node:path';
import { databaseFileName } from '../../src/main/store/database';
import { expect, test } from './fixtures';
import { pageShots } from './screenshots';

test('the start screen shows the workstation database checked at start, and that no signing key exists yet', async ({
  app,
}, testInfo) => {
  const card = app.page.getByRole('region', { name: 'Workstation database' });
  await expect(card).toContainText('Checked at start: no damage found');
  await expect(card).toContainText(join(app.dataDir, databaseFileName));
  await expect(card).toContainText('Not initialised yet');
  const shot = testInfo.outputPath('store-card.png');
  await card.screenshot({ path: shot });
  await testInfo.attach('store card', { path: shot, contentType: 'image/png' });
});

test.describe('with a damaged database', () => {
  test.use({ databaseFileContent: 'this is not an SQLite database, it was damaged' });

  test('says the database cannot be used and what to do, and the token is still shown', async ({ app }, testInfo) => {
    const alert = app.page.getByRole('alert').filter({ hasText: 'The workstation database cannot be used' });
    await expect(alert).toBeVisible();
    await expect(alert).toContainText(/database|SQLite/i);
    await expect(app.page.getByRole('heading', { name: /Token Keyward Rehearsal/ })).toBeVisible();
    await pageShots(app.page, testInfo, 'store-damaged');
  });
});
