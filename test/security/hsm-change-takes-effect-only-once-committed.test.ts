/**
 * Security review (issue 14), F13: the change-hsm step wrote settings.json inside the database transaction
 * that marks it done and audits it, before that transaction committed. When the commit failed (the
 * database busy or full), the workstation had switched HSM module with no audit entry and no completed
 * step, and resuming the ceremony was refused as stale (the workstation "now used" the module it was to
 * switch to). The failure is replayed: a trigger makes the step's completion fail after the step's own
 * store changes ran, as a busy database would. The old selection must stay in force, unaudited nothing;
 * once the database works again, the officers log in, the step runs again, and the new selection takes
 * effect with its audit entry.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSettings } from '../../src/main/settings-file';
import { databaseFileName } from '../../src/main/store/database';
import { appBench, appPassphrases, type AppBench } from '../helpers/app-bench';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';

const userPin = 'commit-hsm-pin';
let tokens: TestTokens;
let bench: AppBench;
let serial: string;

beforeAll(async () => {
  tokens = makeSoftHsmDir();
  serial = initToken(tokens, 'Commit HSM', userPin, 'commit-so-pin');
  process.env.SOFTHSM2_CONF = tokens.conf;
  bench = await appBench({
    founding: [
      ['alice', 'security-officer'],
      ['bob', 'key-custodian'],
      ['dave', 'security-officer'],
      ['grace', 'security-officer'],
    ],
    prepare: (dataDir) =>
      writeSettings(dataDir, { mode: 'hsm', modulePath: softhsmModule, tokenUri: 'pkcs11:token=Commit%20HSM' }),
    userPin,
  });
}, 180_000);

afterAll(() => {
  bench.close();
  tokens.cleanup();
  delete process.env.SOFTHSM2_CONF;
});

/** While it is in place, marking a ceremony step done fails, as a database another program holds would make it. */
function failingCompletions<T>(work: () => Promise<T>): Promise<T> {
  const db = new Database(join(bench.dataDir, databaseFileName));
  db.exec(
    "CREATE TRIGGER test_completion_fails BEFORE UPDATE OF state ON ceremony_steps WHEN NEW.state = 'done' BEGIN SELECT RAISE(ABORT, 'database is locked'); END",
  );
  return work().finally(() => {
    db.exec('DROP TRIGGER test_completion_fails');
    db.close();
  });
}

const savedSettings = (): { tokenUri?: string } =>
  JSON.parse(readFileSync(join(bench.dataDir, 'settings.json'), 'utf8')) as { tokenUri?: string };

describe('a change-hsm step whose completion cannot be committed', () => {
  it('leaves the old selection in force, with nothing audited, and completes when run again', async () => {
    const before = 'pkcs11:token=Commit%20HSM';
    const target = `pkcs11:token=Commit%20HSM;serial=${serial}`;
    let view = await bench.runThrough(
      { ceremony: 'change-hsm', officers: ['alice', 'dave'], hsm: { module: softhsmModule, token: target } },
      ['alice', 'dave'],
      { until: 0 },
    );
    const id = view.status.plan.id;
    for (const officer of ['alice', 'dave'] as const)
      await bench.call('approveCeremonyStep', { id, step: 0, officer, passphrase: appPassphrases[officer] });

    const failed = await failingCompletions(() => bench.refusal('runCeremonyStep', { id, inputs: {} }));
    expect(failed.message).toContain('database is locked');
    // The step did not complete: the HSM the workstation uses has not changed, and no change was audited.
    expect(savedSettings().tokenUri, 'the HSM changed although its step was not committed').toBe(before);
    expect(bench.workstation.settings()).toMatchObject({ tokenUri: before });
    expect(bench.workstation.audit().query({ action: 'hsm.select', ceremony: id, limit: 10 })).toEqual([]);

    // The database works again: the officers log in (which rolls the step back) and run it again.
    await bench.call('loginToken', { pinParts: [userPin] });
    view = await bench.call('runCeremonyStep', { id, inputs: {} });
    expect(view.status.steps[0]?.state).toBe('done');
    expect(savedSettings().tokenUri).toBe(target);
    // The steps after it (the closing checkpoint).
    while (view.status.state !== 'completed') {
      const next = view.status.steps.find((s) => s.state !== 'done');
      if (next && view.status.plan.steps[next.index]?.sensitive) {
        for (const officer of ['alice', 'dave'] as const)
          await bench.call('approveCeremonyStep', {
            id,
            step: next.index,
            officer,
            passphrase: appPassphrases[officer],
          });
      }
      view = await bench.call('runCeremonyStep', { id, inputs: {} });
    }
    expect(savedSettings().tokenUri).toBe(target);
    const entries = bench.workstation.audit().query({ action: 'hsm.select', ceremony: id, limit: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]?.subject).toBe(target);
  });
});
