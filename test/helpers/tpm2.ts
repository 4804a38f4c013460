/**
 * A tpm2-pkcs11 token for tests, on a software TPM: swtpm, a private D-Bus bus and the tpm2-abrmd resource
 * manager (without it tpm2_ptool runs out of object contexts), all in a temp folder; stop() kills them.
 * Like a real TPM it has dictionary-attack protection: a 4th wrong PIN gives CKR_PIN_LOCKED, even for the
 * right PIN, for 1000 s (`tpm2_dictionarylockout --clear-lockout` with TPM2TOOLS_TCTI lifts it).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const tpm2Module = '/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so';

export interface Tpm2Token {
  label: string;
  userPin: string;
  soPin: string;
  /** What the module's process needs, each one required: the bus, the TCTI that finds tpm2-abrmd on it, the store. */
  env: Record<string, string>;
  dir: string;
  stop(): void;
}

const run = promisify(execFile);
const tcti = 'tabrmd:bus_type=session';
const tcp = (port: number) => `type=tcp,port=${port},bindaddr=127.0.0.1`;
const nameHasOwner = ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus'].concat(
  'org.freedesktop.DBus.NameHasOwner string:com.intel.tss2.Tabrmd'.split(' '),
);

type Daemon = { name: string; output: string; exited: boolean };

/** Polls until the daemon is ready; fails naming it, with its output, if it exits or takes more than 10 s. */
async function waitFor(daemon: Daemon, ready: () => Promise<boolean> | boolean): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end && !daemon.exited;) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${daemon.name} did not start (${daemon.exited ? 'it exited' : 'timed out'}):\n${daemon.output}`);
}

const listen = (port: number) =>
  new Promise<Server | undefined>((resolve) => {
    const server = createServer().once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

/** A free port P whose neighbour is free too: swtpm's TCTI finds the control channel at P + 1. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const first = await listen(0);
    const port = (first?.address() as AddressInfo | undefined)?.port ?? 65535;
    const second = port < 65535 ? await listen(port + 1) : undefined;
    first?.close();
    second?.close();
    if (second) return port;
  }
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
  });

export async function startTpm2Token(
  label = 'Keyward TPM',
  userPin = 'tpm-user-1234',
  soPin = 'tpm-so-12345678',
): Promise<Tpm2Token> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-tpm2-'));
  const [state, store] = [join(dir, 'swtpm'), join(dir, 'store')];
  for (const folder of [state, store]) mkdirSync(folder);
  const started: ChildProcess[] = [];
  const daemon = (name: string, args: string[], env = process.env): Daemon => {
    const child = spawn(name, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    const d: Daemon = { name, output: '', exited: false };
    const keep = (data: Buffer | Error | string) => (d.output = (d.output + String(data)).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => ((d.exited = true), keep(error)));
    child.on('exit', (code, signal) => ((d.exited = true), keep(`[exited: ${signal ?? String(code)}]`)));
    return d;
  };
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stop);
    for (const child of started.reverse()) child.kill('SIGKILL'); // their state is thrown away: no clean exit needed
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  try {
    let port = 0;
    for (let attempt = 1; !port; attempt++) {
      const p = await freePortPair();
      const args = ['socket', '--tpm2', '--server', tcp(p), '--ctrl', tcp(p + 1), '--tpmstate', `dir=${state}`];
      const swtpm = daemon('swtpm', [...args, '--flags', 'not-need-init,startup-clear']);
      try {
        await waitFor(swtpm, () => accepts(p));
        port = p;
      } catch (error) {
        if (attempt === 3) throw error; // else another process took a port meanwhile and swtpm exited: pick again
      }
    }
    // --nofork keeps it our child (we kill and reap it); it prints its address once it listens.
    const socket = encodeURIComponent(join(dir, 'bus')).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
    const bus = daemon('dbus-daemon', ['--session', '--nofork', '--print-address=1', `--address=unix:path=${socket}`]);
    await waitFor(bus, () => /^unix:\S+\n/m.test(bus.output));
    const address = /^(unix:\S+)\n/m.exec(bus.output)?.[1] ?? '';
    const env = { DBUS_SESSION_BUS_ADDRESS: address, TPM2_PKCS11_TCTI: tcti, TPM2_PKCS11_STORE: store };
    const busEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address };
    const abrmdArgs = ['--session', `--tcti=swtpm:host=127.0.0.1,port=${port}`, '--allow-root'];
    const abrmd = daemon('tpm2-abrmd', abrmdArgs, busEnv);
    const owned = () => run('dbus-send', nameHasOwner, { env: busEnv }).then((r) => r.stdout.includes('true'));
    await waitFor(abrmd, () => owned().catch(() => false));
    // tpm2_ptool works through tpm2-tools, which read TPM2TOOLS_TCTI (the module reads TPM2_PKCS11_TCTI).
    const ptoolEnv = { ...process.env, ...env, TPM2TOOLS_TCTI: tcti };
    await run('tpm2_ptool', ['init', '--path', store], { env: ptoolEnv });
    const pins = [`--sopin=${soPin}`, `--userpin=${userPin}`];
    await run('tpm2_ptool', ['addtoken', '--pid=1', ...pins, `--label=${label}`, '--path', store], { env: ptoolEnv });
    return { label, userPin, soPin, env, dir, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
