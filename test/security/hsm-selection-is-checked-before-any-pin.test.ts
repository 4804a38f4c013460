/**
 * Security review (issue 14), F5: the security officers' decision on which PKCS#11 module and token the
 * workstation uses was recorded only in settings.json, and nothing checked it again before a PIN was
 * typed. Whoever could edit that file pointed the workstation at any root-owned module, such as OpenSC's
 * pkcs11-spy.so, which forwards every call to the real module and logs it, PIN included; or at the
 * rehearsal token; or put back an earlier approved selection; or replaced the approved module file; or put
 * a token of their own under the approved token's label. Each attack is replayed on a workstation
 * initialised on a SoftHSM token, Keyward started again afterwards and driven as the app drives it: the
 * selection must be refused before any PIN is asked for (getTokenStatus, which the command line reads
 * before its PIN prompt) and no PIN may reach a module (the spy's log is read).
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers } from '../../src/main/api/handlers';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { openWorkstation } from '../../src/main/open-workstation';
import { writeSettings } from '../../src/main/settings-file';
import type { AirGapStatus } from '../../src/shared/air-gap';
import type { KeywardErrorData } from '../../src/shared/errors';
import { appBench, type AppBench, type AppBenchOptions } from '../helpers/app-bench';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';

const isRoot = process.getuid?.() === 0;
const spyModule = '/usr/lib/x86_64-linux-gnu/pkcs11-spy.so';
const isolated: AirGapStatus = { isolated: true, findings: [], interfaces: [], defaultRoutes: [] };
/** At most 16 characters: pkcs11-spy prints a PIN's bytes 16 to a line. */
const userPin = 'main-hsm-7319';
const founding: AppBenchOptions['founding'] = [
  ['alice', 'security-officer'],
  ['bob', 'key-custodian'],
  ['dave', 'security-officer'],
  ['grace', 'security-officer'],
];

let dir: string;
/** The module path of every HSM process a restarted Keyward started, in order. */
const modulesStarted: string[] = [];

/** Keyward started again on a data folder, driven through the app's contract; closed when the attack is over. */
async function restarted<T>(
  dataDir: string,
  attack: (app: {
    status(): Promise<KeywardErrorData | undefined>;
    login(): Promise<KeywardErrorData | undefined>;
  }) => Promise<T>,
): Promise<T> {
  const workstation = openWorkstation(dataDir, (options) => {
    modulesStarted.push(options.modulePath);
    return nodeHsmChannel(options);
  });
  const handlers = createHandlers(workstation, { readAirGap: () => isolated });
  const refusalOf = async (
    result: Promise<{ ok: true } | { ok: false; error: KeywardErrorData }>,
  ): Promise<KeywardErrorData | undefined> => {
    const settled = await result;
    return settled.ok ? undefined : settled.error;
  };
  try {
    return await attack({
      status: () => refusalOf(dispatch(handlers, 'getTokenStatus', {})),
      login: () => refusalOf(dispatch(handlers, 'loginToken', { pinParts: [userPin] })),
    });
  } finally {
    workstation.close();
  }
}

/**
 * Runs the work and returns, with its result, the module of every HSM process Keyward started meanwhile.
 * A refusal "before any PIN" must come before the module is loaded at all: a module loaded and then
 * refused has already run its code (the spy module logs from its first call), whatever it was sent.
 */
async function watchingModules<T>(work: () => Promise<T>): Promise<{ result: T; loaded: string[] }> {
  const before = modulesStarted.length;
  const result = await work();
  return { result, loaded: modulesStarted.slice(before) };
}

/** Edits settings.json for the attack, and puts back what Keyward wrote afterwards. */
async function withSettings<T>(
  dataDir: string,
  edit: (saved: Record<string, unknown>) => unknown,
  work: () => Promise<T>,
): Promise<T> {
  const file = join(dataDir, 'settings.json');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, `${JSON.stringify(edit(JSON.parse(original) as Record<string, unknown>), null, 2)}\n`);
  try {
    return await work();
  } finally {
    writeFileSync(file, original);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-hsm-selection-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('settings.json edited, or put back, on a workstation whose officers approved its HSM', () => {
  let tokens: TestTokens;
  let bench: AppBench;
  let serial: string;
  let earlierSettings: string;

  beforeAll(async () => {
    tokens = makeSoftHsmDir();
    serial = initToken(tokens, 'Main HSM', userPin, 'main-so-pin-7319');
    process.env.SOFTHSM2_CONF = tokens.conf;
    bench = await appBench({
      founding,
      prepare: (dataDir) =>
        writeSettings(dataDir, { mode: 'hsm', modulePath: softhsmModule, tokenUri: 'pkcs11:token=Main%20HSM' }),
      userPin,
    });
    earlierSettings = readFileSync(join(bench.dataDir, 'settings.json'), 'utf8');
    // The officers later name the token by its serial too: a change-hsm ceremony.
    const view = await bench.runThrough(
      {
        ceremony: 'change-hsm',
        officers: ['alice', 'dave'],
        hsm: { module: softhsmModule, token: `pkcs11:token=Main%20HSM;serial=${serial}` },
      },
      ['alice', 'dave'],
    );
    expect(view.status.state).toBe('completed');
    // Keyward ends; the attacker edits its files while it is not running.
    bench.workstation.close();
  }, 300_000);

  afterAll(() => {
    bench.close();
    tokens.cleanup();
    delete process.env.SOFTHSM2_CONF;
  });

  it('pointed at pkcs11-spy.so (root-owned, in a system folder, and logging every PIN), it is refused before any PIN, and no PIN reaches the spy', async (context) => {
    if (!existsSync(spyModule)) context.skip(`OpenSC's ${spyModule} is not installed`);
    const {
      result: { status, login },
      loaded,
    } = await watchingModules(() =>
      withSettings(
        bench.dataDir,
        (saved) => ({ ...saved, modulePath: spyModule }),
        () => restarted(bench.dataDir, async (app) => ({ status: await app.status(), login: await app.login() })),
      ),
    );
    expect(loaded, 'pkcs11-spy.so was loaded into an HSM process').not.toContain(spyModule);
    expect(status?.code).toBe('HSM_SELECTION_UNAPPROVED');
    expect(status?.message).toContain(join(bench.dataDir, 'settings.json'));
    expect(status?.message).toContain('is not the one the security officers approved');
    expect(status?.message).toContain('no PIN was asked for');
    expect(login?.code).toBe('HSM_SELECTION_UNAPPROVED');
  });

  it('switched from the HSM to the rehearsal token, it is refused before any PIN is asked for', async () => {
    const status = await withSettings(
      bench.dataDir,
      (saved) => ({ ...saved, mode: 'rehearsal', modulePath: undefined, tokenUri: undefined }),
      () => restarted(bench.dataDir, (app) => app.status()),
    );
    expect(status, 'Keyward opened the rehearsal token and would ask for the PIN').toBeDefined();
    expect(status?.code).toBe('HSM_SELECTION_UNAPPROVED');
    expect(status?.message).toContain('the rehearsal token');
  });

  it('pointed at pkcs11-spy.so and stripped of its approval, it is refused: the audit log shows this workstation signs its approvals', async (context) => {
    if (!existsSync(spyModule)) context.skip(`OpenSC's ${spyModule} is not installed`);
    const {
      result: { status, login },
      loaded,
    } = await watchingModules(() =>
      withSettings(
        bench.dataDir,
        (saved) => ({ ...saved, modulePath: spyModule, approval: undefined }),
        () => restarted(bench.dataDir, async (app) => ({ status: await app.status(), login: await app.login() })),
      ),
    );
    expect(loaded, 'pkcs11-spy.so was loaded into an HSM process').not.toContain(spyModule);
    expect(login?.code).toBe('HSM_SELECTION_UNAPPROVED');
    expect(status?.code).toBe('HSM_SELECTION_UNAPPROVED');
    expect(status?.message).toContain('the approval was removed outside Keyward');
  });

  it('an earlier approved settings.json put back is refused: only the newest approval stands', async () => {
    const status = await withSettings(
      bench.dataDir,
      () => JSON.parse(earlierSettings) as unknown,
      () => restarted(bench.dataDir, (app) => app.status()),
    );
    expect(status, 'Keyward used the selection the officers had since replaced').toBeDefined();
    expect(status?.code).toBe('HSM_SELECTION_UNAPPROVED');
    expect(status?.message).toContain('which a later one replaced');
  });

  it('as Keyward wrote it, the selection opens and the officers log in', async () => {
    const { status, login } = await restarted(bench.dataDir, async (app) => ({
      status: await app.status(),
      login: await app.login(),
    }));
    expect(status).toBeUndefined();
    expect(login).toBeUndefined();
  });
});

describe('the approved module file replaced, or another token under the approved label', () => {
  let tokens: TestTokens;

  beforeAll(() => {
    tokens = makeSoftHsmDir();
    process.env.SOFTHSM2_CONF = tokens.conf;
  });

  afterAll(() => {
    tokens.cleanup();
    delete process.env.SOFTHSM2_CONF;
  });

  it("the approved module file's SHA-256 is checked before it is loaded: replaced by pkcs11-spy.so, it is refused and no PIN reaches it", async (context) => {
    if (!isRoot) context.skip('placing a module in /usr/lib needs root');
    if (!existsSync(spyModule)) context.skip(`OpenSC's ${spyModule} is not installed`);
    initToken(tokens, 'Vendor HSM', userPin, 'vendor-so-pin-1');
    const folder = join('/usr/lib', `keyward-test-${randomBytes(4).toString('hex')}`);
    mkdirSync(folder, { mode: 0o755 });
    const vendorModule = join(folder, 'libvendor-pkcs11.so');
    copyFileSync(realpathSync(softhsmModule), vendorModule);
    chmodSync(vendorModule, 0o644);
    let bench: AppBench | undefined;
    try {
      bench = await appBench({
        founding,
        prepare: (dataDir) =>
          writeSettings(dataDir, { mode: 'hsm', modulePath: vendorModule, tokenUri: 'pkcs11:token=Vendor%20HSM' }),
        userPin,
      });
      bench.workstation.close();
      // Root (or whoever became root) replaces the file the officers approved.
      copyFileSync(spyModule, vendorModule);
      const dataDir = bench.dataDir;
      const {
        result: { status, login },
        loaded,
      } = await watchingModules(() =>
        restarted(dataDir, async (app) => ({ status: await app.status(), login: await app.login() })),
      );
      expect(loaded, 'the replaced module was loaded into an HSM process').not.toContain(vendorModule);
      expect(status?.code).toBe('HSM_MODULE_CHANGED');
      expect(status?.message).toContain(
        `The module file ${vendorModule} changed since the security officers approved it`,
      );
      expect(status?.nextStep).toContain('change-hsm ceremony');
      expect(login?.code).toBe('HSM_MODULE_CHANGED');
    } finally {
      bench?.close();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 300_000);

  it("a token of someone else's under the approved token's label is refused before any PIN: it is not the token the officers approved", async () => {
    initToken(tokens, 'Label HSM', userPin, 'label-so-pin-1');
    const bench = await appBench({
      founding,
      prepare: (dataDir) =>
        writeSettings(dataDir, { mode: 'hsm', modulePath: softhsmModule, tokenUri: 'pkcs11:token=Label%20HSM' }),
      userPin,
    });
    const tokenFolder = join(tokens.dir, 'tokens');
    const away = join(dir, 'the-real-token');
    mkdirSync(away);
    const real = readdirSync(tokenFolder);
    try {
      bench.workstation.close();
      // The workstation's token is taken away, and another one made under the same label (with a PIN its maker knows).
      for (const name of real) renameSync(join(tokenFolder, name), join(away, name));
      initToken(tokens, 'Label HSM', 'impostor-pin-1', 'impostor-so-pin');
      const status = await restarted(bench.dataDir, (app) => app.status());
      expect(status, 'Keyward opened the impostor token and would ask for the PIN').toBeDefined();
      // Another serial than the one the officers' signed approval names (and the database too).
      expect(status?.code).toBe('HSM_SELECTION_UNAPPROVED');
      expect(status?.message).toContain('but the security officers approved the token with serial');
      expect(status?.message).toContain('No PIN was asked for');
    } finally {
      for (const name of readdirSync(tokenFolder)) rmSync(join(tokenFolder, name), { recursive: true, force: true });
      for (const name of real) renameSync(join(away, name), join(tokenFolder, name));
      bench.close();
    }
  }, 300_000);
  it('a copy of the workstation token under another serial (the key cloned, as onto a backup HSM), the database edited to name that serial, is refused before any PIN: the signed approval names the serial', async () => {
    const tokenFolder = join(tokens.dir, 'tokens');
    const others = new Set(readdirSync(tokenFolder));
    initToken(tokens, 'Clone HSM', userPin, 'clone-so-pin-1');
    const bench = await appBench({
      founding,
      prepare: (dataDir) =>
        writeSettings(dataDir, { mode: 'hsm', modulePath: softhsmModule, tokenUri: 'pkcs11:token=Clone%20HSM' }),
      userPin,
    });
    const away = join(dir, 'the-cloned-token');
    mkdirSync(away);
    const [original] = readdirSync(tokenFolder).filter((name) => !others.has(name));
    if (!original) throw new Error('the workstation token folder was not found');
    try {
      bench.workstation.close();
      const db = new Database(join(bench.dataDir, 'keyward.db'));
      const { token_serial: serial } = db
        .prepare('SELECT token_serial FROM workstation_identity WHERE retired_at IS NULL')
        .get() as { token_serial: string };
      // The same token, key and PIN, under another serial of the same length; the real one taken away.
      const cloneSerial = serial.replace(/./g, (digit) => (digit === '7' ? '8' : '7'));
      renameSync(join(tokenFolder, original), join(away, original));
      cpSync(join(away, original), join(tokenFolder, original), { recursive: true });
      const tokenObject = join(tokenFolder, original, 'token.object');
      const bytes = readFileSync(tokenObject);
      const at = bytes.indexOf(Buffer.from(serial));
      expect(at).toBeGreaterThan(0);
      Buffer.from(cloneSerial).copy(bytes, at);
      writeFileSync(tokenObject, bytes);
      // Whoever holds the database file names the clone's serial (the triggers are the database's own: dropped).
      db.exec('DROP TRIGGER workstation_identity_fixed');
      db.prepare('UPDATE workstation_identity SET token_serial = ? WHERE retired_at IS NULL').run(cloneSerial);
      db.close();
      const { status, login } = await restarted(bench.dataDir, async (app) => ({
        status: await app.status(),
        login: await app.login(),
      }));
      expect(status, 'Keyward opened the cloned token and would ask for the PIN').toBeDefined();
      expect(status?.code).toBe('HSM_SELECTION_UNAPPROVED');
      expect(status?.message).toContain(`but the security officers approved the token with serial ${serial}`);
      expect(status?.message).toContain(`the workstation database names serial ${cloneSerial}`);
      expect(status?.message).toContain('No PIN was asked for');
      expect(login?.code).toBe('HSM_SELECTION_UNAPPROVED');
    } finally {
      rmSync(join(tokenFolder, original), { recursive: true, force: true });
      renameSync(join(away, original), join(tokenFolder, original));
      bench.close();
    }
  }, 300_000);
});
