/**
 * A PIN mistyped for a step is a failed attempt, never a step left running: in the app, on the rehearsal
 * token, the security officer's step (importing a provider's wrapping key) is run with a wrong SO PIN, a
 * wrong user PIN, or both. Each time nothing begins (the audit log says so), the step stays ready, and the
 * same step runs with the right PINs: after a wrong user PIN the token is logged out, so the app asks for
 * the login first. Before, a wrong user PIN left the step "interrupted" until Keyward was restarted.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { appBench, appPassphrases, type AppBench } from '../helpers/app-bench';

const cases = [
  { name: 'a wrong security officer PIN', so: 'wrong-so-pin', user: rehearsalToken.userPin, loggedOut: false },
  { name: 'a wrong user PIN', so: rehearsalToken.soPin, user: 'wrong-user-pin', loggedOut: true },
  { name: 'both PINs wrong', so: 'wrong-so-pin', user: 'wrong-user-pin', loggedOut: true },
];

describe.each(cases)('a step run with $name', ({ so, user, loggedOut }) => {
  let bench: AppBench;
  beforeAll(async () => {
    bench = await appBench();
  }, 120_000);
  afterAll(() => bench.close());

  it('is a failed attempt: nothing begins, the step stays ready, and runs with the right PINs', async () => {
    const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mkdirSync(join(bench.drive('PRACTICE-1'), 'aws'), { recursive: true });
    const parameters = join(bench.drive('PRACTICE-1'), 'aws', 'get-parameters-for-import.json');
    writeFileSync(
      parameters,
      JSON.stringify({
        KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        ImportToken: randomBytes(40).toString('base64'),
        PublicKey: provider.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        ParametersValidTo: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
    await bench.call('listDrives', {});
    const view = await bench.call('planCeremony', {
      plan: {
        ceremony: 'import-wrapping-key',
        officers: ['alice', 'bob'],
        provider: 'aws-kms',
        label: 'AWS import',
        files: { wrappingKey: parameters },
        fields: { algorithm: 'RSAES_OAEP_SHA_1' },
      },
    });
    const id = view.status.plan.id;
    for (const officer of ['alice', 'bob'] as const) {
      await bench.call('checkInOfficer', { id, officer, passphrase: appPassphrases[officer] });
      await bench.call('approveCeremonyStep', { id, step: 0, officer, passphrase: appPassphrases[officer] });
    }

    const refused = await bench.refusal('runCeremonyStep', {
      id,
      inputs: { securityOfficerPin: [so], userPin: [user] },
    });
    expect(refused.code).toBe(loggedOut ? 'HSM_NOT_LOGGED_IN' : 'HSM_PIN_INCORRECT');
    expect(refused.message).not.toMatch(/left running|interrupted/);
    const after = await bench.call('getCeremony', { id });
    expect(after.status.steps.map((s) => s.state)).toEqual(['pending', 'pending']);
    expect(bench.workstation.audit().query({ action: 'ceremony.step', limit: 1 })[0]).toMatchObject({
      outcome: 'failure',
      details: { began: false },
    });
    expect(bench.tokenObjects().map((o) => o.label)).not.toContain('AWS import');

    // The app asks for the login where the token was left logged out; then the same step runs.
    const list = await bench.call('getCeremonies', {});
    expect(list.loggedIn).toBe(!loggedOut);
    if (loggedOut) await bench.call('loginToken', { pinParts: [rehearsalToken.userPin] });
    const done = await bench.call('runCeremonyStep', {
      id,
      inputs: { securityOfficerPin: [rehearsalToken.soPin], userPin: [rehearsalToken.userPin] },
    });
    expect(done.status.steps[0]?.state).toBe('done');
  }, 180_000);
});
