import type { ShareHolder } from '../../src/main/ceremonies/backup-steps';

/** A custodian per share folder, for tests that plan a backup directly (the app checks custodians against the officers). */
export const heldBy = (folders: string[]): ShareHolder[] =>
  folders.map((folder, i) => ({ custodian: `custodian${i + 1}`, name: `Custodian ${i + 1}`, folder }));
