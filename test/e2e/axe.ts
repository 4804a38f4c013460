/**
 * Runs axe-core inside the Keyward window itself. (@axe-core/playwright opens a second page to collect
 * results, which Keyward's one-window policy closes at once.) Evaluation through the driver is not
 * subject to the page's CSP, so the page's policy stays as strict as in production.
 */
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  help: string;
  nodes: string[];
}

/** Keyward's own rule beside axe's: a button is never disabled without a reason the officer can read beside it. */
async function unexplainedDisabledButtons(page: Page): Promise<AxeViolation[]> {
  const unexplained = await page.evaluate(() =>
    [...document.querySelectorAll('button:disabled')]
      .filter((button) => button.getClientRects().length > 0)
      .filter((button) => {
        const ids = (button.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
        return !ids.some((id) => (document.getElementById(id)?.textContent ?? '').trim() !== '');
      })
      .map((button) => button.textContent.trim()),
  );
  return unexplained.length
    ? [
        {
          id: 'keyward-disabled-button-without-reason',
          help: 'A disabled button says why, beside it',
          nodes: unexplained,
        },
      ]
    : [];
}

export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const keyward = await unexplainedDisabledButtons(page);
  await page.evaluate(axeSource);
  return page
    .evaluate(async () => {
      const axe = (
        globalThis as unknown as {
          axe: {
            run: (
              context: Document,
            ) => Promise<{ violations: { id: string; help: string; nodes: { target: unknown[] }[] }[] }>;
          };
        }
      ).axe;
      const result = await axe.run(document);
      return result.violations.map((v) => ({
        id: v.id,
        help: v.help,
        nodes: v.nodes.map((n) => JSON.stringify(n.target)),
      }));
    })
    .then((violations) => [...violations, ...keyward]);
}
