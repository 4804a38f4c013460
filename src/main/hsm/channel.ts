/** How main talks to an HSM process, whichever kind of process hosts it. */
import { moduleArgsEnvVar, moduleEnvVar } from './protocol';

export interface HsmChannel {
  /** Never throws nor leaves an error unhandled: a process that cannot be reached is ended, and its exit reported. */
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process ends; `detail` names the exit code or signal. */
  onExit(listener: (detail: string) => void): void;
  /** Ends the process at once (SIGKILL): a stalled process must never go on to finish its operation. */
  kill(): void;
  /**
   * Asks the process to end (SIGTERM) once its running operation has ended, so the module is finalised
   * with no call under way (a call cut short can leave a torn object on the token): for a close.
   */
  end(): void;
  /** Called with the process id once the process has started (at once for a Node child process). */
  onSpawn?(listener: (pid: number) => void): void;
}

export interface HsmProcessOptions {
  modulePath: string;
  /** Extra environment for the module, e.g. SOFTHSM2_CONF for the rehearsal token. */
  env: Record<string, string>;
  /** Arguments to C_Initialize, when the module takes any. */
  moduleArgs?: string;
}

/** The HSM process's own variables: which module, with which arguments, serving which parent. */
export const hostVariables = (options: HsmProcessOptions): Record<string, string> => ({
  ...options.env,
  [moduleEnvVar]: options.modulePath,
  ...(options.moduleArgs !== undefined ? { [moduleArgsEnvVar]: options.moduleArgs } : {}),
  [parentPidEnvVar]: String(process.pid),
});

export type HsmChannelFactory = (options: HsmProcessOptions) => HsmChannel;

/**
 * Environment variable naming main's process id to the HSM process, which ends when main has gone: its
 * parent is not always main itself (Chromium may start a utility process through its zygote).
 */
export const parentPidEnvVar = 'KEYWARD_HSM_PARENT_PID';
