/**
 * The approved HSM module's file changes legitimately (the vendor's package is updated): Keyward refuses it
 * before any PIN, and the security officers approve the new file in a change-hsm ceremony naming the same
 * module and token, in the one session that may open it for that purpose (the CLI given a change-hsm plan:
 * Workstation.allowHsmReapproval). Afterwards the workstation logs in as before. Real SoftHSM token, real
 * database, the module a root-owned copy of SoftHSM's in /usr/lib.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers } from '../../src/main/api/handlers';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { openWorkstation } from '../../src/main/open-workstation';
import { writeSettings } from '../../src/main/settings-file';
import type { AirGapStatus } from '../../src/shared/air-gap';
import type { CallName } from '../../src/shared/call-names';
import type { RequestOf, ResponseOf } from '../../src/shared/contract';
import type { KeywardErrorData } from '../../src/shared/errors';
import { appBench, appPassphrases, type AppBench } from '../helpers/app-bench';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';
import { answeringPrompts, typedAtTerminal } from '../helpers/terminal';

const isRoot = process.getuid?.() === 0;
const isolated: AirGapStatus = { isolated: true, findings: [], interfaces: [], defaultRoutes: [] };
const userPin = 'vendor-user-pin';
const sha256Of = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

let tokens: TestTokens;
let folder: string;
let vendorModule: string;
let bench: AppBench | undefined;

beforeAll(async () => {
  if (!isRoot) return;
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Vendor HSM', userPin, 'vendor-so-pin');
  process.env.SOFTHSM2_CONF = tokens.conf;
  folder = join('/usr/lib', `keyward-test-${randomBytes(4).toString('hex')}`);
  mkdirSync(folder, { mode: 0o755 });
  vendorModule = join(folder, 'libvendor-pkcs11.so');
  copyFileSync(realpathSync(softhsmModule), vendorModule);
  chmodSync(vendorModule, 0o644);
  bench = await appBench({
    founding: [
      ['alice', 'security-officer'],
      ['bob', 'key-custodian'],
      ['dave', 'security-officer'],
      ['grace', 'security-officer'],
    ],
    prepare: (dataDir) =>
      writeSettings(dataDir, { mode: 'hsm', modulePath: vendorModule, tokenUri: 'pkcs11:token=Vendor%20HSM' }),
    userPin,
  });
  bench.workstation.close();
}, 180_000);

afterAll(() => {
  if (!isRoot) return;
  bench?.close();
  rmSync(folder, { recursive: true, force: true });
  tokens.cleanup();
  delete process.env.SOFTHSM2_CONF;
});

/** Runs a command at a terminal (util-linux script), typing an answer whenever the output ends with its prompt. */
/** Keyward started on the workstation's data folder, as the app drives it; closed afterwards. */
async function session<T>(
  options: { reapproval?: boolean },
  work: (app: {
    call<N extends CallName>(name: N, request: RequestOf<N>): Promise<ResponseOf<N>>;
    refusal<N extends CallName>(name: N, request: RequestOf<N>): Promise<KeywardErrorData | undefined>;
  }) => Promise<T>,
): Promise<T> {
  const workstation = openWorkstation(bench?.dataDir ?? '', nodeHsmChannel);
  if (options.reapproval) workstation.allowHsmReapproval();
  const handlers = createHandlers(workstation, { readAirGap: () => isolated });
  try {
    return await work({
      call: async (name, request) => {
        const result = await dispatch(handlers, name, request);
        if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
        return result.value as never;
      },
      refusal: async (name, request) => {
        const result = await dispatch(handlers, name, request);
        return result.ok ? undefined : result.error;
      },
    });
  } finally {
    workstation.close();
  }
}

describe('a vendor update of the approved module', () => {
  it('is refused before any PIN, approved again by the security officers in a change-hsm ceremony, and used afterwards', async (context) => {
    if (!isRoot) context.skip('placing a module in /usr/lib needs root');
    const approvedBefore = sha256Of(vendorModule);
    // The update: the same library with other bytes (a rebuilt package), still loadable.
    appendFileSync(vendorModule, Buffer.from('vendor update 2.1\n'));
    const updated = sha256Of(vendorModule);
    expect(updated).not.toBe(approvedBefore);

    const refused = await session({}, (app) => app.refusal('loginToken', { pinParts: [userPin] }));
    expect(refused?.code).toBe('HSM_MODULE_CHANGED');
    expect(refused?.message).toContain(`changed since the security officers approved it`);

    // A change-hsm ceremony planned to approve it, its officers then called away: the CLI aborts it, in a
    // session that opens the module for that ceremony (and refuses it for any other).
    const tokenUri = 'pkcs11:token=Vendor%20HSM';
    const abandoned = await session({ reapproval: true }, async (app) => {
      await app.call('loginToken', { pinParts: [userPin] });
      const view = await app.call('planCeremony', {
        plan: { ceremony: 'change-hsm', officers: ['alice', 'dave'], hsm: { module: vendorModule, token: tokenUri } },
      });
      for (const officer of ['alice', 'dave'] as const)
        await app.call('checkInOfficer', { id: view.status.plan.id, officer, passphrase: appPassphrases[officer] });
      return view.status.plan.id;
    });
    const dataDir = bench?.dataDir ?? '';
    // On a real HSM the PIN and passphrase are typed at a terminal: `script` gives the CLI one, and each is
    // typed once its prompt shows.
    const aborted = await typedAtTerminal(
      [
        process.execPath,
        join(process.cwd(), 'bin/keyward.mjs'),
        'ceremony',
        'abort',
        abandoned,
        '--reason',
        "'the officers were called away'",
        '--officer',
        'alice',
        '--out',
        dataDir,
        '--network-acknowledged',
      ].join(' '),
      { KEYWARD_DATA_DIR: dataDir },
      answeringPrompts([
        [/PIN[^\n]*: $/, userPin],
        [/passphrase[^\n]*: $/i, appPassphrases.alice],
      ]),
    );
    expect(aborted.status, aborted.stdout).toBe(0);
    expect(aborted.stdout).toContain(`Ceremony ${abandoned} aborted`);

    await session({ reapproval: true }, async (app) => {
      const login = await app.call('loginToken', { pinParts: [userPin] });
      const warned = login.warnings.join(' ');
      expect(warned).toContain('changed since the security officers approved it');
      expect(warned).toContain(
        'It was opened, and the PIN typed, for the security officers to approve it again in a change-hsm ceremony',
      );
      // Said after the PIN was typed: never that none was asked for.
      expect(warned).not.toContain('no PIN was asked for');
      // Opened for its re-approval only: no key ceremony runs on the module as it is.
      const keyCeremony = await app.refusal('planCeremony', {
        plan: {
          ceremony: 'generate-cmk',
          officers: ['alice', 'bob'],
          key: { name: 'Unapproved module key', purpose: 'tenant data', spec: 'AES_256' },
        },
      });
      expect(keyCeremony?.code).toBe('HSM_MODULE_CHANGED');
      expect(keyCeremony?.message).toContain('so a generate-cmk ceremony cannot be planned. Nothing was planned.');
      let view = await app.call('planCeremony', {
        plan: { ceremony: 'change-hsm', officers: ['alice', 'dave'], hsm: { module: vendorModule, token: tokenUri } },
      });
      expect(view.status.plan.title).toBe(`Approve the HSM module ${vendorModule} again`);
      expect(view.status.plan.steps[0]?.description).toContain('its module file changed since they were approved');
      const id = view.status.plan.id;
      for (const officer of ['alice', 'dave'] as const)
        await app.call('checkInOfficer', { id, officer, passphrase: appPassphrases[officer] });
      view = await app.call('getCeremony', { id });
      while (view.status.state !== 'completed') {
        const next = view.status.steps.find((s) => s.state !== 'done');
        if (next && view.status.plan.steps[next.index]?.sensitive) {
          for (const officer of ['alice', 'dave'] as const)
            await app.call('approveCeremonyStep', {
              id,
              step: next.index,
              officer,
              passphrase: appPassphrases[officer],
            });
        }
        view = await app.call('runCeremonyStep', { id, inputs: {} });
      }
    });

    // An ordinary session again: the new file is the approved one.
    await session({}, async (app) => {
      expect(await app.refusal('getTokenStatus', {})).toBeUndefined();
      const login = await app.call('loginToken', { pinParts: [userPin] });
      expect(login.warnings).toEqual([]);
    });
    const saved = JSON.parse(readFileSync(join(bench?.dataDir ?? '', 'settings.json'), 'utf8')) as {
      approval?: { moduleSha256?: string };
    };
    expect(saved.approval?.moduleSha256).toBe(updated);
  }, 180_000);
});
