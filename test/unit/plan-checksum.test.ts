import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlanChecksum, planChecksumLine } from '../../src/main/ceremonies/plan-checksum';
import { readPlanFile } from '../../src/main/ceremonies/plan-file';
import { thrown } from '../helpers/rejection';

const plan =
  'ceremony: generate-cmk\nofficers: [alice, bob]\nkey: { name: Tenant CMK, purpose: Tenant data, provider: aws-kms, spec: AES_256, rotationDays: 365 }\n';
const sealed = `${planChecksumLine(plan)}\n${plan}`;

describe('a plan file may carry a checksum line, verified when present', () => {
  it('a plan with a matching first line is read; one without the line is read as before', () => {
    expect(checkPlanChecksum('p.yaml', sealed)).toMatchObject({ state: 'verified' });
    expect(readPlanFile('p.yaml', sealed)).toMatchObject({
      type: 'generate-cmk',
      plan: { key: { rotationDays: 365 } },
    });
    expect(checkPlanChecksum('p.yaml', plan)).toEqual({ state: 'absent' });
  });

  it('a value cut short in a copy (rotationDays 365 to 3) is refused before anything is read from the plan', () => {
    const damaged = sealed.replace('rotationDays: 365', 'rotationDays: 3');
    const refusal = thrown(() => readPlanFile('p.yaml', damaged));
    expect(refusal.message).toContain(
      'The plan file p.yaml was refused: it is not the plan its checksum line was made for',
    );
    expect(refusal.nextStep).toContain('keyward plan checksum p.yaml');
  });

  it('a file cut short, its last lines lost, is refused: the line is first, so it cannot be lost with them', () => {
    expect(() => readPlanFile('p.yaml', sealed.slice(0, sealed.length - 20))).toThrow(
      /not the plan its checksum line was made for/,
    );
  });

  it('a checksum line that is not the first line, or names no SHA-256, is refused', () => {
    expect(() => readPlanFile('p.yaml', `${plan}${planChecksumLine(plan)}\n`)).toThrow(
      /is on line 4, but it must be the first line/,
    );
    expect(() => readPlanFile('p.yaml', `# keyward-plan-sha256: 1234\n${plan}`)).toThrow(
      /first line mentions the checksum but is not/,
    );
  });

  it('a sealed plan whose line was shifted (a byte-order mark, an indent) is still checked, never read as unsealed', () => {
    const damaged = sealed.replace('rotationDays: 365', 'rotationDays: 3');
    expect(() => readPlanFile('p.yaml', `\uFEFF${damaged}`)).toThrow(/not the plan its checksum line was made for/);
    expect(checkPlanChecksum('p.yaml', `\uFEFF${sealed}`)).toMatchObject({ state: 'verified' });
    expect(() => readPlanFile('p.yaml', ` ${damaged}`)).toThrow(/first line mentions the checksum but is not/);
    expect(() => readPlanFile('p.yaml', `${plan}  ${planChecksumLine(plan)}\n`)).toThrow(/must be the first line/);
  });

  it('making the line again over a sealed plan gives the same line (the old line is left out)', () => {
    expect(planChecksumLine(sealed)).toBe(planChecksumLine(plan));
  });

  it('every example plan in docs/ceremonies carries a checksum line that verifies', () => {
    const folder = 'docs/ceremonies';
    const plans = readdirSync(folder).filter((f) => f.endsWith('.yaml') && f !== 'rehearsal-answers.yaml');
    expect(plans.length).toBeGreaterThan(10);
    for (const file of plans)
      expect(checkPlanChecksum(file, readFileSync(join(folder, file), 'utf8')), file).toMatchObject({
        state: 'verified',
      });
  });
});
