/** The HSM layer against real SoftHSM2 tokens, through the real HSM process. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HsmChannel } from '../../src/main/hsm/channel';
import { HsmClient } from '../../src/main/hsm/client/client';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { openWorkstation } from '../../src/main/open-workstation';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { rejection } from '../helpers/rejection';
import {
  failLogin,
  initToken,
  makeSoftHsmDir,
  softhsmClient,
  softhsmModule,
  type TestTokens,
} from '../helpers/softhsm';

let tokens: TestTokens;
let client: HsmClient;
beforeEach(() => {
  tokens = makeSoftHsmDir();
  client = softhsmClient(tokens);
});
afterEach(() => {
  client.close();
  tokens.cleanup();
});

describe('reading tokens live', () => {
  it('names each token by an RFC 7512 URI and reads its identity and flags', async () => {
    const serial = initToken(tokens, 'CMK Token A');
    const listed = (await client.request('listTokens', {})).filter((t) => t.initialized);
    expect(listed).toEqual([
      {
        uri: `pkcs11:model=SoftHSM%20v2;manufacturer=SoftHSM%20project;serial=${serial};token=CMK%20Token%20A`,
        label: 'CMK Token A',
        manufacturer: 'SoftHSM project',
        model: 'SoftHSM v2',
        serial,
        initialized: true,
      },
    ]);
    const details = await client.request('describeToken', { uri: `pkcs11:token=CMK%20Token%20A;serial=${serial}` });
    expect(details).toMatchObject({
      label: 'CMK Token A',
      serial,
      firmware: { major: 2, minor: 6 },
      loginRequired: true,
      loginState: 'not-logged-in',
      objects: {
        secretKeys: 0,
        privateKeys: 0,
        publicKeys: 0,
        certificates: 0,
        dataObjects: 0,
        other: 0,
        scope: 'public-only',
      },
      pin: { userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false },
    });
  });

  it('reports a wrong PIN entry made by another program on the next read', async () => {
    initToken(tokens, 'PIN Flags');
    const before = await client.request('describeToken', { uri: 'pkcs11:token=PIN%20Flags' });
    expect(before.pin.userPinCountLow).toBe(false);
    failLogin(tokens, 'PIN Flags');
    const after = await client.request('describeToken', { uri: 'pkcs11:token=PIN%20Flags' });
    expect(after.pin.userPinCountLow).toBe(true);
    expect(after.pin.userPinLocked).toBe(false);
  });

  it('says which tokens are present when none matches, and asks for a serial when several do', async () => {
    const serialA = initToken(tokens, 'Twin');
    const serialB = initToken(tokens, 'Twin');
    const missing = await rejection(client.request('describeToken', { uri: 'pkcs11:token=Absent' }));
    expect(missing.code).toBe('HSM_TOKEN_NOT_FOUND');
    expect(missing.message).toContain(`"Twin" (serial ${serialA})`);
    expect(missing.message).toContain(`"Twin" (serial ${serialB})`);
    const ambiguous = await rejection(client.request('describeToken', { uri: 'pkcs11:token=Twin' }));
    expect(ambiguous.code).toBe('HSM_TOKEN_AMBIGUOUS');
    expect(ambiguous.nextStep).toContain('serial=');
    const exact = await client.request('describeToken', { uri: `pkcs11:token=Twin;serial=${serialB}` });
    expect(exact.serial).toBe(serialB);
  });
});

describe('failures are named and the layer recovers', () => {
  it('refuses a path with no module, and a file that is not a PKCS#11 library', async () => {
    const absent = new HsmClient({ modulePath: '/nonexistent/libp11.so', env: {} }, nodeHsmChannel);
    const notModule = new HsmClient({ modulePath: '/usr/lib/x86_64-linux-gnu/libz.so.1', env: {} }, nodeHsmChannel);
    const notLibrary = new HsmClient({ modulePath: '/etc/hostname', env: {} }, nodeHsmChannel);
    try {
      const e1 = await rejection(absent.request('listTokens', {}));
      expect(e1).toMatchObject({
        code: 'HSM_MODULE_LOAD_FAILED',
        message: 'There is no PKCS#11 module at /nonexistent/libp11.so.',
      });
      const e2 = await rejection(notModule.request('listTokens', {}));
      expect(e2.code).toBe('HSM_MODULE_LOAD_FAILED');
      expect(e2.message).toContain('could not be loaded as a PKCS#11 module');
      // Outside the system library folders: never even opened (its code would run with every PIN typed later).
      const e3 = await rejection(notLibrary.request('describeModule', {}));
      expect(e3.code).toBe('HSM_MODULE_REFUSED');
      expect(e3.message).toContain('it is not in a system library folder');
    } finally {
      absent.close();
      notModule.close();
      notLibrary.close();
    }
  });

  it('fails a request whose HSM process dies, then serves the next one from a new process', async () => {
    initToken(tokens, 'Survivor');
    const channels: HsmChannel[] = [];
    const crashing = new HsmClient({ modulePath: softhsmModule, env: tokens.env }, (options) => {
      const channel = nodeHsmChannel(options);
      channels.push(channel);
      return channel;
    });
    try {
      const pending = crashing.request('describeToken', { uri: 'pkcs11:token=Survivor' });
      channels[0]?.kill();
      const error = await rejection(pending);
      expect(error.code).toBe('HSM_PROCESS_FAILED');
      expect(error.message).toContain('signal SIGKILL');
      expect(error.message).toContain('describeToken');
      const again = await crashing.request('describeToken', { uri: 'pkcs11:token=Survivor' });
      expect(again.label).toBe('Survivor');
      expect(channels).toHaveLength(2);
    } finally {
      crashing.close();
    }
  });
});

describe('the rehearsal token', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'keyward-data-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is created once inside the data directory, with the rehearsal PINs, and reused afterwards', async () => {
    const first = openWorkstation(dataDir, nodeHsmChannel);
    const status = await first.tokenStatus();
    first.close();
    expect(status.rehearsal).toBe(true);
    expect(status.token).toMatchObject({ label: rehearsalToken.label, pin: { userPinInitialized: true } });
    expect(status.module.path).toBe(softhsmModule);

    const second = openWorkstation(dataDir, nodeHsmChannel);
    const again = await second.tokenStatus();
    second.close();
    expect(again.token.serial).toBe(status.token.serial);

    // The user PIN works: SoftHSM's own tool can log in with it (and a wrong one is refused).
    const rehearsal = {
      dir: dataDir,
      conf: join(dataDir, 'rehearsal', 'softhsm2.conf'),
      env: { SOFTHSM2_CONF: join(dataDir, 'rehearsal', 'softhsm2.conf') },
      cleanup: () => undefined,
    };
    failLogin(rehearsal, rehearsalToken.label);
    const { execFileSync } = await import('node:child_process');
    const listed = execFileSync(
      'pkcs11-tool',
      [
        '--module',
        softhsmModule,
        '--token-label',
        rehearsalToken.label,
        '--login',
        '--pin',
        rehearsalToken.userPin,
        '--list-objects',
      ],
      { env: { ...process.env, ...rehearsal.env }, encoding: 'utf8' },
    );
    expect(listed).not.toContain('CKR_PIN_INCORRECT');
  });

  it('switches to a real module and token only after it has been opened', async () => {
    initToken(tokens, 'Production CMK');
    process.env.SOFTHSM2_CONF = tokens.conf;
    const workstation = openWorkstation(dataDir, nodeHsmChannel);
    try {
      const bad = await rejection(
        workstation.select({ mode: 'hsm', modulePath: softhsmModule, tokenUri: 'pkcs11:token=Nope' }),
      );
      expect(bad.code).toBe('HSM_TOKEN_NOT_FOUND');
      expect(workstation.settings()).toEqual({ mode: 'rehearsal' });
      const good = { mode: 'hsm' as const, modulePath: softhsmModule, tokenUri: 'pkcs11:token=Production%20CMK' };
      await workstation.select(good);
      expect(workstation.settings()).toEqual(good);
      const status = await workstation.tokenStatus();
      expect(status.rehearsal).toBe(false);
      expect(status.token.label).toBe('Production CMK');
      // The change is audited; the refused attempt changed nothing and so left no entry.
      const entries = workstation.audit().query({ action: 'hsm.select', limit: 10 });
      // With the module file's SHA-256: which library receives the PINs is on record.
      const moduleSha256 = createHash('sha256')
        .update(readFileSync(realpathSync(softhsmModule)))
        .digest('hex');
      expect(entries.map((e) => [e.subject, e.outcome, e.details])).toEqual([
        ['pkcs11:token=Production%20CMK', 'success', { mode: 'hsm', modulePath: softhsmModule, moduleSha256 }],
      ]);
      expect(workstation.audit().verify().ok).toBe(true);
    } finally {
      workstation.close();
      delete process.env.SOFTHSM2_CONF;
    }
  });
});
