/**
 * The whole life of a key through the app, as two officers would run it on the rehearsal token (a real
 * SoftHSM token) and a real SQLite file: a wrong PIN, the initialisation, generation with a rejected
 * approval, a provider's wrapping key from a drive, an export to a drive that fills up and then succeeds
 * (read back and verified), a resume after the app is killed in the middle of a step, rotation and
 * destruction. A screenshot of every screen is kept; axe checks each kind of screen at 1366x768.
 */
import type { Page, TestInfo } from '@playwright/test';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { practiceDrivesFolder } from '../../src/main/media/drive-access';
import { databaseFileName } from '../../src/main/store/database';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { axeViolations } from './axe';
import { expect, test } from './fixtures';
import { pageShots } from './screenshots';

const passphrases = {
  alice: 'rehearsal passphrase one',
  bob: 'rehearsal passphrase two',
  dave: 'rehearsal passphrase four',
  grace: 'rehearsal passphrase five',
} as const;
type Officer = keyof typeof passphrases;

test.use({ actionTimeout: 30_000 });

let shots = 0;
const shot = (page: Page, testInfo: TestInfo, name: string) =>
  pageShots(page, testInfo, `${String(++shots).padStart(2, '0')}-${name}`);

async function expectAccessible(page: Page): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
}

async function typePin(page: Page, who: string, parts: string[], submit: string): Promise<void> {
  await page.getByLabel(`Number of PIN parts (${who})`).selectOption(String(parts.length));
  for (const [i, part] of parts.entries()) {
    await page.getByLabel(`${who}: part ${i + 1} of ${parts.length}`).fill(part);
    await page.getByRole('button', { name: i === parts.length - 1 ? submit : `Next holder of the ${who}` }).click();
  }
}

/** An officer picks their name and types their passphrase in the form for one purpose ("check in", "approve step", "abort"). */
async function passphraseFor(
  page: Page,
  purpose: string,
  officer: Officer,
  submit: string,
  passphrase: string = passphrases[officer],
): Promise<void> {
  await page.getByLabel(new RegExp(`^Officer \\(to ${purpose}`)).selectOption(officer);
  await page.getByLabel(new RegExp(`passphrase, to ${purpose}`)).fill(passphrase);
  await page.getByRole('button', { name: submit }).click();
}

/** An officer approves the current step; the screen is handed over unless the quorum is now complete. */
async function approve(page: Page, officer: Officer): Promise<void> {
  await passphraseFor(page, 'approve step', officer, 'Approve this step');
  const handover = page.getByRole('button', { name: 'Next officer' });
  await expect(handover.or(page.getByText('The quorum has approved this step.'))).toBeVisible({ timeout: 30_000 });
  if (await handover.isVisible()) await handover.click();
}

async function checkIn(page: Page, officers: Officer[]): Promise<void> {
  await page.getByRole('button', { name: /We have read the plan/ }).click();
  for (const officer of officers) {
    await passphraseFor(page, 'check in', officer, 'Check in');
    await expect(page.getByText(`${officer} has checked in.`)).toBeVisible();
    await page.getByRole('button', { name: 'Next officer' }).click();
  }
  await page.getByRole('button', { name: 'Everyone present has checked in: go to the steps' }).click();
}

/** Approves (when needed) and runs every remaining step, giving the PINs a step asks for. */
async function runSteps(page: Page, officers: Officer[]): Promise<void> {
  for (;;) {
    const completed = page.getByRole('heading', { name: 'Ceremony completed' });
    const run = page.getByRole('button', { name: /^Run step \d+$/ });
    await expect(completed.or(run)).toBeVisible({ timeout: 60_000 });
    if (await completed.isVisible()) return;
    const step = page.locator('.current-step');
    for (const officer of officers) {
      if (!(await step.getByRole('button', { name: 'Approve this step' }).isVisible())) break;
      await approve(page, officer);
    }
    if (await step.getByLabel('Number of PIN parts (Security officer PIN)').isVisible())
      await typePin(
        page,
        'Security officer PIN',
        [rehearsalToken.soPin],
        'Keep the security officer PIN for this step',
      );
    if (await step.getByLabel('Number of PIN parts (User PIN)').isVisible())
      await typePin(page, 'User PIN', [rehearsalToken.userPin], 'Keep the user PIN for this step');
    const heading = await step.getByRole('heading').first().textContent();
    await run.click();
    // An RSA-4096 key pair on a busy two-core machine can take SoftHSM more than a minute.
    await expect(page.getByRole('heading', { name: heading ?? '' })).toBeHidden({ timeout: 180_000 });
  }
}

/** On a machine with a network (this one, in CI), the security officer acknowledges the findings on the Home screen before any ceremony is planned. */
async function acknowledgeAirGap(page: Page, testInfo: TestInfo): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Home' }).click();
  const airGap = page.getByRole('region', { name: 'Air gap' });
  await expect(airGap.getByText(/^Isolated/).or(airGap.getByRole('list', { name: 'Air-gap findings' }))).toBeVisible();
  if (!(await airGap.getByRole('list', { name: 'Air-gap findings' }).isVisible())) return;
  if (await airGap.getByText(/^Acknowledged by/).isVisible()) return;
  await passphraseFor(page, 'acknowledge these findings', 'alice', 'Acknowledge');
  await expect(airGap.getByRole('status')).toContainText('Acknowledged by alice');
  await expectAccessible(page);
  await shot(page, testInfo, 'air-gap-acknowledged');
}

async function startCeremony(page: Page, type: string, officers: Officer[]): Promise<void> {
  await page.getByLabel('Ceremony', { exact: true }).selectOption({ label: type });
  for (const officer of officers) await page.getByRole('checkbox', { name: new RegExp(`\\(${officer}, `) }).check();
}

async function writeTranscript(page: Page): Promise<void> {
  await page
    .getByRole('group', { name: 'Drive for the transcript' })
    .getByRole('radio', { name: /PRACTICE-3/ })
    .check();
  await page.getByRole('button', { name: 'Write the signed transcript' }).click();
  await expect(page.getByText(/Written to .*keyward-transcript-/)).toBeVisible();
}

test('the whole life of a key through the app, with two officers', async ({ app }, testInfo) => {
  test.setTimeout(600_000);
  const drives = join(app.dataDir, practiceDrivesFolder);
  let page = app.page;
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Ceremonies' }).click();

  // A wrong PIN: refused, naming the token, with what to do next; nothing else happens.
  await typePin(page, 'User PIN', ['0000', '0000'], 'Log in');
  await expect(page.getByRole('alert', { name: 'The token login failed' })).toContainText(
    'The user PIN entered for token "Keyward Rehearsal"',
  );
  await expect(page.getByRole('alert', { name: 'The token login failed' })).toContainText(
    'Each officer re-enters their part of the PIN',
  );
  await shot(page, testInfo, 'wrong-pin');
  await typePin(page, 'User PIN', ['1111-', '2222'], 'Log in');

  // The initialisation: the workstation key and the founding officers, each typing a passphrase in turn.
  // Two security officers are not enough (one locked out could never be unlocked): the form says so.
  await page.getByLabel('Organisation').fill('Example Org');
  await page.getByLabel('Workstation name').fill('Rehearsal workstation');
  const founders = [
    ['alice', 'Alice Martin'],
    ['bob', 'Bob Chen'],
    ['dave', 'Dave Okafor'],
    ['grace', 'Grace Lindqvist'],
  ] as const;
  for (const [i, [id, name]] of founders.entries()) {
    // The full name is kept as typed; the id is made from it, and stays editable.
    await page.getByLabel(`Officer ${i + 1} full name`).fill(name);
    await expect(page.getByLabel(`Officer ${i + 1} id`)).toHaveValue(name.toLowerCase().replace(' ', '.'));
    await page.getByLabel(`Officer ${i + 1} id`).fill(id);
  }
  await expect(
    page.getByText(
      'so name at least 3 security officers', // worded from the policies the check applies (shared/founding.ts)
    ),
  ).toBeVisible();
  await page.getByLabel('Role').nth(3).selectOption('auditor');
  await expect(page.getByRole('list', { name: 'Why these founding officers are not enough' })).toContainText(
    'the officers name 2 (alice, dave). Add 1 more',
  );
  await expect(page.getByRole('button', { name: 'Each founding officer chooses a passphrase' })).toBeDisabled();
  await page.getByLabel('Role').nth(3).selectOption('security-officer');
  await expect(page.getByRole('list', { name: 'Why these founding officers are not enough' })).toHaveCount(0);
  // On a network, the founding security officer acknowledges the findings as part of the initialisation.
  const findings = page.getByRole('list', { name: 'Air-gap findings' });
  await expect(findings.or(page.getByText('Air gap: isolated.'))).toBeVisible();
  if (await findings.isVisible())
    await page.getByRole('checkbox', { name: /The founding security officer has read these findings/ }).check();
  await expectAccessible(page);
  await shot(page, testInfo, 'initialise');
  await page.getByRole('button', { name: 'Each founding officer chooses a passphrase' }).click();
  for (const officer of ['alice', 'bob', 'dave', 'grace'] as const) {
    await page.getByLabel('Passphrase', { exact: true }).fill(passphrases[officer]);
    await page.getByLabel('The same passphrase again').fill(passphrases[officer]);
    await page.getByRole('button', { name: /Keep it/ }).click();
  }
  // The result: the workstation key's fingerprint to write down, before anything else.
  await expect(page.getByRole('heading', { name: 'The workstation is initialised' })).toBeFocused({ timeout: 60_000 });
  const fingerprint = page.getByRole('group', { name: 'Workstation key fingerprint (SHA-256 of its public key)' });
  await expect(fingerprint).toContainText(/^[^]*([0-9A-F]{4} ){3}[0-9A-F]{4}[^]*29\. [a-zA-Z]+/);
  await shot(page, testInfo, 'initialised');
  // The token panel was read again: the new private key is counted, with no "Read again".
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Home' }).click();
  await expect(page.getByLabel('Object counts')).toContainText(/Private keys\s*[1-9]/);
  await expect(page.getByRole('group', { name: 'Workstation key fingerprint (SHA-256)' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Ceremonies' }).click();
  await page.getByRole('button', { name: 'We have recorded the fingerprint: go on to the ceremonies' }).click();
  await expect(page.getByRole('heading', { name: 'Start a ceremony' })).toBeVisible();

  await acknowledgeAirGap(page, testInfo);
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Ceremonies' }).click();

  // Generation: the plan and its digest first, check-in, a rejected approval, then the quorum.
  await startCeremony(page, 'Generate a key (CMK)', ['alice', 'bob']);
  await page.getByLabel('Key name').fill('Tenant CMK');
  await page.getByLabel('Purpose').fill('Tenant data');
  await page.getByLabel('Provider', { exact: true }).selectOption('aws-kms');
  await expectAccessible(page);
  await shot(page, testInfo, 'start-ceremony');
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  // The digest in four rows of four hex groups, and its 32 words numbered in groups of four, row for row.
  const planDigest = page.getByRole('group', { name: /Plan digest/ });
  await expect(planDigest.locator('.digest-hex > div')).toHaveCount(4);
  for (const row of await planDigest.locator('.digest-hex > div').allTextContents())
    expect(row).toMatch(/^[0-9A-F]{4}( [0-9A-F]{4}){3}$/);
  await expect(planDigest.locator('.word-group')).toHaveCount(8);
  await expect(planDigest.locator('.word-group').nth(1)).toContainText(/^5\. (\S+ ){3}\S+$/);
  await expectAccessible(page);
  await shot(page, testInfo, 'plan');
  await page.getByRole('button', { name: /We have read the plan/ }).click();
  await passphraseFor(page, 'check in', 'alice', 'Check in');
  await expect(page.getByText('alice has checked in.')).toBeVisible();
  await expect(page.getByLabel(/passphrase/)).toHaveCount(0);
  await shot(page, testInfo, 'handover');
  await page.getByRole('button', { name: 'Next officer' }).click();
  await passphraseFor(page, 'check in', 'bob', 'Check in');
  await page.getByRole('button', { name: 'Next officer' }).click();
  await page.getByRole('button', { name: 'Everyone present has checked in: go to the steps' }).click();
  await passphraseFor(page, 'approve step', 'bob', 'Approve this step', 'not the passphrase of bob');
  await expect(page.getByRole('alert', { name: "bob's approval was not accepted" })).toContainText(
    'Wrong passphrase for bob. 4 attempts left',
  );
  await expect(page.getByRole('status').filter({ hasText: 'Still needed: 2 more approvals' })).toBeVisible();
  await expectAccessible(page);
  await shot(page, testInfo, 'approval-rejected');
  await approve(page, 'alice');
  await expect(page.getByRole('list', { name: 'Approvals given' })).toContainText(
    'Approved by alice (Security officer)',
  );
  await expect(page.getByRole('status').filter({ hasText: 'Still needed: 1 more approval' })).toContainText('bob');
  await shot(page, testInfo, 'approvals');
  await runSteps(page, ['bob', 'alice']);
  await expect(page.getByRole('group', { name: 'Key check value' }).first()).toContainText(
    /[0-9A-F]{2} [0-9A-F]{2} [0-9A-F]{2}/,
  );
  await expectAccessible(page);
  await shot(page, testInfo, 'generated');
  await writeTranscript(page);
  await page.getByRole('button', { name: 'Close' }).click();

  // The provider's wrapping key, read from a drive; the security officer's PIN given for the step.
  const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
  mkdirSync(join(drives, 'PRACTICE-1', 'aws'), { recursive: true });
  writeFileSync(
    join(drives, 'PRACTICE-1', 'aws', 'get-parameters-for-import.json'),
    JSON.stringify({
      KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      ImportToken: randomBytes(40).toString('base64'),
      PublicKey: provider.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      ParametersValidTo: new Date(Date.now() + 3_600_000).toISOString(),
    }),
  );
  const pickParameters = async () => {
    const picker = page.getByRole('group', { name: "The provider's wrapping key file" });
    await picker.getByRole('radio', { name: /PRACTICE-1/ }).check();
    await picker.getByRole('radio', { name: 'aws/get-parameters-for-import.json' }).check();
    await page.getByLabel('Wrapping algorithm chosen in AWS').selectOption('RSAES_OAEP_SHA_1');
  };
  await startCeremony(page, "Import a provider's wrapping key", ['alice', 'bob']);
  await page.getByLabel('Label on the token').fill('AWS import');
  await pickParameters();
  await shot(page, testInfo, 'import-form');
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  await checkIn(page, ['alice', 'bob']);
  // A mistyped security officer PIN is a failed attempt: nothing is marked interrupted, the step stays
  // ready, and the PIN is asked again; the right PIN then runs it, with no restart.
  for (const officer of ['alice', 'bob'] as const) await approve(page, officer);
  await typePin(page, 'Security officer PIN', ['0000-wrong'], 'Keep the security officer PIN for this step');
  await typePin(page, 'User PIN', [rehearsalToken.userPin], 'Keep the user PIN for this step');
  await page.getByRole('button', { name: 'Run step 1' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: /PIN/ });
  await expect(refusal).toBeVisible();
  await expect(refusal).not.toContainText(/interrupted|Recover it/);
  await expect(page.getByText(/interrupted/i)).toHaveCount(0);
  await expect(page.locator('.current-step').getByLabel('Number of PIN parts (Security officer PIN)')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run step 1' })).toBeVisible();
  await expectAccessible(page);
  await shot(page, testInfo, 'wrong-so-pin');
  await runSteps(page, ['alice', 'bob']);
  await expect(page.getByRole('group', { name: 'Wrapping key fingerprint (SHA-256)' }).first()).toBeVisible();
  await shot(page, testInfo, 'imported');
  await page.getByRole('button', { name: 'Close' }).click();

  // The export, to a drive that is full: refused with what to do; space freed, the same step runs again.
  const full = join(drives, 'FULL-DRIVE');
  mkdirSync(full);
  const root = process.getuid?.() === 0;
  if (root) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]);
    writeFileSync(join(full, 'filler.bin'), Buffer.alloc(60 * 1024));
  }
  try {
    await startCeremony(page, 'Export a key to a provider', ['alice', 'bob']);
    await page.getByLabel('Key version').selectOption(JSON.stringify(['Tenant CMK', 1]));
    // The wrapping key imported above is chosen from the list, with its deadline: no file to read again.
    const wrappingKey = page.getByLabel('Wrapping key', { exact: true });
    await expect(wrappingKey.locator('option:checked')).toContainText('"AWS import" on the token');
    await expect(page.getByRole('group', { name: "The provider's wrapping key file" })).toHaveCount(0);
    await expect(page.getByText(/left before the provider's deadline/).first()).toBeVisible();
    // The drive was inserted after the form opened: the officers look for drives again.
    await page
      .getByRole('group', { name: 'Drive for the upload bundle' })
      .getByRole('button', { name: 'Look for drives again' })
      .click();
    await page
      .getByRole('group', { name: 'Drive for the upload bundle' })
      .getByRole('radio', { name: /FULL-DRIVE/ })
      .check();
    await shot(page, testInfo, 'export-form');
    await page.getByRole('button', { name: 'Plan the ceremony' }).click();
    await expect(page.getByText(/importAs first-import/).first()).toBeVisible();
    await checkIn(page, ['alice', 'bob']);
    if (root) {
      for (const officer of ['alice', 'bob'] as const) await approve(page, officer);
      await page.getByRole('button', { name: 'Run step 1' }).click();
      await expect(page.getByRole('alert', { name: 'Step 1 did not complete' })).toContainText(/FULL-DRIVE/);
      await expect(page.getByText('This step failed the last time it ran')).toBeVisible();
      await expectAccessible(page);
      await shot(page, testInfo, 'drive-full');
      rmSync(join(full, 'filler.bin'));
    }
    await runSteps(page, ['alice', 'bob']);
    await expect(page.getByRole('region', { name: 'Bundle read back from the drive' })).toContainText(
      'Verified as read back from the drive',
      { timeout: 30_000 },
    );
    await expect(page.getByRole('region', { name: 'Bundle read back from the drive' })).toContainText(
      'EncryptedKeyMaterial.bin',
    );
    // What the uploader does next: verify (pinned to the workstation key), upload before the deadline, check.
    const upload = page.getByRole('region', { name: 'What the uploader does next' });
    await expect(upload).toContainText('REHEARSAL: do not upload');
    await expect(upload).toContainText(/keyward verify \S+ --signer-fingerprint [0-9a-f]{64}/);
    await expect(upload).toContainText(/left before the provider's deadline \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/);
    await expect(upload).toContainText('aws kms import-key-material --key-id 1234abcd-12ab-34cd-56ef-1234567890ab');
    await expect(upload.getByRole('group', { name: 'The workstation key fingerprint the command pins' })).toBeVisible();
    await expectAccessible(page);
    await shot(page, testInfo, 'exported');
    await page.getByRole('button', { name: 'Close' }).click();
  } finally {
    if (root) execFileSync('umount', ['-l', full]);
  }

  // Killed in the middle of a step (an RSA-4096 key being generated): at the next start the ceremony
  // is shown as interrupted; the login rolls the step back, and the ceremony resumes to completion.
  await startCeremony(page, 'Generate a key (CMK)', ['alice', 'bob']);
  await page.getByLabel('Key name').fill('Signing CMK');
  await page.getByLabel('Purpose').fill('Resume test');
  await page.getByLabel('Key type').selectOption('RSA_4096');
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  await checkIn(page, ['alice', 'bob']);
  for (const officer of ['alice', 'bob'] as const) await approve(page, officer);
  await page.getByRole('button', { name: 'Run step 1' }).click();
  await expect(page.getByRole('status').filter({ hasText: /Step 1: .* s so far/ })).toBeVisible();
  await shot(page, testInfo, 'working');
  const db = new Database(join(app.dataDir, databaseFileName), { readonly: true });
  await expect
    .poll(() => db.prepare("SELECT count(*) FROM ceremony_steps WHERE state = 'running'").pluck().get(), {
      intervals: [20],
    })
    .toBe(1);
  db.close();
  page = await app.restart();
  await page.setViewportSize({ width: 1366, height: 768 });
  await expect(page.getByRole('region', { name: 'Unfinished ceremonies' })).toContainText(
    'Interrupted in the middle of a step',
  );
  await expectAccessible(page);
  await shot(page, testInfo, 'home-interrupted');
  await acknowledgeAirGap(page, testInfo);
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Ceremonies' }).click();
  await typePin(page, 'User PIN', [rehearsalToken.userPin], 'Log in');
  await expect(page.getByRole('list', { name: 'Notes from the login' })).toContainText(
    'was interrupted when Keyward stopped: it was rolled back and runs again',
  );
  await expect(page.getByRole('list', { name: 'Notes from the login' })).toContainText(
    'Objects it had made on the token, destroyed:',
  );
  await shot(page, testInfo, 'rolled-back');
  await page.getByRole('button', { name: /Resume Generate key .* \(RSA-4096 key pair\)/ }).click();
  await expect(page.getByText('This step was interrupted when Keyward stopped')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'The quorum has approved this step.' })).toBeVisible();
  await shot(page, testInfo, 'resumed');
  await runSteps(page, ['alice', 'bob']);
  await page.getByRole('button', { name: 'Close' }).click();

  // Rotation, then destruction of the first version with its certificate on a drive.
  await startCeremony(page, 'Rotate a key', ['alice', 'bob']);
  await page.getByLabel('Key', { exact: true }).selectOption('Tenant CMK');
  await page.getByLabel('Reason').selectOption('manual');
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  await checkIn(page, ['alice', 'bob']);
  await runSteps(page, ['alice', 'bob']);
  await page.getByRole('button', { name: 'Close' }).click();
  // Before a destroy: what it takes away (no backup holds version 1, which went to AWS), and the key name
  // typed again for the last copy; the action is the danger-styled "Plan the destruction".
  await startCeremony(page, 'Destroy a key version', ['alice', 'bob']);
  await page.getByLabel('Key version').selectOption(JSON.stringify(['Tenant CMK', 1]));
  const notice = page.getByRole('list', { name: 'What this destruction takes away' });
  await expect(notice).toContainText('It is decrypt-only');
  await expect(notice).toContainText('NO BACKUP holds it: this is the last copy Keyward could ever restore.');
  await expect(notice).toContainText(/Exported to AWS KMS on \d{4}-\d{2}-\d{2}/);
  await page
    .getByRole('group', { name: 'Drive for the signed destruction certificate' })
    .getByRole('radio', { name: /PRACTICE-2/ })
    .check();
  await expect(page.getByRole('button', { name: 'Plan the ceremony' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Plan the destruction' }).click();
  await expect(page.getByRole('alert', { name: 'The ceremony could not be planned' })).toContainText(
    'The key name was not typed to confirm',
  );
  await expectAccessible(page);
  await shot(page, testInfo, 'destroy-confirm');
  await page.getByLabel(/^Type the key name, Tenant CMK/).fill('Tenant CMK');
  await page.getByRole('button', { name: 'Plan the destruction' }).click();
  await expect(page.getByText('NO BACKUP holds it').first()).toBeVisible();
  await checkIn(page, ['alice', 'bob']);
  await runSteps(page, ['alice', 'bob']);
  await shot(page, testInfo, 'destroyed');
  await page.getByRole('button', { name: 'Close' }).click();
  await expectAccessible(page);
  await shot(page, testInfo, 'ceremonies');

  // An officer who checked in aborts a ceremony, with their passphrase and the reason.
  await startCeremony(page, 'Disable a key version', ['alice', 'bob']);
  await page.getByLabel('Key version').selectOption(JSON.stringify(['Tenant CMK', 2]));
  await page.getByRole('button', { name: 'Plan the ceremony' }).click();
  await page.getByRole('button', { name: /We have read the plan/ }).click();
  await passphraseFor(page, 'check in', 'bob', 'Check in');
  await page.getByRole('button', { name: 'Abort this ceremony…' }).click();
  await page.getByLabel('Reason').fill('Planned on the wrong version');
  await passphraseFor(page, 'abort', 'bob', 'Abort the ceremony');
  await expect(page.getByRole('heading', { name: 'Ceremony aborted' })).toBeVisible();
  await expect(page.getByText('Aborted: Planned on the wrong version')).toBeVisible();
  await shot(page, testInfo, 'aborted');
  await page.getByRole('button', { name: 'Close' }).click();

  // The key's life as the Keys screen shows it.
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Keys' }).click();
  const tenant = page.getByRole('region', { name: 'Tenant CMK' });
  await expect(tenant).toContainText('destroyed');
  await expect(tenant).toContainText('active');
  // The wrapping key imported for AWS, with its provider and time left.
  const wrapping = page.getByRole('region', { name: 'Provider wrapping keys' });
  await expect(wrapping.getByRole('row', { name: /AWS import/ })).toContainText('AWS KMS');
  await expect(wrapping.getByRole('row', { name: /AWS import/ })).toContainText(/left before the provider's deadline/);
  // The export is recorded as uploaded by the custodian who saw it at the provider: signed, then shown.
  const exportsOf = tenant.getByRole('list', { name: 'Exports of Tenant CMK' });
  const awsExport = exportsOf.getByRole('listitem').filter({ hasText: 'v1 to AWS KMS' }).first();
  await expect(awsExport).toContainText('Not recorded as uploaded yet.');
  await awsExport.getByRole('button', { name: 'Record Tenant CMK v1 as uploaded to AWS KMS…' }).click();
  await awsExport.getByLabel('What shows the upload took').fill('AWS console: key 1234abcd, Enabled, imported');
  await passphraseFor(page, 'record the upload of Tenant CMK v1 to AWS KMS', 'bob', 'Record as uploaded');
  await expect(awsExport).toContainText(
    /Recorded as uploaded by bob, .* UTC: AWS console: key 1234abcd, Enabled, imported/,
  );
  await expectAccessible(page);
  await shot(page, testInfo, 'keys');

  // The audit log in words: the mistyped security officer PIN reads as such, its reason shown at once.
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Audit log' }).click();
  await page.getByLabel(/^Action/).fill('ceremony.step');
  await page.getByRole('button', { name: 'Show entries' }).click();
  const failedStep = page.getByRole('row').filter({ hasText: 'failed' }).filter({ hasText: 'wrong PIN' }).first();
  await expect(failedStep).toContainText("Step run: import a provider's wrapping key");
  await expect(failedStep).toContainText('Why');
  await expect(failedStep).toContainText('a wrong PIN was given (HSM_PIN_INCORRECT)');
  await failedStep.getByText(/\d+ details/).click();
  await expect(failedStep).toContainText("import a provider's wrapping key");
  await expectAccessible(page);
  await shot(page, testInfo, 'audit-in-words');
});
