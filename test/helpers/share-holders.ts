import type { ShareHolder } from '../../src/main/ceremonies/backup-steps';

/** Officers every test bench enrols who may hold a share (security officers and a key custodian). */
const custodians = ['alice', 'bob', 'dave', 'grace'];

/**
 * A custodian per share folder, for tests that plan a backup directly: the benches' own officers, since
 * the step checks each custodian again before it runs.
 */
export const heldBy = (folders: string[]): ShareHolder[] =>
  folders.map((folder, i) => {
    const custodian = custodians[i];
    if (!custodian) throw new Error(`heldBy names at most ${custodians.length} custodians`);
    return { custodian, name: `${custodian[0]?.toUpperCase() ?? ''}${custodian.slice(1)}`, folder };
  });
