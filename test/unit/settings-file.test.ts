import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSettings, writeSettings } from '../../src/main/settings-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('settings.json', () => {
  it('defaults to the rehearsal token when nothing was chosen', () => {
    expect(readSettings(dir)).toEqual({ mode: 'rehearsal' });
  });

  it('round-trips a chosen HSM, leaves no temporary file and is readable by its owner only', () => {
    const chosen = {
      mode: 'hsm' as const,
      modulePath: '/usr/lib/vendor/p11.so',
      tokenUri: 'pkcs11:token=CMK;serial=42',
    };
    writeSettings(dir, chosen);
    writeSettings(dir, chosen);
    expect(readSettings(dir)).toEqual(chosen);
    expect(readdirSync(dir)).toEqual(['settings.json']);
    expect(statSync(join(dir, 'settings.json')).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual(chosen);
  });

  it.each([
    ['{not json', 'cannot be used'],
    [
      '{"mode":"hsm","modulePath":"/x.so","tokenUri":"pkcs11:token=a?pin-value=1"}',
      'a PIN is never part of an address',
    ],
    ['{"mode":"hsm","modulePath":"x.so","tokenUri":"pkcs11:token=a"}', 'must be absolute'],
  ])('refuses a damaged or edited file %s with a clear message', (content, reason) => {
    writeFileSync(join(dir, 'settings.json'), content);
    expect(() => readSettings(dir)).toThrow(reason);
    try {
      readSettings(dir);
    } catch (error) {
      expect(error).toMatchObject({
        code: 'SETTINGS_INVALID',
        nextStep: expect.stringContaining('Settings') as unknown,
      });
    }
  });
});
