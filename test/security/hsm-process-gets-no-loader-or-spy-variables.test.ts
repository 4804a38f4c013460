/**
 * Security review (issue 14), F5: the HSM process, which loads the PKCS#11 module and through which every
 * PIN passes, inherited Keyward's whole environment. Whoever could set a variable for Keyward (a desktop
 * file, a shell profile, a wrapper script) loaded code into it (LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH,
 * NODE_OPTIONS=--require, OPENSSL_CONF, GCONV_PATH) or, with OpenSC's pkcs11-spy module, named the module
 * it forwards to and the file that receives every call with its PIN (PKCS11SPY, PKCS11SPY_OUTPUT). The
 * attack is replayed: those variables are set for Keyward with a real preload library and a real
 * --require script, each leaving its process id as a mark; the HSM process's environment is then read
 * from /proc/PID/environ, and no mark of it may appear.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmClient } from '../../src/main/hsm/client/client';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { initToken, makeSoftHsmDir, softhsmModule, type TestTokens } from '../helpers/softhsm';

let dir: string;
let tokens: TestTokens;
let marks: string;
let preload: string;
let requireScript: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-hsm-env-'));
  marks = join(dir, 'marks');
  // A library whose constructor runs in every process the loader preloads it into, writing that process's id.
  writeFileSync(
    join(dir, 'mark.c'),
    `#include <stdio.h>\n#include <unistd.h>\n__attribute__((constructor)) static void mark(void) { FILE *f = fopen("${marks}", "a"); if (f) { fprintf(f, "preload %d\\n", (int)getpid()); fclose(f); } }\n`,
  );
  preload = join(dir, 'libmark.so');
  execFileSync('cc', ['-shared', '-fPIC', '-o', preload, join(dir, 'mark.c')]);
  requireScript = join(dir, 'mark.cjs');
  writeFileSync(
    requireScript,
    `require('node:fs').appendFileSync(${JSON.stringify(marks)}, 'require ' + process.pid + '\\n');\n`,
  );
  writeFileSync(join(dir, 'openssl.cnf'), '# an OpenSSL configuration could load an engine or provider library\n');
  tokens = makeSoftHsmDir();
  initToken(tokens, 'Env HSM');
}, 60_000);

afterAll(() => {
  tokens.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** The HSM processes this test process started (children running hsm-host.js). */
function hsmProcesses(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('hsm-host.js');
      } catch {
        return false;
      }
    });
}

const environOf = (pid: number): Map<string, string> =>
  new Map(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] as [string, string]),
  );

const planted = {
  LD_PRELOAD: () => preload,
  LD_AUDIT: () => preload,
  LD_LIBRARY_PATH: () => dir,
  NODE_OPTIONS: () => `--require ${requireScript}`,
  PKCS11SPY: () => softhsmModule,
  PKCS11SPY_OUTPUT: () => join(dir, 'spy.log'),
  OPENSSL_CONF: () => join(dir, 'openssl.cnf'),
  GCONV_PATH: () => dir,
  // OpenSC's configuration can name card drivers and modules to load, and OpenSC's own module reads it.
  OPENSC_CONF: () => join(dir, 'opensc.conf'),
  // A TCTI given as a path is a library tpm2-tss loads.
  TPM2_PKCS11_TCTI: () => join(dir, 'libtss2-tcti-evil.so'),
  // A name nobody has listed: a deny-list would let it through.
  SOME_VENDOR_PLUGIN_PATH: () => dir,
};

describe('what is set for Keyward does not reach the process the PINs pass through', () => {
  it('LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH, NODE_OPTIONS, OPENSSL_CONF, OPENSC_CONF, GCONV_PATH, PKCS11SPY*, a TCTI library path and any variable not listed, set for Keyward, are not in the HSM process, and load nothing into it', async () => {
    const before = new Set(hsmProcesses());
    const saved = Object.fromEntries(Object.keys(planted).map((name) => [name, process.env[name]]));
    // What the module legitimately reads stays: its configuration file's variable, the home folder, the path.
    const client = new HsmClient({ modulePath: softhsmModule, env: tokens.env }, nodeHsmChannel);
    let pid: number | undefined;
    try {
      for (const [name, value] of Object.entries(planted)) process.env[name] = value();
      try {
        // The process starts with the first request, and loads the module for it.
        const listed = client.request('listTokens', {});
        pid = hsmProcesses().find((p) => !before.has(p));
        expect((await listed).map((t) => t.label)).toContain('Env HSM');
      } finally {
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) Reflect.deleteProperty(process.env, name);
          else process.env[name] = value;
        }
      }
      pid ??= hsmProcesses().find((p) => !before.has(p));
      expect(pid, 'the HSM process is running').toBeDefined();
      const marked = existsSync(marks) ? readFileSync(marks, 'utf8') : '';
      expect(marked, 'code was loaded into the HSM process').not.toMatch(new RegExp(`^(preload|require) ${pid}$`, 'm'));
      const environ = environOf(pid ?? 0);
      for (const name of Object.keys(planted)) expect(environ.has(name), `${name} reached the HSM process`).toBe(false);
      expect(environ.get('SOFTHSM2_CONF')).toBe(tokens.conf);
      expect(environ.get('PATH')).toBe(process.env.PATH);
      expect(existsSync(join(dir, 'spy.log'))).toBe(false);
    } finally {
      client.close();
    }
  });
});
