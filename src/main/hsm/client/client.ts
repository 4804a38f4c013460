/**
 * Main's side of the HSM process: typed requests matched to replies by id. If the process dies (a
 * crashing module, a removed device), pending requests fail with a clear error and the next request
 * starts a fresh process, so the app recovers without a restart. If it stalls (stopped, or an operation
 * running longer than its kind allows), main ends it with SIGKILL and fails the requests
 * (HSM_PROCESS_STALLED): left alive, it could finish the operation after Keyward had given up on it and
 * rolled back the ceremony step it belonged to.
 */
import { performance } from 'node:perf_hooks';
import { KeywardError, isErrorData } from '../../../shared/errors';
import type { HsmChannel, HsmChannelFactory, HsmProcessOptions } from '../channel';
import { isStopped, type HsmProcessRegistry } from '../process-registry';
import {
  hsmOpDescriptions,
  hsmOpTimeLimitsMs,
  hsmSilenceLimitMs,
  moduleLoadAllowanceMs,
  type HsmOpName,
  type HsmOps,
  type HsmProgress,
  type HsmReplyMessage,
} from '../protocol';

/** A request still running in the HSM, as its heartbeats report it. */
export interface RunningRequest {
  id: number;
  op: HsmOpName;
  /** The operation in an officer's words ("generating a key"). */
  description: string;
  elapsedMs: number;
}

export interface HsmTimeLimits {
  /** How long a stopped process is waited for (protocol.ts hsmSilenceLimitMs). */
  silenceMs: number;
  /** How long each operation may run (protocol.ts hsmOpTimeLimitsMs). */
  operationMs: Partial<Record<HsmOpName, number>>;
  /** Added to the limit of a new process's first request, which loads the module. */
  moduleLoadMs: number;
}

export interface HsmClientOptions {
  /** The data folder's record of HSM processes: each one is recorded, and none starts while one an exited Keyward left behind is alive. */
  registry?: HsmProcessRegistry;
  /** Told, with each heartbeat, that a request is still running and for how long (the CLI shows it). */
  onProgress?: (running: RunningRequest) => void;
  /** Shorter limits, for tests only: passed in code, never read from settings or the environment. */
  limits?: Partial<HsmTimeLimits>;
}

interface Pending {
  id: number;
  op: HsmOpName;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (progress: HsmProgress) => void;
}

/** One HSM process and the requests sent to it, in the order it runs them (one at a time). */
interface Host {
  channel: HsmChannel;
  pid: number | undefined;
  /** Sent and not yet answered; the first is the one running. */
  queue: Map<number, Pending>;
  /** When the running request started (performance.now()): sent to an idle process, or the one before it answered. */
  runningSince: number;
  /** The last message from the process, or the start of the running request. */
  lastHeard: number;
  /** Nothing answered yet: the first request loads the module. */
  fresh: boolean;
}

/** How often pending requests are checked for a stall. */
const watchdogPeriodMs = 250;
/** A check this late means main's own event loop was held up, and replies may be waiting unread: no judgement that round. */
const lateCheckMs = 1_000;

const closedError = (): KeywardError =>
  new KeywardError('HSM_PROCESS_FAILED', 'The connection to the HSM was closed.', 'Restart Keyward.');

/** A duration as an officer reads it: "0.4 s", "42 s", "10 min". */
export function inWords(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

const opInWords = (op: HsmOpName): string => `${hsmOpDescriptions[op]} (${op})`;

export class HsmClient {
  private host: Host | undefined;
  private starting: Promise<Host> | undefined;
  private nextId = 1;
  private closed = false;
  private watchdog: NodeJS.Timeout | undefined;
  private lastCheck = 0;
  private readonly limits: HsmTimeLimits;

  constructor(
    private readonly options: HsmProcessOptions,
    private readonly startProcess: HsmChannelFactory,
    private readonly settings: HsmClientOptions = {},
  ) {
    this.limits = {
      silenceMs: hsmSilenceLimitMs,
      moduleLoadMs: moduleLoadAllowanceMs,
      ...settings.limits,
      operationMs: { ...hsmOpTimeLimitsMs, ...settings.limits?.operationMs },
    };
  }

  get modulePath(): string {
    return this.options.modulePath;
  }

  request<K extends HsmOpName>(
    op: K,
    request: HsmOps[K]['request'],
    onProgress?: (progress: HsmProgress) => void,
  ): Promise<HsmOps[K]['response']> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        id: this.nextId++,
        op,
        resolve: resolve,
        reject,
        ...(onProgress ? { onProgress } : {}),
      };
      const host = this.host ?? this.start();
      if (host instanceof Promise) host.then((started) => this.send(started, pending, request), reject);
      else this.send(host, pending, request);
    });
  }

  close(): void {
    this.closed = true;
    // The process ends once its running operation has ended (never cut short under the module: a torn
    // object); pending requests fail when its exit is reported.
    this.host?.channel.end();
    this.host = undefined;
  }

  /** A new HSM process, once no HSM process an exited Keyward left behind is alive (usually at once). */
  private start(): Host | Promise<Host> {
    if (this.starting) return this.starting;
    const { registry } = this.settings;
    if (!registry || registry.lingering().length === 0) return this.launch();
    const starting = registry.requireNoneLingering().then(() => {
      if (this.closed) throw closedError();
      return this.host ?? this.launch();
    });
    const done = (): void => {
      if (this.starting === starting) this.starting = undefined;
    };
    starting.then(done, done);
    this.starting = starting;
    return starting;
  }

  private launch(): Host {
    const channel = this.startProcess(this.options);
    const host: Host = {
      channel,
      pid: undefined,
      queue: new Map(),
      runningSince: 0,
      lastHeard: 0,
      fresh: true,
    };
    channel.onSpawn?.((pid) => {
      host.pid = pid;
      this.settings.registry?.record(pid);
    });
    channel.onMessage((message) => this.onReply(host, message as HsmReplyMessage));
    channel.onExit((detail) => {
      if (host.pid !== undefined) this.settings.registry?.forget(host.pid);
      if (this.host === host) this.host = undefined;
      this.failAll(
        host,
        (p) =>
          new KeywardError(
            'HSM_PROCESS_FAILED',
            `The HSM process for ${this.options.modulePath} stopped (${detail}) while ${opInWords(p.op)}. The PKCS#11 module may have crashed.`,
            'Nothing was completed by that operation. Check that the HSM is connected, then try again: Keyward starts a new HSM process by itself.',
          ),
      );
    });
    this.host = host;
    return host;
  }

  private send(host: Host, pending: Pending, request: unknown): void {
    if (this.host !== host) {
      pending.reject(
        this.closed
          ? closedError()
          : new KeywardError(
              'HSM_PROCESS_FAILED',
              `The HSM process for ${this.options.modulePath} ended before ${opInWords(pending.op)} could start.`,
              'Try again: Keyward starts a new HSM process by itself.',
            ),
      );
      return;
    }
    if (host.queue.size === 0) this.startRunning(host);
    host.queue.set(pending.id, pending);
    host.channel.send({ id: pending.id, op: pending.op, request });
    this.watch();
  }

  private startRunning(host: Host): void {
    host.runningSince = performance.now();
    host.lastHeard = host.runningSince;
  }

  private onReply(host: Host, message: HsmReplyMessage): void {
    host.lastHeard = performance.now();
    const waiting = host.queue.get(message.id);
    if (!waiting) return;
    if ('progress' in message) {
      waiting.onProgress?.(message.progress);
      this.settings.onProgress?.({
        id: waiting.id,
        op: waiting.op,
        description: hsmOpDescriptions[waiting.op],
        elapsedMs: message.progress.elapsedMs,
      });
      return;
    }
    host.queue.delete(message.id);
    host.fresh = false;
    this.startRunning(host); // the next request, if any, runs from now
    if (message.ok) waiting.resolve(message.response);
    else if (isErrorData(message.error)) waiting.reject(KeywardError.fromData(message.error));
    else
      waiting.reject(
        new KeywardError('HSM_PROCESS_FAILED', 'The HSM process sent a malformed reply.', 'Restart Keyward.'),
      );
  }

  private watch(): void {
    if (this.watchdog) return;
    this.lastCheck = performance.now();
    this.watchdog = setInterval(() => this.checkForStall(), watchdogPeriodMs);
    // The pending requests' own process keeps main running; this timer alone does not.
    this.watchdog.unref();
  }

  private checkForStall(): void {
    const now = performance.now();
    const late = now - this.lastCheck > lateCheckMs;
    this.lastCheck = now;
    const host = this.host;
    const running = host?.queue.values().next().value;
    if (!host || !running) {
      clearInterval(this.watchdog);
      this.watchdog = undefined;
      return;
    }
    if (late) return;
    const runFor = now - host.runningSince;
    const limit =
      (this.limits.operationMs[running.op] ?? hsmOpTimeLimitsMs[running.op]) +
      (host.fresh ? this.limits.moduleLoadMs : 0);
    if (runFor > limit) {
      this.stalled(
        host,
        running,
        `it was still running after ${inWords(runFor)}, longer than the ${inWords(limit)} Keyward allows for it`,
      );
      return;
    }
    const silentFor = now - host.lastHeard;
    if (silentFor <= this.limits.silenceMs) return;
    // Silence from a process that is running is work holding its event loop (a synchronous PKCS#11 call, the
    // checks after a generation): left to the operation's time limit. Only a stopped process is a stall now.
    if (host.pid !== undefined && isStopped(host.pid)) {
      this.stalled(
        host,
        running,
        `the HSM process is stopped (suspended by SIGSTOP or Ctrl-Z, or held by a debugger): nothing came from it for ${inWords(silentFor)}, after ${inWords(runFor)} in all`,
      );
    }
  }

  private stalled(host: Host, running: Pending, why: string): void {
    if (this.host === host) this.host = undefined;
    // SIGKILL ends a stopped process too: it can never complete the operation later.
    host.channel.kill();
    const ended = `Keyward ended its HSM process${host.pid === undefined ? '' : ` (process ${host.pid})`}, so that it can never complete the operation later.`;
    const nextStep =
      "Check that the HSM is connected and answering (and that no one suspended Keyward's HSM process), then try again: Keyward starts a new HSM process by itself.";
    this.failAll(host, (p) =>
      p === running
        ? new KeywardError(
            'HSM_PROCESS_STALLED',
            `The HSM for ${this.options.modulePath} did not finish ${opInWords(p.op)}: ${why}. ${ended}`,
            nextStep,
          )
        : new KeywardError(
            'HSM_PROCESS_STALLED',
            `The HSM for ${this.options.modulePath} did not finish ${opInWords(running.op)} (${why}), so ${opInWords(p.op)}, waiting behind it, was not done. ${ended}`,
            nextStep,
          ),
    );
  }

  private failAll(host: Host, error: (pending: Pending) => KeywardError): void {
    const failed = [...host.queue.values()];
    host.queue.clear();
    for (const p of failed) p.reject(error(p));
  }
}
