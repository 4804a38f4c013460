/** The HSM process as an Electron utility process, so no PKCS#11 call runs on Electron's main thread. */
import { utilityProcess } from 'electron';
import type { HsmChannel, HsmChannelFactory } from '../hsm/channel';
import { moduleEnvVar } from '../hsm/protocol';
import { hsmHostScript } from '../paths';

export const utilityHsmChannel: HsmChannelFactory = ({ modulePath, env }) => {
  const child = utilityProcess.fork(hsmHostScript(), [], {
    serviceName: 'Keyward HSM',
    env: { ...process.env, ...env, [moduleEnvVar]: modulePath },
    stdio: 'ignore',
  });
  const channel: HsmChannel = {
    send: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', (code) => listener(`exit code ${code}`)),
    kill: () => {
      child.kill();
    },
  };
  return channel;
};
