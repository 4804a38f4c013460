/**
 * One Keyward at a time on a workstation's data: a second one that logs in is refused, naming the first,
 * before it can roll back (as "interrupted") a step the first is running; a Keyward that was killed leaves
 * no lock behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { openWorkstation } from '../../src/main/open-workstation';
import { rehearsalToken } from '../../src/shared/rehearsal';
import { workstationInitArgs } from '../helpers/founding';
import { rejection } from '../helpers/rejection';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-lock-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const initArgs = ['bin/keyward.mjs', ...workstationInitArgs];

describe('a second Keyward on the same data folder', () => {
  it('is refused at its login, naming the Keyward that holds the folder, and goes ahead once that one has closed', async () => {
    const first = openWorkstation(dataDir, nodeHsmChannel);
    try {
      await first.login('user', [rehearsalToken.userPin]);
      const second = spawnSync(process.execPath, initArgs, {
        env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
        encoding: 'utf8',
        input: `${rehearsalToken.userPin}\n`,
      });
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(
        `keyward: Keyward is already running on this workstation's data folder ${dataDir} (process ${process.pid}`,
      );
      expect(second.stderr).toContain('Next step: Use the Keyward that is already open, or close it');
      // In the same process too: a second workstation object is refused as well.
      const again = openWorkstation(dataDir, nodeHsmChannel);
      try {
        expect((await rejection(again.login('user', [rehearsalToken.userPin]))).message).toMatch(/already running/);
      } finally {
        again.close();
      }
    } finally {
      first.close();
    }
    const after = openWorkstation(dataDir, nodeHsmChannel);
    try {
      expect((await after.login('user', [rehearsalToken.userPin])).warnings).toEqual([]);
    } finally {
      after.close();
    }
  });

  it('is not refused after the first was killed while logged in', async () => {
    // The CLI logs in, then waits for the founding officers' passphrases: killed there, it still holds the lock.
    const holder = spawn(process.execPath, initArgs, {
      env: { ...process.env, KEYWARD_DATA_DIR: dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    holder.stdin.write(`${rehearsalToken.userPin}\n`);
    const holderPid = () =>
      existsSync(join(dataDir, 'instance.pid')) ? readFileSync(join(dataDir, 'instance.pid'), 'utf8').trim() : '';
    await expect.poll(holderPid, { timeout: 30_000 }).toBe(String(holder.pid));
    const refused = openWorkstation(dataDir, nodeHsmChannel);
    try {
      expect((await rejection(refused.login('user', [rehearsalToken.userPin]))).message).toContain(
        `(process ${holder.pid}`,
      );
    } finally {
      refused.close();
    }
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    const next = openWorkstation(dataDir, nodeHsmChannel);
    try {
      await next.login('user', [rehearsalToken.userPin]);
    } finally {
      next.close();
    }
  });
});
