import type { Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { callNames } from '../../src/shared/call-names';
import { expect, test } from './fixtures';
import { pageShots } from './screenshots';

/** The value shown beside a label in one of the start screen's definition lists. */
const field = (page: Page, list: string, label: string) =>
  page
    .getByLabel(list)
    .locator('dt', { hasText: new RegExp(`^${label}$`) })
    .locator('xpath=following-sibling::dd[1]');

/** The rehearsal token as SoftHSM's own tool reports it: an independent read, not Keyward's. */
function softhsmShowSlots(dataDir: string): string {
  return execFileSync('softhsm2-util', ['--show-slots'], {
    env: { ...process.env, SOFTHSM2_CONF: join(dataDir, 'rehearsal', 'softhsm2.conf') },
    encoding: 'utf8',
  });
}

test('the start screen shows the rehearsal token read live, marked REHEARSAL', async ({ app }, testInfo) => {
  const { page } = app;
  await expect(page.getByRole('heading', { name: 'Home', level: 1 })).toBeVisible();
  await expect(page.getByRole('note', { name: 'Rehearsal mode' })).toContainText('REHEARSAL');
  await expect(page).toHaveTitle('Keyward: REHEARSAL');
  await expect(page.getByRole('heading', { name: /Token Keyward Rehearsal/ })).toBeVisible();

  const slots = softhsmShowSlots(app.dataDir);
  const tokenInfo = slots
    .split(/^Slot /m)
    .find((section) => /Label:\s+Keyward Rehearsal/.test(section))
    ?.split('Token info:')[1];
  expect(tokenInfo, slots).toBeTruthy();
  const reported = (name: string): string => {
    const value = new RegExp(`${name}:\\s+(.+)`).exec(tokenInfo ?? '')?.[1]?.trim();
    if (!value) throw new Error(`softhsm2-util did not report "${name}":\n${slots}`);
    return value;
  };
  const token = (label: string) => field(page, 'Token details', label);
  await expect(token('Serial number')).toHaveText(reported('Serial number'));
  await expect(token('Manufacturer')).toHaveText(reported('Manufacturer ID'));
  await expect(token('Model')).toHaveText(reported('Model'));
  await expect(token('Firmware version')).toHaveText(reported('Firmware version'));
  await expect(token('Hardware version')).toHaveText(reported('Hardware version'));
  await expect(token('Login state')).toHaveText('Not logged in');
  await expect(page.getByText(/Normal: no wrong PIN entries/)).toBeVisible();
  await expect(field(page, 'Object counts', 'Secret keys')).toHaveText('0');

  await pageShots(page, testInfo, 'start-screen');
});

test('the renderer cannot reach Node and can call only the contract', async ({ app }) => {
  const { page } = app;
  await expect(page.getByRole('heading', { name: 'Home', level: 1 })).toBeVisible();
  const reach = await page.evaluate(() => {
    const scope = globalThis as unknown as Record<string, unknown>;
    return {
      require: typeof scope.require,
      process: typeof scope.process,
      module: typeof scope.module,
      Buffer: typeof scope.Buffer,
      ipcRenderer: typeof scope.ipcRenderer,
      electron: typeof scope.electron,
      keywardBindings: Object.keys(scope).filter((k) => k.startsWith('__keyward')),
      api: Object.keys(window.keyward).sort(),
      frozen: Object.isFrozen(window.keyward),
      replaceable: Reflect.set(window, 'keyward', {}),
    };
  });
  expect(reach).toEqual({
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    Buffer: 'undefined',
    ipcRenderer: 'undefined',
    electron: 'undefined',
    keywardBindings: [],
    api: [...callNames].sort(),
    frozen: true,
    replaceable: false,
  });

  const refused = await page.evaluate(() =>
    window.keyward.selectHsm({ mode: 'hsm', modulePath: 'relative/lib.so', tokenUri: 'pkcs11:token=x?pin-value=1234' }),
  );
  expect(refused.ok).toBe(false);
  if (!refused.ok) {
    expect(refused.error.code).toBe('INVALID_REQUEST');
    expect(refused.error.message).toContain('modulePath: the module path must be absolute');
    expect(refused.error.message).toContain('a PIN is never part of an address');
    expect(JSON.stringify(refused)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  }
});

test("a call from any frame other than Keyward's own window is refused", async ({ app }) => {
  const { page } = app;
  await expect(page.getByRole('heading', { name: 'Home', level: 1 })).toBeVisible();
  const fromSubframe = await page.evaluate(async () => {
    const frame = document.createElement('iframe');
    document.body.appendChild(frame);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const api = (frame.contentWindow as unknown as { keyward?: Window['keyward'] }).keyward;
    // Electron gives sub-frames no preload at all; the Chromium shell's bridge exists there but is refused.
    return api ? await api.getHsmSettings({}) : 'no api in sub-frames';
  });
  if (typeof fromSubframe === 'string') expect(fromSubframe).toBe('no api in sub-frames');
  else expect(fromSubframe).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
});

test('the capability probe shows what the token can and cannot do, with the reason', async ({ app }, testInfo) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Probe capabilities' }).click();
  const wrapping = page.getByRole('list', { name: 'Wrapping algorithms' });
  await expect(wrapping.getByText('Available: RSA-OAEP with SHA-1')).toBeVisible();
  await expect(wrapping.getByText(/Not available: RSA-OAEP with SHA-256 .*CKR_ARGUMENTS_BAD/)).toBeVisible();
  await expect(wrapping.getByText(/Not available: RSA-AES key wrap \(native\) .*CKM_RSA_AES_KEY_WRAP/)).toBeVisible();
  await expect(field(page, 'Key types', 'CMK key types')).toContainText('AES_256');
  await pageShots(page, testInfo, 'start-screen-capabilities');
});
