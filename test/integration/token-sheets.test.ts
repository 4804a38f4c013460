/**
 * Keyward keeps each token's capability sheet (per module file, token serial and label) and probes the
 * token again when the module's or the token's version changes: a new sheet is kept and audited when it
 * is the token's first, when the versions changed (a firmware or module update), or when the token now
 * answers differently; the same sheet again is not kept twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapabilitySheet } from '../../src/shared/token-sheet';
import { appBench, type AppBench } from '../helpers/app-bench';

let bench: AppBench;
beforeAll(async () => {
  bench = await appBench();
}, 120_000);
afterAll(() => bench.close());

const probes = () => bench.workstation.audit().query({ action: 'hsm.probe', limit: 50 });

describe('the kept capability sheet', () => {
  it('is kept and audited at the first probe, with its versions and what the token fails to enforce', async () => {
    const sheet = await bench.call('probeToken', {});
    expect(sheet.token.label).toBe('Keyward Rehearsal');
    const [entry] = probes();
    expect(entry?.details).toMatchObject({
      why: 'the first probe of this token',
      notEnforced: [],
      rfc5649: 'CKM_AES_KEY_WRAP_PAD (0x210A)',
    });
    expect(entry?.details.versions).toEqual(
      expect.stringContaining(`token firmware ${sheet.token.firmware.major}.${sheet.token.firmware.minor}`),
    );
    expect(bench.workstation.stores().tokenSheets.latest(sheet.module.path, sheet.token)?.capabilities).toEqual(
      sheet.capabilities,
    );
  });

  it('is not kept again when the token answers the same', async () => {
    const before = probes().length;
    await bench.call('probeToken', {});
    expect(probes()).toHaveLength(before);
  });

  it('is probed and kept again when the firmware changed since the kept sheet', async () => {
    const sheets = bench.workstation.stores().tokenSheets;
    const current = await bench.call('probeToken', {});
    // As if the kept sheet were from before a firmware update.
    const older: CapabilitySheet = {
      ...current,
      token: { ...current.token, firmware: { major: 1, minor: 9 } },
      probedAt: '2026-01-01T00:00:00.000Z',
    };
    sheets.keep(older, 'test: a sheet from before the update', ['workstation']);
    const probed = await bench.call('probeToken', {});
    const [latest] = probes();
    expect(latest?.details.why).toBe(
      `its versions changed: was module ${older.module.manufacturer} ${older.module.description} ${older.module.libraryVersion.major}.${older.module.libraryVersion.minor}, token firmware 1.9, hardware ${older.token.hardware.major}.${older.token.hardware.minor}`,
    );
    expect(sheets.latest(probed.module.path, probed.token)?.token.firmware).toEqual(current.token.firmware);
  });

  it('cannot be changed or deleted in the database once kept', () => {
    const db = bench.workstation.stores().db;
    expect(() => db.prepare("UPDATE token_sheets SET sheet = '{}'").run()).toThrow(/kept as it was/);
    expect(() => db.prepare('DELETE FROM token_sheets').run()).toThrow(/kept as it was/);
  });
});
