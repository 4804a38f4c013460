/**
 * A ceremony run from the keyboard alone (Tab, arrows, Space, Enter and typing; no pointer): the audit
 * export, started from the Audit screen, at 1366x768, with axe on each screen on the way.
 */
import type { Locator, Page } from '@playwright/test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { practiceDrivesFolder } from '../../src/main/media/drive-access';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { axeViolations } from './axe';
import { expect, test } from './fixtures';
import { pageShots } from './screenshots';

test.use({ actionTimeout: 30_000 });

/** Tabs forward until the element has the focus, as an officer would; fails if it cannot be reached. */
async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let i = 0; i < 80; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

test('the audit export ceremony runs from the keyboard alone', async ({ app }, testInfo) => {
  test.setTimeout(180_000);
  const { page } = app;
  await page.setViewportSize({ width: 1366, height: 768 });
  // Set-up through the app's own calls: a login and the founding officers.
  const setUp = await page.evaluate(async (pin) => {
    const api = (window as unknown as { keyward: Record<string, (request: object) => Promise<{ ok: boolean }>> })
      .keyward;
    const login = await api.loginToken?.({ pinParts: [pin] });
    const network = (await api.getAirGapStatus?.({})) as unknown as {
      value: { isolated: boolean; findings: string[] };
    };
    const airGapFindings = network.value.isolated ? [] : network.value.findings;
    const init = await api.initialiseWorkstation?.({
      airGapFindings,
      organization: 'Example Org',
      name: 'Keyboard workstation',
      signingKey: 'ECDSA_P256',
      founding: [
        { id: 'alice', name: 'Alice Martin', role: 'security-officer', passphrase: 'rehearsal passphrase one' },
        { id: 'dana', name: 'Dana Osei', role: 'auditor', passphrase: 'rehearsal passphrase four' },
        { id: 'dave', name: 'Dave Okafor', role: 'security-officer', passphrase: 'rehearsal passphrase six' },
        { id: 'grace', name: 'Grace Lindqvist', role: 'security-officer', passphrase: 'rehearsal passphrase seven' },
      ],
    });
    return [login?.ok, init?.ok];
  }, rehearsalToken.userPin);
  expect(setUp).toEqual([true, true]);

  await tabTo(page, page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Audit log' }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByRole('button', { name: 'Export the signed log to a drive…' }));
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Ceremony', { exact: true })).toHaveValue('export-audit');
  await tabTo(page, page.getByRole('checkbox', { name: /\(dana, Auditor\)/ }));
  await page.keyboard.press('Space');
  await tabTo(
    page,
    page.getByRole('group', { name: 'Drive for the signed audit export' }).getByRole('radio', { name: /PRACTICE-1/ }),
  );
  await page.keyboard.press('Space');
  await tabTo(page, page.getByLabel('File name'));
  await page.keyboard.type('audit-export.jsonl');
  expect(await axeViolations(page)).toEqual([]);
  await page.keyboard.press('Enter');

  await tabTo(page, page.getByRole('button', { name: /We have read the plan/ }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByLabel(/^Officer \(to check in/));
  await page.keyboard.press('ArrowDown');
  await expect(page.getByLabel(/^Officer \(to check in/)).toHaveValue('dana');
  await tabTo(page, page.getByLabel(/passphrase, to check in/));
  await page.keyboard.type('rehearsal passphrase four');
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByRole('button', { name: 'Next officer' }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByRole('button', { name: 'Everyone present has checked in: go to the steps' }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByLabel(/passphrase, to approve step 1/));
  await page.keyboard.type('rehearsal passphrase four');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'The quorum has approved this step.' })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  for (const step of [1, 2]) {
    await expect(page.getByRole('button', { name: `Run step ${step}` })).toBeEnabled({ timeout: 60_000 });
    await tabTo(page, page.getByRole('button', { name: `Run step ${step}` }));
    await page.keyboard.press('Enter');
  }
  await expect(page.getByRole('heading', { name: 'Ceremony completed' })).toBeVisible({ timeout: 60_000 });
  expect(await axeViolations(page)).toEqual([]);
  await pageShots(page, testInfo, 'keyboard-export-audit');
  const drive = join(app.dataDir, practiceDrivesFolder, 'PRACTICE-1');
  expect(existsSync(join(drive, 'audit-export.jsonl'))).toBe(true);
  expect(readdirSync(drive).sort()).toEqual([
    'audit-export.jsonl',
    'audit-export.jsonl.p7s',
    'audit-export.jsonl.signer.pem',
  ]);
});
