/**
 * In-app help (issue 19): the Help screen, opened from the navigation, defines every term an officer meets,
 * shows which roles approve each ceremony, and shows every ceremony type's example plan, built into the app;
 * the pointers on the Officers, Keys and Ceremonies screens open it at the right place; it works by keyboard
 * alone and axe finds nothing. Screenshots at 1366x768 and 1920x1080 are attached.
 */
import type { Locator, Page } from '@playwright/test';
import { ceremonyCatalogue } from '../../src/main/ceremonies/catalogue';
import { officerRoles, roleLabels } from '../../src/shared/officers';
import { axeViolations } from './axe';
import { expect, test } from './fixtures';
import { nav } from './navigate';
import { shots } from './screenshots';
import { setUp } from './set-up';

/** The words the glossary must define (issue 19, point 16), as its terms begin. */
const terms = [
  'CMK',
  'HSM',
  'Key version',
  'KCV and public-key fingerprint',
  'OAEP',
  'RFC 5649 and RSA-AES key wrap',
  'Wrapping key',
  'Import token and deadline',
  'Upload bundle and its signature',
  'Quorum and dual control',
  'Approval',
  'Check-in',
  'Plan digest and step digest',
  'PGP words',
  'Backup shares (k of n) and custodians',
  'Rehearsal token',
  'Air gap',
  'Workstation key',
  'Audit log and checkpoints',
  'Destroy (crypto-shredding)',
];

const planText = (page: Page, file: string) => page.getByRole('region', { name: `${file}, as delivered with Keyward` });

test('Help defines every term, shows who approves what, and shows each ceremony’s example plan', async ({
  app,
}, testInfo) => {
  test.setTimeout(120_000);
  const { page } = app;
  await page.setViewportSize({ width: 1366, height: 768 });
  await nav(page, 'Help');
  await expect(page.getByRole('heading', { name: 'Help', level: 1 })).toBeVisible();
  await expect(
    page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Help', exact: true }),
  ).toHaveAttribute('aria-current', 'page');
  await shots(page, testInfo, 'help-top');

  // Every term, each with its definition.
  const glossary = page.getByRole('region', { name: 'Glossary' });
  for (const term of terms) {
    const dt = glossary.locator('dt').filter({ hasText: term });
    await expect(dt).toHaveCount(1);
    await expect(dt.locator('xpath=following-sibling::dd[1]')).not.toBeEmpty();
  }
  await expect(glossary.locator('dt')).toHaveCount(terms.length);
  await expect(glossary.locator('dt').filter({ hasText: 'CMK' })).toContainText('customer master key');

  // A term's link brings its definition into view, focused; a link inside a definition does the same.
  await page.getByRole('navigation', { name: 'Glossary terms' }).getByRole('button', { name: 'Air gap' }).click();
  const airGap = glossary.locator('dt').filter({ hasText: 'Air gap' });
  await expect(airGap).toBeFocused();
  await expect(airGap).toBeInViewport();
  await page.locator('#term-approval + dd').getByRole('button', { name: 'digest', exact: true }).click();
  await expect(glossary.locator('dt').filter({ hasText: 'Plan digest and step digest' })).toBeFocused();
  await shots(page, testInfo, 'help-glossary-term');

  // The roles, and for every ceremony type which of them approve it by default.
  const roles = page.getByRole('region', { name: "Officers' roles and what each may do" });
  for (const role of officerRoles) {
    await expect(roles.locator('dt').filter({ hasText: roleLabels[role] })).toHaveCount(1);
    await expect(roles.getByRole('columnheader', { name: roleLabels[role] })).toBeVisible();
  }
  const policyRows = roles.getByRole('table').getByRole('row');
  await expect(policyRows).toHaveCount(ceremonyCatalogue.length + 1);
  for (const entry of ceremonyCatalogue) {
    const row = policyRows.filter({ has: page.getByRole('rowheader', { name: entry.title, exact: true }) });
    const cells = await row.getByRole('cell').allInnerTexts();
    expect(cells.slice(1)).toEqual(officerRoles.map((r) => (entry.policy.roles.includes(r) ? 'approves' : 'no')));
  }
  await shots(
    page,
    testInfo,
    'help-roles',
    page.getByRole('heading', { name: "Officers' roles and what each may do" }),
  );

  // The plan files: the README first, then each type's example plan, as built into the app.
  const plans = page.getByRole('navigation', { name: 'Plan files' });
  await page.getByRole('button', { name: 'Ceremony plan files' }).click();
  await expect(page.getByRole('heading', { name: 'Ceremony plan files' })).toBeFocused();
  await expect(page.getByRole('heading', { name: /About plan files/ })).toBeVisible();
  await expect(page.getByRole('table').filter({ hasText: 'generate-cmk.yaml' })).toBeVisible();
  await shots(page, testInfo, 'help-readme', page.getByRole('heading', { name: /About plan files/ }));
  await plans.getByRole('button', { name: /Generate a key \(CMK\)/ }).click();
  await expect(plans.getByRole('button', { name: /Generate a key \(CMK\)/ })).toHaveAttribute('aria-current', 'true');
  await expect(page.getByRole('heading', { name: /Generate a key \(CMK\)/, level: 3 })).toBeVisible();
  await expect(planText(page, 'generate-cmk.yaml')).toContainText('ceremony: generate-cmk');
  await expect(page.getByText(/choose “Run a plan file from a drive” as the ceremony/)).toBeVisible();
  await shots(page, testInfo, 'help-plan-file', page.getByRole('heading', { name: 'Ceremony plan files' }));
  for (const entry of ceremonyCatalogue) {
    await plans.getByRole('button', { name: new RegExp(`${entry.type}\\.yaml`) }).click();
    await expect(planText(page, `${entry.type}.yaml`)).toContainText(`ceremony: ${entry.type}`);
  }
  await plans.getByRole('button', { name: /rehearsal-answers\.yaml/ }).click();
  await expect(planText(page, 'rehearsal-answers.yaml')).toContainText('passphrases:');
  await expect(page.getByText('Keyward refuses it on a real HSM')).toBeVisible();

  // The Officers screen of a workstation with no officers yet opens Help at the initialisation's plan.
  await nav(page, 'Officers');
  await page.getByRole('button', { name: 'How the initialisation is done (Help)' }).click();
  await expect(page.getByRole('heading', { name: /Initialise the workstation/, level: 3 })).toBeFocused();
  await expect(planText(page, 'initialise-workstation.yaml')).toContainText('ceremony: initialise-workstation');
});

test('the Ceremonies form and the Keys screen open Help at the plan files', async ({ app }, testInfo) => {
  test.setTimeout(180_000);
  const { page } = app;
  await page.setViewportSize({ width: 1366, height: 768 });
  await setUp(page, []);

  await nav(page, 'Keys');
  await page.getByRole('button', { name: 'Its example plan (Help)' }).click();
  await expect(page.getByRole('heading', { name: /Generate a key \(CMK\)/, level: 3 })).toBeFocused();
  await expect(planText(page, 'generate-cmk.yaml')).toContainText('ceremony: generate-cmk');

  await nav(page, 'Ceremonies');
  await page.getByLabel('Ceremony', { exact: true }).selectOption({ label: 'Run a plan file from a drive' });
  await expect(page.getByText('A plan file (YAML) on a drive')).toBeVisible();
  await expect(page.getByText('docs/ceremonies')).toHaveCount(0);
  await page.getByRole('button', { name: 'Example plan files (Help)' }).click();
  const heading = page.getByRole('heading', { name: 'Ceremony plan files' });
  await expect(heading).toBeFocused();
  await expect(heading).toBeInViewport();
  await shots(page, testInfo, 'help-from-form');
  // And back to the form, from the plan's own link.
  await page.getByRole('button', { name: 'Open the Ceremonies screen' }).click();
  await expect(page.getByRole('heading', { name: 'Start a ceremony' })).toBeVisible();
});

test('Help works by keyboard alone', async ({ app }) => {
  test.setTimeout(120_000);
  const { page } = app;
  await page.setViewportSize({ width: 1366, height: 768 });
  await expect(page.getByRole('heading', { name: /Token Keyward Rehearsal/ })).toBeVisible();

  /** Tabs until the element has the focus (never more than `limit` presses). */
  async function tabTo(target: Locator, limit = 120): Promise<void> {
    for (let i = 0; i < limit && !(await target.evaluate((el) => el === document.activeElement)); i++)
      await page.keyboard.press('Tab');
    await expect(target).toBeFocused();
  }

  await tabTo(page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Help', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Help', level: 1 })).toBeVisible();

  // A term from the glossary's index, by Tab and Enter: its definition is focused.
  await tabTo(page.getByRole('navigation', { name: 'Glossary terms' }).getByRole('button', { name: 'PGP words' }));
  await page.keyboard.press('Enter');
  await expect(page.locator('dl.glossary dt').filter({ hasText: 'PGP words' })).toBeFocused();

  // A plan file, by Tab and Space; then its text can be reached (and scrolled) by keyboard too.
  const rotate = page.getByRole('navigation', { name: 'Plan files' }).getByRole('button', { name: /rotate-cmk\.yaml/ });
  await tabTo(rotate, 200);
  await page.keyboard.press('Space');
  await expect(rotate).toHaveAttribute('aria-current', 'true');
  await tabTo(planText(page, 'rotate-cmk.yaml'), 60);
  await expect(planText(page, 'rotate-cmk.yaml')).toContainText('ceremony: rotate-cmk');
  expect(await axeViolations(page)).toEqual([]);
});
