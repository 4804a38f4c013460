/**
 * The HSM processes Keyward started for a data folder, so that no new one starts while one left behind by
 * a Keyward that has exited is still alive.
 *
 * Why: a Keyward killed while its HSM process was stopped (SIGSTOP, Ctrl-Z) or in the middle of a long
 * operation leaves that process behind, reparented to init. A later Keyward would roll the interrupted
 * ceremony step back (destroying the objects with the CKA_IDs the step reserved) and run the step again;
 * the old process, continued afterwards, would then finish its operation and leave a second key with the
 * same id and label that nothing records (issue 15). Keyward does not kill it itself (it could be in the
 * middle of writing an object): it refuses, naming the process and what to do, until it has ended.
 *
 * One file per process in `<data folder>/hsm-processes/`, written when main starts the process and
 * removed when it exits; each names the process (pid, start time, command line) and the Keyward that
 * started it. Processes are read from Linux's /proc; where there is none, no process is ever found alive.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeywardError } from '../../shared/errors';

const folderName = 'hsm-processes';

/** A process as /proc shows it: its state letter (R, S, D, T for stopped, Z for exited...), parent and start time. */
export interface ProcessStatus {
  state: string;
  ppid: number;
  /** Clock ticks after boot: with the pid, names one process for good (a pid is reused, this pair is not). */
  startTime: string;
}

/** One process, for good: its pid and start time. */
export interface ProcessRef {
  pid: number;
  startTime: string;
}

export function processStatus(pid: number): ProcessStatus | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (command) state ppid ..." where the command may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state, ppid] = fields;
  const startTime = fields[19]; // field 22 of proc(5), counted from the state (field 3)
  if (!state || !ppid || !startTime) return undefined;
  return { state, ppid: Number(ppid), startTime };
}

/** The process is alive: not exited (a zombie waiting to be reaped is not), and not another one that reused its pid. */
export function isAlive(ref: ProcessRef): boolean {
  const status = processStatus(ref.pid);
  return status !== undefined && status.startTime === ref.startTime && status.state !== 'Z' && status.state !== 'X';
}

/** Stopped by a signal (SIGSTOP, Ctrl-Z) or by a debugger: alive, but doing nothing until continued. */
export function isStopped(pid: number): boolean {
  const state = processStatus(pid)?.state;
  return state === 'T' || state === 't';
}

export function processRef(pid: number): ProcessRef | undefined {
  const status = processStatus(pid);
  return status && { pid, startTime: status.startTime };
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

interface Entry {
  process: ProcessRef & { command: string };
  /** The Keyward (main process) that started it. */
  keyward: ProcessRef;
}

function isRef(value: unknown): value is ProcessRef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Number.isInteger(v.pid) && typeof v.startTime === 'string';
}

function parseEntry(text: string): Entry | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { process: recorded, keyward } = value as Record<string, unknown>;
    if (!isRef(recorded) || typeof (recorded as { command?: unknown }).command !== 'string' || !isRef(keyward))
      return undefined;
    return { process: recorded as Entry['process'], keyward };
  } catch {
    return undefined;
  }
}

/** An HSM process an exited Keyward started for this data folder, still alive. */
export interface LingeringProcess {
  pid: number;
  stopped: boolean;
}

/** How long a new HSM process waits for a lingering one to end by itself: an idle one ends within moments of its Keyward. */
const graceMs = 3_000;
const graceStepMs = 50;

export class HsmProcessRegistry {
  private readonly folder: string;
  private readonly self = processRef(process.pid);

  constructor(readonly dataDir: string) {
    this.folder = join(dataDir, folderName);
  }

  /** Called when main has started an HSM process (before it is sent anything). */
  record(pid: number): void {
    const ref = processRef(pid);
    const command = commandLine(pid);
    if (!ref || command === undefined || !this.self) return; // already gone, or no /proc: nothing to watch
    const entry: Entry = { process: { ...ref, command }, keyward: this.self };
    try {
      mkdirSync(this.folder, { recursive: true, mode: 0o700 });
      // Written whole or not at all: a half-written entry would hide the process it names.
      const partial = join(this.folder, `.${pid}.partial`);
      writeFileSync(partial, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      renameSync(partial, join(this.folder, String(pid)));
    } catch {
      // A full disk: commands that only read still work there, so the process runs unrecorded. A later
      // Keyward then cannot see it should this one die; but while the disk is full no ceremony step
      // (which writes to the database) runs either.
    }
  }

  /** Called when an HSM process this Keyward started has exited. */
  forget(pid: number): void {
    const entry = this.read(pid);
    if (entry && this.isSelf(entry.keyward)) this.remove(String(pid));
  }

  /**
   * The recorded HSM processes still alive whose Keyward has exited. An entry whose process has ended is
   * removed. A process whose Keyward is still running is that Keyward's to end (it ends its HSM processes
   * when it closes, or when one stalls), and that Keyward's instance lock keeps any other from logging in.
   */
  lingering(): LingeringProcess[] {
    let names: string[];
    try {
      names = readdirSync(this.folder).filter((name) => /^\d+$/.test(name));
    } catch {
      return [];
    }
    const found: LingeringProcess[] = [];
    for (const name of names) {
      const entry = this.read(Number(name));
      if (!entry || !isAlive(entry.process) || commandLine(entry.process.pid) !== entry.process.command) {
        this.remove(name);
        continue;
      }
      if (this.isSelf(entry.keyward) || isAlive(entry.keyward)) continue;
      found.push({ pid: entry.process.pid, stopped: isStopped(entry.process.pid) });
    }
    return found;
  }

  /** Resolves once no lingering HSM process is alive, allowing them a moment to end by themselves; otherwise refuses, naming them. */
  async requireNoneLingering(): Promise<void> {
    const deadline = Date.now() + graceMs;
    for (;;) {
      const lingering = this.lingering();
      if (lingering.length === 0) return;
      if (Date.now() >= deadline) throw lingeringError(this.dataDir, lingering);
      await new Promise((resolve) => setTimeout(resolve, graceStepMs));
    }
  }

  private remove(name: string): void {
    try {
      rmSync(join(this.folder, name), { force: true });
    } catch {
      // A folder that cannot be written (read-only): the entry stays, harmless, since its process is gone.
    }
  }

  private read(pid: number): Entry | undefined {
    try {
      return parseEntry(readFileSync(join(this.folder, String(pid)), 'utf8'));
    } catch {
      return undefined;
    }
  }

  private isSelf(ref: ProcessRef): boolean {
    return this.self !== undefined && ref.pid === this.self.pid && ref.startTime === this.self.startTime;
  }
}

export function lingeringError(dataDir: string, lingering: LingeringProcess[]): KeywardError {
  const described = lingering.map(
    (p) =>
      `process ${p.pid}${p.stopped ? ', which is stopped (state T: suspended by SIGSTOP or Ctrl-Z)' : ', which is still running'}`,
  );
  const stopped = lingering.filter((p) => p.stopped).map((p) => p.pid);
  const running = lingering.filter((p) => !p.stopped).map((p) => p.pid);
  const steps = [
    ...(running.length
      ? [
          `Wait for ${running.map((pid) => `process ${pid}`).join(' and ')} to end by itself: it finishes the operation it is running, then exits (if it has not ended after several minutes, end it with ${running.map((pid) => `"kill -KILL ${pid}"`).join(' and ')}).`,
        ]
      : []),
    ...(stopped.length
      ? [
          `Continue ${stopped.map((pid) => `process ${pid}`).join(' and ')} with ${stopped.map((pid) => `"kill -CONT ${pid}"`).join(' and ')} and let it finish what it was doing and end by itself, or end it with ${stopped.map((pid) => `"kill -KILL ${pid}"`).join(' and ')}.`,
        ]
      : []),
    'Then try again: an interrupted ceremony step is rolled back first, whatever that process made included.',
  ];
  return new KeywardError(
    'HSM_PROCESS_LINGERING',
    `An HSM process that an earlier Keyward started for the data folder ${dataDir} is still alive: ${described.join('; ')}. That Keyward has exited, and Keyward does not use the token while the process lives: it may still be making a key for a ceremony step that was interrupted, and would make it after the step had been rolled back.`,
    steps.join(' '),
  );
}
