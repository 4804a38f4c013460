/**
 * On a real HSM, PIN parts (and passphrases) are typed at a terminal only: piped into the command they
 * are refused before anything is read, so they never reach C_Login. (On the rehearsal token the same
 * piped input still works: test/integration/cli.test.ts.) The CLI runs as an officer runs it, through
 * the built bin/keyward.mjs, with standard input a pipe.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenReport } from '../../src/main/workstation';
import { foundingPassphrases, workstationInitArgs } from '../helpers/founding';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';

let dataDir: string;
let tokens: TestTokens;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-piped-pin-'));
  tokens = makeSoftHsmDir();
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
  tokens.cleanup();
});

const realToken = ['--module', softhsmModule, '--token', 'pkcs11:token=Real%20HSM'];
const initialise = workstationInitArgs;
const passphrases = foundingPassphrases;

/** The CLI as a real process, its standard input a pipe carrying `input`. */
function keyward(args: string[], input: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['bin/keyward.mjs', ...args], {
    env: { ...process.env, KEYWARD_DATA_DIR: dataDir, ...env },
    encoding: 'utf8',
    input,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function realTokenDetails() {
  const listed = keyward(['token', 'list', '--json', ...realToken], '', tokens.env);
  expect(listed.code, listed.stderr).toBe(0);
  const report = JSON.parse(listed.stdout) as TokenReport;
  expect(report.rehearsal).toBe(false);
  const [token] = report.tokens;
  if (!token) throw new Error('the real token is not listed');
  return token;
}

describe('PINs piped on standard input', () => {
  it('are refused on a real HSM before they are read: a wrong PIN piped in leaves no failed login on the token', () => {
    initToken(tokens, 'Real HSM');
    expect(realTokenDetails().pin).toMatchObject({
      userPinCountLow: false,
      userPinFinalTry: false,
      userPinLocked: false,
    });

    // Had the piped PIN been read and sent, C_Login would fail and SoftHSM would set "user PIN count low".
    const wrong = keyward([...initialise, ...realToken], `0000-0000\n${passphrases}`, tokens.env);
    expect(realTokenDetails().pin, `the piped PIN reached the token:\n${wrong.stderr}`).toMatchObject({
      userPinCountLow: false,
      userPinFinalTry: false,
      userPinLocked: false,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'Standard input is not a terminal: piped input is accepted on the rehearsal token only; on a real HSM every PIN part, passphrase and share is typed by its officer at the terminal. Nothing was read from it.',
    );
    expect(wrong.stderr).toContain(
      "Next step: Run the command again at the workstation's terminal, without piping or redirecting its input",
    );
    expect(wrong.stdout + wrong.stderr).not.toContain('0000-0000');
  });

  it('are refused on a real HSM even when right: nothing is done with the token', () => {
    initToken(tokens, 'Real HSM');
    const right = keyward([...initialise, ...realToken], `123456\n${passphrases}`, tokens.env);
    expect(right.stdout, 'the workstation was initialised on the real HSM with the piped PIN').not.toContain(
      'Workstation initialised',
    );
    expect(right.code).toBe(1);
    expect(right.stderr).toContain('piped input is accepted on the rehearsal token only');
    const shown = keyward(['workstation', 'show'], '');
    expect(shown.code).toBe(1);
    expect(realTokenDetails().objects).toMatchObject({ privateKeys: 0, publicKeys: 0, certificates: 0 });
  });
});
