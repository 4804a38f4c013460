/** An enrolment step through the ceremony engine: a failed run enrols nobody, and the step runs again. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planEnrolOfficer } from '../../src/main/ceremonies/types/enrol-officer';
import { ceremonyBench, passphrases, type CeremonyBench } from '../helpers/ceremony-engine';

let bench: CeremonyBench;

beforeAll(async () => {
  bench = await ceremonyBench('Enrolment runs');
}, 180_000);
afterAll(() => bench.close());

const enrolled = (id: string) => bench.officers.list().some((o) => o.id === id);

describe('an enrolment step', () => {
  it('an enrolment step that fails (the passphrase breaks the rules) enrols nobody, and the step can run again', async () => {
    const e = bench.engine();
    const id = await bench.start(e, 'enrol-officer', planEnrolOfficer(bench.officers, 'frank', 'Frank', 'auditor'), [
      'alice',
      'dave',
    ]);
    await bench.approve(e, id, 0, ['alice', 'dave']);
    passphrases.frank = 'short';
    await expect(e.runNext(id)).rejects.toThrow(/passphrase/);
    expect(enrolled('frank')).toBe(false);
    passphrases.frank = 'he chooses a long one now';
    await e.runNext(id);
    expect(enrolled('frank')).toBe(true);
  });
});
