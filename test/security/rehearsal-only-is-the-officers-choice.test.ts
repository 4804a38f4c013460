/**
 * A token set apart for rehearsals takes scripted answers (PINs and passphrases from a file, or piped) and
 * holds CMKs though it does not enforce what Keyward relies on, its outputs marked REHEARSAL. That choice
 * is the security officers', signed with the HSM selection: on a workstation initialised on a production
 * HSM, neither the command line (--rehearsal-only with the same module and token) nor settings.json edited
 * to say "rehearsalOnly" makes its token a rehearsal token. Both are refused before any PIN, passphrase or
 * answers file is read, and nothing is planned.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSettings } from '../../src/main/settings-file';
import { appBench, type AppBench } from '../helpers/app-bench';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';

const userPin = 'prod-hsm-4417';
let tokens: TestTokens;
let bench: AppBench;

beforeAll(async () => {
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Production HSM', userPin, 'prod-so-4417');
  process.env.SOFTHSM2_CONF = tokens.conf;
  bench = await appBench({
    founding: [
      ['alice', 'security-officer'],
      ['bob', 'key-custodian'],
      ['dave', 'security-officer'],
      ['grace', 'security-officer'],
    ],
    prepare: (dataDir) =>
      writeSettings(dataDir, { mode: 'hsm', modulePath: softhsmModule, tokenUri: 'pkcs11:token=Production%20HSM' }),
    userPin,
  });
  bench.workstation.close();
}, 300_000);

afterAll(() => {
  bench.close();
  tokens.cleanup();
  delete process.env.SOFTHSM2_CONF;
});

/** The CLI as an attacker at the keyboard runs it: answers in a file, the PIN piped in. */
function keyward(args: string[]) {
  const answers = join(bench.dataDir, '..', 'attacker-answers.yaml');
  writeFileSync(answers, JSON.stringify({ pinParts: [userPin], passphrases: { alice: 'x', bob: 'y' } }));
  const plan = join(bench.dataDir, '..', 'attacker-plan.yaml');
  writeFileSync(
    plan,
    JSON.stringify({
      ceremony: 'generate-cmk',
      officers: ['alice', 'bob'],
      key: { name: 'Scripted CMK', purpose: 'x', provider: null, spec: 'AES_256', rotationDays: 365 },
    }),
  );
  const run = spawnSync(
    process.execPath,
    [
      'bin/keyward.mjs',
      'ceremony',
      'run',
      '--network-acknowledged',
      plan,
      '--answers',
      answers,
      '--out',
      join(bench.dataDir, '..'),
      ...args,
    ],
    {
      env: { ...process.env, KEYWARD_DATA_DIR: bench.dataDir, SOFTHSM2_CONF: tokens.conf },
      encoding: 'utf8',
      input: `${userPin}\n`,
    },
  );
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const planned = () =>
  spawnSync(process.execPath, ['bin/keyward.mjs', 'ceremony', 'list', '--json'], {
    env: { ...process.env, KEYWARD_DATA_DIR: bench.dataDir, SOFTHSM2_CONF: tokens.conf },
    encoding: 'utf8',
  }).stdout;

describe('making the production token a rehearsal token without the officers', () => {
  it('is what the production token refuses anyway: an answers file', () => {
    const run = keyward([]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('An answers file is accepted on the rehearsal token only');
  });

  it('--rehearsal-only with the same module and token is refused before anything is read', () => {
    const before = planned();
    const run = keyward([
      '--module',
      softhsmModule,
      '--module-env',
      `SOFTHSM2_CONF=${tokens.conf}`,
      '--token',
      'pkcs11:token=Production%20HSM',
      '--rehearsal-only',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'no PIN is typed into another module or token than the one its security officers approved',
    );
    expect(run.stdout).not.toContain('CEREMONY');
    expect(planned()).toBe(before);
  });

  it('settings.json edited to say rehearsalOnly is refused before anything is read: the officers signed the selection without it', () => {
    const file = join(bench.dataDir, 'settings.json');
    const original = readFileSync(file, 'utf8');
    // As Keyward writes it: the selection's fields, and the officers' signed approval beside them.
    const saved = JSON.parse(original) as Record<string, unknown>;
    expect(saved.approval).toBeDefined();
    writeFileSync(file, JSON.stringify({ ...saved, rehearsalOnly: true }, null, 2));
    try {
      const before = planned();
      const run = keyward([]);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toContain('An answers file is accepted');
      expect(run.stderr).toMatch(/approv/);
      expect(run.stdout).not.toContain('CEREMONY');
      expect(planned()).toBe(before);
    } finally {
      writeFileSync(file, original);
    }
  });
});
