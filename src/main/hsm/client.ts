/**
 * Main's side of the HSM process: typed requests matched to replies by id. If the process dies (a
 * crashing module, a removed device), pending requests fail with a clear error and the next request
 * starts a fresh process, so the app recovers without a restart.
 */
import { KeywardError, isErrorData } from '../../shared/errors';
import type { HsmChannel, HsmChannelFactory, HsmProcessOptions } from './channel';
import { hsmOpDescriptions, type HsmOpName, type HsmOps, type HsmProgress, type HsmReplyMessage } from './protocol';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: KeywardError) => void;
  op: HsmOpName;
  onProgress?: (progress: HsmProgress) => void;
}

export class HsmClient {
  private channel: HsmChannel | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly options: HsmProcessOptions,
    private readonly startProcess: HsmChannelFactory,
  ) {}

  get modulePath(): string {
    return this.options.modulePath;
  }

  request<K extends HsmOpName>(
    op: K,
    request: HsmOps[K]['request'],
    onProgress?: (progress: HsmProgress) => void,
  ): Promise<HsmOps[K]['response']> {
    if (this.closed) {
      return Promise.reject(
        new KeywardError('HSM_PROCESS_FAILED', 'The connection to the HSM was closed.', 'Restart Keyward.'),
      );
    }
    const channel = this.ensureChannel();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, op, ...(onProgress ? { onProgress } : {}) });
      channel.send({ id, op, request });
    });
  }

  close(): void {
    this.closed = true;
    this.channel?.kill();
    this.channel = undefined;
  }

  private ensureChannel(): HsmChannel {
    if (this.channel) return this.channel;
    const channel = this.startProcess(this.options);
    channel.onMessage((message) => this.onReply(message as HsmReplyMessage));
    channel.onExit((detail) => {
      if (this.channel === channel) this.channel = undefined;
      const failed = [...this.pending.values()];
      this.pending.clear();
      for (const p of failed) {
        p.reject(
          new KeywardError(
            'HSM_PROCESS_FAILED',
            `The HSM process for ${this.options.modulePath} stopped (${detail}) while ${hsmOpDescriptions[p.op]} (${p.op}). The PKCS#11 module may have crashed.`,
            'Nothing was completed by that operation. Check that the HSM is connected, then try again: Keyward starts a new HSM process by itself.',
          ),
        );
      }
    });
    this.channel = channel;
    return channel;
  }

  private onReply(message: HsmReplyMessage): void {
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    if ('progress' in message) {
      waiting.onProgress?.(message.progress);
      return;
    }
    this.pending.delete(message.id);
    if (message.ok) waiting.resolve(message.response);
    else if (isErrorData(message.error)) waiting.reject(KeywardError.fromData(message.error));
    else waiting.reject(new KeywardError('HSM_PROCESS_FAILED', 'The HSM process sent a malformed reply.', 'Restart Keyward.'));
  }
}
