/**
 * A ceremony run exactly as `keyward ceremony run|resume` runs it, except for one fault at a chosen point
 * of a chosen step: `kill`, the process kills itself with SIGKILL (a real crash: no cleanup code runs, the
 * HSM process loses its parent, SQLite is left as the kill finds it); `remove-token`, the rehearsal token
 * is taken away (its folder moved out of SoftHSM's token directory, to "removed-token" in the data
 * directory) and the step goes on without it; `pause`, the process stops there for good, still holding
 * the data folder, until the test kills it. Built into a script by the fault tests.
 *
 *   node harness.mjs run PLAN|resume ID  ANSWERS OUT  POINT STEP [kill|remove-token|pause]
 *   (KEYWARD_DATA_DIR names the data directory)
 */
import { mkdirSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { resumeCeremony, runCeremony, type CeremonyRunOptions } from '../../src/cli/ceremony-run';
import { closeSecretInput } from '../../src/cli/secret-input';
import type { CrashPoint } from '../../src/main/ceremonies/engine';
import { defaultDataDir } from '../../src/main/data-dir';
import { nodeHsmChannel } from '../../src/main/hsm/client/node-channel';
import { openWorkstation } from '../../src/main/open-workstation';
import { toErrorData } from '../../src/shared/errors';

const [mode, target, answersPath, out, point, step, fault = 'kill'] = process.argv.slice(2);
if (!mode || !target || !answersPath || !out || !point || step === undefined)
  throw new Error('usage: harness run|resume PLAN|ID ANSWERS OUT POINT STEP');
const crashAt = { point: point as CrashPoint, step: Number(step) };

const workstation = openWorkstation(defaultDataDir(), nodeHsmChannel);
const options: CeremonyRunOptions = {
  answersPath,
  pinParts: 1,
  transcriptDir: out,
  print: (text) => process.stdout.write(text),
  networkAcknowledged: true,
  crash: (at, index) => {
    if (at !== crashAt.point || index !== crashAt.step) return;
    if (fault === 'pause') {
      // A Keyward still running the step: it holds the data folder until the test kills it.
      writeSync(1, `PAUSED ${at} ${index}\n`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      return;
    }
    if (fault === 'remove-token') {
      const tokens = join(defaultDataDir(), 'rehearsal', 'tokens');
      const removed = join(defaultDataDir(), 'removed-token');
      mkdirSync(removed);
      for (const entry of readdirSync(tokens)) renameSync(join(tokens, entry), join(removed, entry));
      writeSync(1, `TOKEN REMOVED ${at} ${index}\n`);
      return;
    }
    writeSync(1, `KILLED ${at} ${index}\n`);
    process.kill(process.pid, 'SIGKILL');
  },
};
try {
  const completed =
    mode === 'run'
      ? await runCeremony(workstation, target, options)
      : await resumeCeremony(workstation, target, options);
  process.exitCode = completed ? 0 : 1;
} catch (error) {
  // As the CLI reports a failure: what happened and the next step, never a stack.
  const data = toErrorData(error);
  process.stderr.write(`keyward: ${data.message}\nNext step: ${data.nextStep}\n`);
  process.exitCode = 1;
} finally {
  closeSecretInput();
  workstation.close();
}
