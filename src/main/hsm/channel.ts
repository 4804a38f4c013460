/** How main talks to an HSM process, whichever kind of process hosts it. */
export interface HsmChannel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process ends; `detail` names the exit code or signal. */
  onExit(listener: (detail: string) => void): void;
  kill(): void;
}

export interface HsmProcessOptions {
  modulePath: string;
  /** Extra environment for the module, e.g. SOFTHSM2_CONF for the rehearsal token. */
  env: Record<string, string>;
}

export type HsmChannelFactory = (options: HsmProcessOptions) => HsmChannel;
