/** The HSM process as a Node child process: used by the Chromium shell, the CLI and the tests. */
import { fork } from 'node:child_process';
import type { HsmChannel, HsmChannelFactory } from './channel';
import { moduleEnvVar } from './protocol';
import { hsmHostScript } from '../paths';

export const nodeHsmChannel: HsmChannelFactory = ({ modulePath, env }) => {
  const child = fork(hsmHostScript(), [], {
    serialization: 'advanced',
    env: { ...process.env, ...env, [moduleEnvVar]: modulePath },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000);
  });
  const channel: HsmChannel = {
    send: (message) => {
      if (child.connected) child.send(message as object);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) =>
      child.once('exit', (code, signal) => {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        listener(stderrTail.trim() ? `${how}; it reported: ${stderrTail.trim().split('\n').slice(-3).join(' ')}` : how);
      }),
    kill: () => {
      child.kill('SIGKILL');
    },
  };
  return channel;
};
