/** The HSM process as a Node child process: used by the Chromium shell, the CLI and the tests. */
import { fork } from 'node:child_process';
import { hsmHostScript } from '../../paths';
import { hostVariables, type HsmChannel, type HsmChannelFactory } from '../channel';
import { hsmProcessEnv } from './process-env';

export const nodeHsmChannel: HsmChannelFactory = (options) => {
  const child = fork(hsmHostScript(), [], {
    serialization: 'advanced',
    // Nothing in Keyward's environment or command line loads code into the process the PINs pass through.
    env: hsmProcessEnv(process.env, hostVariables(options)),
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000);
  });
  let killed = false;
  const kill = (): void => {
    if (killed) return;
    killed = true;
    child.kill('SIGKILL');
  };
  // A message sent to a process that has just died fails (write EPIPE) as an 'error' event, which unhandled
  // would end main itself (issue 15). The process is ended for sure instead: its 'exit' then fails the
  // pending requests with HSM_PROCESS_FAILED, naming each operation, as any other crash does.
  child.on('error', kill);
  const channel: HsmChannel = {
    send: (message) => {
      if (!child.connected) return; // the process is ending: its 'exit' reports it
      child.send(message as object, undefined, undefined, (error) => {
        if (error) kill();
      });
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) =>
      child.once('exit', (code, signal) => {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        listener(stderrTail.trim() ? `${how}; it reported: ${stderrTail.trim().split('\n').slice(-3).join(' ')}` : how);
      }),
    kill,
    end: () => {
      if (!killed && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
    onSpawn: (listener) => {
      if (child.pid !== undefined) listener(child.pid);
    },
  };
  return channel;
};
