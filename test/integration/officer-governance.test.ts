/**
 * The rule that keeps the officers able to unlock one another (src/shared/founding.ts) is checked again
 * when a removal or a policy change runs, not only when it is planned: another ceremony may have removed
 * an officer in between. A workstation that could not govern itself already may not be made worse.
 * Real SoftHSM token and SQLite file, the engine driven as the app drives it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planOfficerState } from '../../src/main/ceremonies/officer-steps';
import { planChangePolicy } from '../../src/main/ceremonies/types/change-policy';
import { requireStillSelfGoverning } from '../../src/main/officers/founding';
import { ceremonyBench, type CeremonyBench } from '../helpers/ceremony-engine';
import { rejection } from '../helpers/rejection';

let bench: CeremonyBench;

beforeAll(async () => {
  // Its founders: alice and dave security officers, bob key custodian, carol auditor. Two security
  // officers cannot unlock a third: the workstation is not self-governing to begin with.
  bench = await ceremonyBench('Governance');
}, 180_000);
afterAll(() => bench.close());

const active = () => bench.officers.list().filter((o) => o.state === 'active');

describe('what would leave the officers less able to unlock one another is refused', () => {
  it('when planned, even on a workstation that is not self-governing already', () => {
    expect(() =>
      requireStillSelfGoverning(active(), (type) => bench.policies.rule(type), { removing: 'dave' }),
    ).toThrow(/Removing dave would leave the workstation's officers unable to govern it/);
    // Removing the auditor takes nothing more away.
    expect(() =>
      requireStillSelfGoverning(active(), (type) => bench.policies.rule(type), { removing: 'carol' }),
    ).not.toThrow();
  });

  it('when it runs: a removal planned before another ceremony changed the policy is stale, and nothing is changed', async () => {
    const e = bench.engine();
    const removal = await bench.start(e, 'remove-officer', planOfficerState(bench.officers, 'carol', 'remove'), [
      'alice',
      'dave',
    ]);
    await bench.approve(e, removal, 0, ['alice', 'dave']);
    // Meanwhile enrolments come to count the auditor with the security officers: two of the three, so
    // all three are needed to enrol with one locked out, carol among them.
    await bench.runPlanned(
      bench.engine(),
      'change-policy',
      planChangePolicy('enrol-officer', bench.policies.get('enrol-officer'), {
        quorum: 2,
        roles: ['security-officer', 'auditor'],
      }),
      ['alice', 'dave'],
    );
    const refused = await rejection(bench.engine().runNext(removal));
    expect(refused.code).toBe('CEREMONY_STALE');
    expect(refused.message).toContain("Removing carol would now leave the workstation's officers unable to govern it");
    expect(bench.officers.get('carol').state).toBe('active');
  });
});
