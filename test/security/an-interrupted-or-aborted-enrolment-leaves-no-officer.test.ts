/**
 * Security review, "also": an aborted enrolment left the officer enrolled. The enrolment step wrote the
 * officer while it ran, so a crash (or failure) after that point, then an abort, left an active officer,
 * with a passphrase, whom no completed step had enrolled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planEnrolOfficer } from '../../src/main/ceremonies/types/enrol-officer';
import { ceremonyBench, passphrases, SimulatedCrash, type CeremonyBench } from '../helpers/ceremony-engine';

let bench: CeremonyBench;

beforeAll(async () => {
  bench = await ceremonyBench('Enrolment');
}, 180_000);
afterAll(() => bench.close());

const enrolled = (id: string) => bench.officers.list().some((o) => o.id === id && o.state !== 'removed');

describe('an enrolment that does not complete enrols nobody', () => {
  it('a crash after the enrolment step did its work, then the rollback, leaves no officer; the ceremony then aborts cleanly', async () => {
    passphrases.erin = 'erin has a long passphrase'.replace('erin', 'she');
    const e = bench.engine({ crash: { point: 'after-run', step: 0 } });
    const id = await bench.start(e, 'enrol-officer', planEnrolOfficer(bench.officers, 'erin', 'Erin', 'auditor'), [
      'alice',
      'dave',
    ]);
    await bench.approve(e, id, 0, ['alice', 'dave']);
    await expect(e.runNext(id)).rejects.toBeInstanceOf(SimulatedCrash);
    await bench.engine().recover();
    expect(enrolled('erin')).toBe(false);
    const fresh = bench.engine();
    const abort = await fresh.approveAbort(id, 'alice', passphrases.alice ?? '', 'Erin could not come');
    await fresh.abort(id, 'Erin could not come', [abort]);
    expect(enrolled('erin')).toBe(false);
    expect(bench.store.status(id).state).toBe('aborted');
  });

  it("one officer's abort after the enrolment step ran (its closing checkpoint not yet) removes the officer: an enrolment takes effect only when its ceremony completes", async () => {
    passphrases.frank = 'a long passphrase chosen with care';
    const e = bench.engine();
    const id = await bench.start(
      e,
      'enrol-officer',
      planEnrolOfficer(bench.officers, 'frank', 'Frank', 'security-officer'),
      ['alice', 'dave'],
    );
    await bench.approve(e, id, 0, ['alice', 'dave']);
    await e.runNext(id);
    expect(bench.store.status(id).steps[0]?.state).toBe('done');
    expect(bench.store.status(id).state).not.toBe('completed');
    const abort = await e.approveAbort(id, 'dave', passphrases.dave ?? '', 'Frank was enrolled by mistake');
    const outcome = await e.abort(id, 'Frank was enrolled by mistake', [abort]);
    expect(outcome.undone).toEqual([0]);
    expect(enrolled('frank')).toBe(false);
    expect(bench.officers.get('frank').state).toBe('removed');
  });
});
