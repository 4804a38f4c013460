/** Screenshots of what the officer sees, at the two sizes the issue names, attached for review; axe checks each screen. */
import type { Locator, Page, TestInfo } from '@playwright/test';
import { axeViolations } from './axe';
import { expect } from './fixtures';

export const sizes = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
];

/**
 * The viewport (where the focus took it, or with `keep` scrolled to its top) at both sizes, attached; axe
 * finds nothing on the screen.
 */
export async function shots(page: Page, testInfo: TestInfo, name: string, keep?: Locator): Promise<void> {
  for (const size of sizes) {
    await page.setViewportSize(size);
    if (keep) await keep.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const path = testInfo.outputPath(`${name}-${size.width}.png`);
    await page.screenshot({ path });
    await testInfo.attach(`${name} at ${size.width}x${size.height}`, { path, contentType: 'image/png' });
  }
  await page.setViewportSize(sizes[0] ?? { width: 1366, height: 768 });
  expect(await axeViolations(page)).toEqual([]);
}

/** The whole page, from the top, at both sizes; attached for review (the caller checks axe where it needs). */
export async function pageShots(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const size of sizes) {
    await page.setViewportSize(size);
    const path = testInfo.outputPath(`${name}-${size.width}.png`);
    // From the top: a full-page capture taken scrolled down would draw the sticky header over the middle.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path, fullPage: true });
    await testInfo.attach(`${name} at ${size.width}x${size.height}`, { path, contentType: 'image/png' });
  }
  // As the test had it: what follows runs at the size it chose.
  if (before) await page.setViewportSize(before);
}
