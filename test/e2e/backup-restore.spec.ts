/**
 * Backup and restore through the app: the versions, the threshold, the package drive and one drive per
 * custodian's share; the security officer's PIN for the step; then, after the version is destroyed, the
 * custodians give their shares (one picks the share file on their drive, one types the words).
 */
import type { Locator, Page } from '@playwright/test';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { practiceDrivesFolder } from '../../src/main/media/drive-access';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { axeViolations } from './axe';
import { expect, test } from './fixtures';
import { pageShots } from './screenshots';
import { passphrases, setUp } from './set-up';

test.use({ actionTimeout: 30_000 });

async function checkInAndApprove(page: Page): Promise<void> {
  await page.getByRole('button', { name: /We have read the plan/ }).click();
  for (const officer of ['alice', 'bob']) {
    await page.getByLabel(/^Officer \(to check in/).selectOption(officer);
    await page.getByLabel(/passphrase, to check in/).fill(passphrases[officer] ?? '');
    await page.getByRole('button', { name: 'Check in' }).click();
    await page.getByRole('button', { name: 'Next officer' }).click();
  }
  await page.getByRole('button', { name: 'Everyone present has checked in: go to the steps' }).click();
  for (const officer of ['alice', 'bob']) {
    await page.getByLabel(/^Officer \(to approve step/).selectOption(officer);
    await page.getByLabel(/passphrase, to approve step/).fill(passphrases[officer] ?? '');
    await page.getByRole('button', { name: 'Approve this step' }).click();
    await expect(
      page.getByRole('button', { name: 'Next officer' }).or(page.getByText('The quorum has approved this step.')),
    ).toBeVisible();
    if (await page.getByRole('button', { name: 'Next officer' }).isVisible())
      await page.getByRole('button', { name: 'Next officer' }).click();
  }
}

async function typePins(page: Page): Promise<void> {
  await page.getByLabel('Security officer PIN: part 1 of 1').fill(rehearsalToken.soPin);
  await page.getByRole('button', { name: 'Keep the security officer PIN for this step' }).click();
  await page.getByLabel('User PIN: part 1 of 1').fill(rehearsalToken.userPin);
  await page.getByRole('button', { name: 'Keep the user PIN for this step' }).click();
}

/** Picks the drive whose label is `drive` in a custodian's drive choice. */
async function chooseDrive(select: Locator, drive: string): Promise<void> {
  const value = await select.locator('option', { hasText: drive }).getAttribute('value');
  await select.selectOption(value ?? '');
}

/** Runs the remaining steps (those after the first need no approval in these ceremonies). */
async function runToTheEnd(page: Page): Promise<void> {
  const completed = page.getByRole('heading', { name: 'Ceremony completed' });
  for (let step = 1; ; step++) {
    const run = page.getByRole('button', { name: `Run step ${step}` });
    await expect(completed.or(run)).toBeVisible({ timeout: 60_000 });
    if (await completed.isVisible()) return;
    await run.click();
  }
}

test("a version is backed up to custodians' drives and restored from their shares", async ({ app }, testInfo) => {
  test.setTimeout(300_000);
  const { page } = app;
  await page.setViewportSize({ width: 1366, height: 768 });
  const drives = join(app.dataDir, practiceDrivesFolder);
  await setUp(page, [
    { ceremony: 'generate-cmk', officers: ['alice', 'bob'], key: { name: 'Tenant CMK', purpose: 'Tenant data' } },
    { ceremony: 'rotate-cmk', officers: ['alice', 'bob'], key: { name: 'Tenant CMK' }, reason: 'manual' },
  ]);

  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Ceremonies' }).click();
  await page.getByLabel('Ceremony', { exact: true }).selectOption({ label: 'Back up key versions' });
  for (const officer of ['alice', 'bob'])
    await page.getByRole('checkbox', { name: new RegExp(`\\(${officer}, `) }).check();
  await page
    .getByRole('group', { name: 'Key versions to back up' })
    .getByRole('checkbox', { name: /Tenant CMK v1/ })
    .check();
  await page
    .getByRole('group', { name: 'Drive for the backup package' })
    .getByRole('radio', { name: /PRACTICE-1/ })
    .check();
  // Each custodian present is given their own drive; a drive given to one is not offered to the other.
  const custodians = page.getByRole('group', { name: /^Custodians: each takes one share/ });
  await chooseDrive(custodians.getByLabel(/^Drive for Alice .*'s share/), 'PRACTICE-2');
  await expect(
    custodians.getByLabel(/^Drive for Bob .*'s share/).locator('option', { hasText: 'PRACTICE-2' }),
  ).toHaveCount(0);
  await chooseDrive(custodians.getByLabel(/^Drive for Bob .*'s share/), 'PRACTICE-3');
  await expect(custodians).toContainText('2 shares so far');
  await page.getByLabel(/^Shares needed to restore/).fill('2');
  expect(await axeViolations(page)).toEqual([]);
  await pageShots(page, testInfo, 'backup-form');
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  await checkInAndApprove(page);
  await typePins(page);
  expect(await axeViolations(page)).toEqual([]);
  await pageShots(page, testInfo, 'backup-pins');
  await runToTheEnd(page);
  await expect(page.getByRole('group', { name: 'Backup key check value' })).toBeVisible();
  // The summary says who holds which share, and what each custodian does before leaving.
  const holders = page.getByRole('list', { name: 'Who holds which share' });
  await expect(holders.getByRole('listitem')).toHaveCount(2);
  await expect(holders.getByRole('listitem').first()).toContainText(/Share 1 of 2 for Alice .* \(alice\)/);
  await expect(holders.getByRole('listitem').nth(1)).toContainText(/Share 2 of 2 for Bob .* \(bob\)/);
  await expect(holders.getByRole('listitem').nth(1)).toContainText('PRACTICE-3');
  await expect(page.getByRole('heading', { name: 'What each custodian does now' })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await pageShots(page, testInfo, 'backup-done');
  await page.getByRole('button', { name: 'Close' }).click();

  // The version is destroyed; the custodians restore it from their shares.
  await page.getByLabel('Ceremony', { exact: true }).selectOption({ label: 'Destroy a key version' });
  for (const officer of ['alice', 'bob'])
    await page.getByRole('checkbox', { name: new RegExp(`\\(${officer}, `) }).check();
  await page.getByLabel('Key version').selectOption(JSON.stringify(['Tenant CMK', 1]));
  await page
    .getByRole('group', { name: 'Drive for the signed destruction certificate' })
    .getByRole('radio', { name: /PRACTICE-1/ })
    .check();
  // A backup holds the version: the notice says so, and no key name is asked for.
  await expect(page.getByRole('list', { name: 'What this destruction takes away' })).toContainText('Backed up once');
  await expect(page.getByLabel(/^Type the key name/)).toHaveCount(0);
  await page.getByRole('button', { name: 'Plan the destruction' }).click();
  await checkInAndApprove(page);
  await runToTheEnd(page);
  await page.getByRole('button', { name: 'Close' }).click();

  await page.getByLabel('Ceremony', { exact: true }).selectOption({ label: 'Restore key versions' });
  for (const officer of ['alice', 'bob'])
    await page.getByRole('checkbox', { name: new RegExp(`\\(${officer}, `) }).check();
  const packagePicker = page.getByRole('group', { name: 'The backup package folder' });
  await packagePicker.getByRole('radio', { name: /PRACTICE-1/ }).check();
  await packagePicker.getByRole('radio', { name: /^REHEARSAL-keyward-backup-/ }).check();
  await page
    .getByRole('group', { name: 'Key versions to restore' })
    .getByRole('checkbox', { name: /Tenant CMK v1/ })
    .check();
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  await checkInAndApprove(page);
  // Custodian 1 picks their share file on their drive; custodian 2 types the words of theirs.
  const shares = page.getByRole('group', { name: /Backup key shares/ });
  const filePicker = shares.getByRole('group', { name: "Or the share file on the custodian's drive" });
  await filePicker.getByRole('radio', { name: /PRACTICE-2/ }).check();
  await filePicker.getByRole('radio', { name: /share\.txt/ }).check();
  await shares.getByRole('button', { name: 'Add this share' }).click();
  await expect(shares.getByRole('status')).toHaveText('1 share(s) given.');
  const shareFolder =
    readdirSync(join(drives, 'PRACTICE-3')).find((n) => n.startsWith('REHEARSAL-keyward-backup-')) ?? '';
  const words =
    /^Words: (.+)$/m.exec(readFileSync(join(drives, 'PRACTICE-3', shareFolder, 'share.txt'), 'utf8'))?.[1] ?? '';
  await shares.getByLabel('Share words (typed by the custodian, not shown to others)').fill(words);
  await shares.getByRole('button', { name: 'Add this share' }).click();
  await expect(shares.getByRole('status')).toHaveText('2 share(s) given.');
  await typePins(page);
  await pageShots(page, testInfo, 'restore-shares');
  await runToTheEnd(page);
  await pageShots(page, testInfo, 'restored');
  await page.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Keys' }).click();
  await expect(page.getByRole('region', { name: 'Tenant CMK' })).toContainText('restored');
});
