/**
 * Fault testing, issue 15 item 9: a plan cut short by a broken copy (`rotationDays: 365` became
 * `rotationDays: 3`) ran, and the printed plan never showed the rotation period. Now every example plan
 * carries a checksum line as its first line, so any copy cut short or damaged is refused before a PIN is
 * asked for; and the printed plan shows every value each step acts on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlanFile } from '../../src/main/ceremonies/plan-file';
import { KeywardError } from '../../src/shared/errors';

const folder = 'docs/ceremonies';
const examples = readdirSync(folder).filter((f) => f.endsWith('.yaml') && f !== 'rehearsal-answers.yaml');
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-plan-faults-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('an example plan damaged in a copy is refused', () => {
  for (const file of examples) {
    it(`${file}: cut short at any byte, or with any one byte changed, it is refused`, () => {
      const text = readFileSync(join(folder, file), 'utf8');
      const firstLine = text.indexOf('\n') + 1;
      const refused = (damaged: string) => {
        try {
          readPlanFile(file, damaged);
          return false;
        } catch (error) {
          return error instanceof KeywardError && error.code === 'PLAN_INVALID';
        }
      };
      for (let cut = firstLine; cut < text.length; cut++)
        expect(refused(text.slice(0, cut)), `cut at byte ${cut}`).toBe(true);
      for (let at = firstLine; at < text.length; at += 7) {
        const changed = text.slice(0, at) + (text[at] === '3' ? '4' : '3') + text.slice(at + 1);
        expect(refused(changed), `byte ${at} changed`).toBe(true);
      }
    });
  }

  it('on the command line, the broken copy of the report (rotationDays 365 cut to 3) stops before any PIN, naming the plan and what to do', () => {
    const plan = join(dataDir, 'generate-cmk.yaml');
    writeFileSync(
      plan,
      readFileSync(join(folder, 'generate-cmk.yaml'), 'utf8').replace('rotationDays: 365', 'rotationDays: 3'),
    );
    const result = spawnSync(
      process.execPath,
      ['bin/keyward.mjs', 'ceremony', 'run', '--network-acknowledged', plan, '--out', dataDir],
      { env: { ...process.env, KEYWARD_DATA_DIR: dataDir }, encoding: 'utf8', input: '' },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `The plan file ${plan} was refused: it is not the plan its checksum line was made for`,
    );
    expect(result.stderr).not.toMatch(/PIN/);
  });
});
