/** Moving about the app as an officer does: a screen from the navigation, a ceremony form with its officers ticked. */
import type { Page } from '@playwright/test';

/** Moves to one of the app's screens from the navigation. */
export const nav = (page: Page, screen: string) =>
  page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: screen, exact: true }).click();

/** Opens the Ceremonies screen on a ceremony type's form, with the officers present ticked. */
export async function startCeremony(page: Page, type: string, officers: string[] = ['alice', 'bob']): Promise<void> {
  await nav(page, 'Ceremonies');
  await page.getByLabel('Ceremony', { exact: true }).selectOption({ label: type });
  for (const officer of officers) await page.getByRole('checkbox', { name: new RegExp(`\\(${officer}, `) }).check();
}
