/**
 * A plan is never accepted that its quorum cannot meet with the officers who exist. With two of its three
 * security officers suspended, a workstation can still make keys (two officers among security officers and
 * key custodians: alice and bob), but cannot enrol an officer (two security officers): that plan is refused
 * when planned, saying why and what can be done, instead of being accepted and then blocked forever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appBench, type AppBench } from '../helpers/app-bench';

let bench: AppBench;
beforeAll(async () => {
  bench = await appBench();
  // As two suspension ceremonies would leave them (the store's own record, with its audit entries).
  for (const id of ['dave', 'grace'])
    bench.workstation.officers().setState(id, 'suspended', { actors: ['alice', 'dave'], ceremony: null });
}, 120_000);
afterAll(() => bench.close());

describe('a plan its quorum could never meet', () => {
  it('is refused when planned, naming who could approve and what to do', async () => {
    const before = (await bench.call('getCeremonies', {})).unfinished.length;
    const refused = await bench.refusal('planCeremony', {
      plan: {
        ceremony: 'enrol-officer',
        officers: ['alice', 'bob'],
        officer: { id: 'erin', name: 'Erin Park', role: 'security-officer' },
      },
    });
    expect(refused.code).toBe('QUORUM_NOT_MET');
    expect(refused.message).toMatch(
      /needs the approvals of 2 officers among the security officer, and only alice is active in those roles, so it could never be carried out\. Nothing was planned\./i,
    );
    expect(refused.nextStep).toMatch(/cannot change: initialise a new workstation with at least two security officers/);
    expect((await bench.call('getCeremonies', {})).unfinished.length).toBe(before);
  });

  it('is planned when the officers who exist can meet it', async () => {
    const view = await bench.call('planCeremony', {
      plan: {
        ceremony: 'generate-cmk',
        officers: ['alice', 'bob'],
        key: { name: 'Tenant CMK', purpose: 'Tenant data', provider: null, spec: 'AES_256', rotationDays: 365 },
      },
    });
    expect(view.status.state).toBe('planned');
  });
});
