/** The HSM process as an Electron utility process, so no PKCS#11 call runs on Electron's main thread. */
import { utilityProcess } from 'electron';
import { hostVariables, type HsmChannel, type HsmChannelFactory } from '../hsm/channel';
import { hsmProcessEnv } from '../hsm/client/process-env';
import { hsmHostScript } from '../paths';

export const utilityHsmChannel: HsmChannelFactory = (options) => {
  const child = utilityProcess.fork(hsmHostScript(), [], {
    serviceName: 'Keyward HSM',
    // Nothing in Keyward's environment loads code into the process the PINs pass through (see process-env.ts).
    env: hsmProcessEnv(process.env, hostVariables(options)),
    stdio: 'ignore',
  });
  const kill = (): void => {
    // Electron's kill() is SIGTERM (end() below), which the HSM process answers by finishing its running
    // operation first (and a stopped process only once continued): a stalled one is ended with SIGKILL.
    if (child.pid === undefined) {
      child.kill();
      return;
    }
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone: its 'exit' reports it
    }
  };
  const channel: HsmChannel = {
    send: (message) => {
      try {
        child.postMessage(message);
      } catch {
        kill(); // the process has gone or is going: its 'exit' fails the pending requests
      }
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', (code) => listener(`exit code ${code}`)),
    kill,
    end: () => {
      child.kill(); // SIGTERM
    },
    onSpawn: (listener) => {
      const started = (): void => {
        if (child.pid !== undefined) listener(child.pid);
      };
      if (child.pid !== undefined) started();
      else child.once('spawn', started);
    },
  };
  return channel;
};
