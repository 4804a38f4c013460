/**
 * SoftHSM2 tokens for tests, made with SoftHSM's own tool (independent of Keyward) in a temp dir with
 * its own SOFTHSM2_CONF: the system token directory is never touched.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HsmClient } from '../../src/main/hsm/client/client';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';

export const softhsmModule = '/usr/lib/softhsm/libsofthsm2.so';

export interface TestTokens {
  dir: string;
  conf: string;
  env: Record<string, string>;
  cleanup(): void;
}

export function makeSoftHsmDir(): TestTokens {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  return { dir, conf, env: { SOFTHSM2_CONF: conf }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Initialises a token; returns its serial as SoftHSM reports it. */
export function initToken(tokens: TestTokens, label: string, pin = '123456', soPin = '12345678'): string {
  const out = execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin],
    {
      env: { ...process.env, ...tokens.env },
      encoding: 'utf8',
    },
  );
  const slot = /reassigned to slot (\d+)/.exec(out)?.[1];
  const shown = execFileSync('softhsm2-util', ['--show-slots'], {
    env: { ...process.env, ...tokens.env },
    encoding: 'utf8',
  });
  const section = shown
    .split(/^Slot /m)
    .find((s) => s.startsWith(`${slot}\n`) || new RegExp(`Label:\\s+${label}\\s*$`, 'm').test(s));
  const serial = /Serial number:\s+(\S+)/.exec(section?.split('Token info:')[1] ?? '')?.[1];
  if (!serial) throw new Error(`could not read the serial of ${label}:\n${shown}`);
  return serial;
}

/** An object on a token as OpenSC's pkcs11-tool lists it: its kind ("Secret Key Object", "Data object"), label and hex CKA_ID. */
export interface ListedObject {
  kind: string;
  label: string;
  id: string;
}

/**
 * Every object on a token, as OpenSC's pkcs11-tool lists it after a user login (independently of
 * Keyward), data objects included: a torn object shows as an unlabelled "Data object".
 */
export function listTokenObjects(env: Record<string, string>, tokenLabel: string, pin: string): ListedObject[] {
  const listing = execFileSync(
    'pkcs11-tool',
    ['--module', softhsmModule, '--token-label', tokenLabel, '--login', '--pin', pin, '--list-objects'],
    // pkcs11-tool warns on stderr that secret values are sensitive: as they must be.
    { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return listing
    .split(/\n(?=\S)/)
    .map((block) => ({ block, first: block.split('\n')[0]?.trim() ?? '' }))
    .filter(({ first }) => /object/i.test(first))
    .map(({ block, first }) => ({
      kind:
        first
          .split(';')[0]
          ?.replace(/\s+\d+$/, '')
          .trim() ?? '',
      label:
        /^\s+label:\s+(.*)$/m
          .exec(block)?.[1]
          ?.trim()
          .replace(/^'(.*)'$/, '$1') ?? '',
      id: /^\s+ID:\s+([0-9a-fA-F]+)\s*$/m.exec(block)?.[1]?.toLowerCase() ?? '',
    }));
}

/** A failed login through OpenSC's pkcs11-tool: the token records the wrong PIN in its flags. */
export function failLogin(tokens: TestTokens, label: string): void {
  try {
    execFileSync(
      'pkcs11-tool',
      ['--module', softhsmModule, '--token-label', label, '--login', '--pin', 'wrong-pin', '--list-objects'],
      {
        env: { ...process.env, ...tokens.env },
        stdio: 'pipe',
      },
    );
  } catch {
    return; // expected: CKR_PIN_INCORRECT
  }
  throw new Error('a wrong PIN was accepted');
}

/** Keyward's HSM layer (a real HSM process) on the tokens of a test directory. */
export function softhsmClient(tokens: TestTokens): HsmClient {
  return new HsmClient({ modulePath: softhsmModule, env: tokens.env }, nodeHsmChannel);
}
