/**
 * Files as a hostile drive may hold them (a huge sparse file, a FIFO in place of a file), and how many
 * bytes this process has read, to check that a size limit holds while reading.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import { onTestFinished } from 'vitest';

export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

/** Bytes this process has read through read(2) so far (Linux task I/O accounting). */
export function bytesReadSoFar(): number {
  const line = /^rchar:\s+(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  if (!line?.[1]) throw new Error('/proc/self/io has no rchar line');
  return Number(line[1]);
}

/** A file of `bytes` that uses no disk: a hole only. */
export function sparseFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
}

/**
 * A FIFO, and a process that opens it for writing after `seconds`: if a reader blocks on it, it is
 * released then (so a regression shows as a slow call, not a hung test run). Call it inside a test: the
 * process is killed when the test ends.
 */
export function fifoWithWatchdog(path: string, seconds: number): void {
  execFileSync('mkfifo', [path]);
  const watchdog = spawn('sh', ['-c', `sleep ${seconds}; exec 3> "$0"`, path], { stdio: 'ignore' });
  onTestFinished(() => {
    watchdog.kill('SIGKILL');
  });
}
