/**
 * A backup recorded before each share named its custodian (params with `shareFolders` only) still reads,
 * so an abort's check of what was handed out and its transcript work; it never runs, and says why.
 */
import { expect, it } from 'vitest';
import { ceremonyExecutors } from '../../src/main/ceremonies/registry';
import type { PlanningContext } from '../../src/main/ceremonies/steps';

const legacy = {
  kekLabelId: '0b7e1f0e-1111-4222-8333-444455556666',
  versions: [{ name: 'Tenant CMK', version: 1 }],
  threshold: 2,
  packageFolder: '/media/a',
  shareFolders: ['/media/b', '/media/c'],
};
const backup = ceremonyExecutors['backup-versions'];

it('reads a backup recorded before custodians were named: its params, what it handed out, where it wrote', () => {
  expect(backup?.paramsProblem?.(legacy)).toBeNull();
  expect(backup?.handsOut?.(legacy)).toEqual([{ name: 'Tenant CMK', version: 1 }]);
  expect(backup?.writes?.(legacy)).toEqual(['/media/a', '/media/b', '/media/c']);
});

it('never runs one: it is stale, to be aborted and planned again', () => {
  expect(() => backup?.stillHolds?.({} as PlanningContext, legacy)).toThrow(
    /planned before each share named its custodian; abort it and plan the backup again/,
  );
});

it('checks each custodian again before it runs: one suspended since the plan takes no share', () => {
  const { shareFolders: _legacyFolders, ...planned } = legacy;
  const params = {
    ...planned,
    shares: [
      { custodian: 'alice', name: 'Alice Martin', folder: '/media/b' },
      { custodian: 'bob', name: 'Bob Chen', folder: '/media/c' },
    ],
  };
  const context = (bob: { state: string; role: string }) =>
    ({
      inventory: { list: () => [{ name: 'Tenant CMK', versions: [{ version: 1, state: 'active' }] }] },
      officers: {
        list: () => [
          { id: 'alice', state: 'active', role: 'security-officer' },
          { id: 'bob', ...bob },
        ],
      },
    }) as unknown as PlanningContext;
  expect(() => backup?.stillHolds?.(context({ state: 'active', role: 'key-custodian' }), params)).not.toThrow();
  expect(() => backup?.stillHolds?.(context({ state: 'suspended', role: 'key-custodian' }), params)).toThrow(
    /the custodian Bob Chen \(bob\) is suspended, and may not take a share/,
  );
  expect(() => backup?.stillHolds?.(context({ state: 'active', role: 'auditor' }), params)).toThrow(
    /is now an auditor/,
  );
});
