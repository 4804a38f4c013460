/**
 * Where each key version has gone besides the token: the backups made of it (completed backup steps) and
 * the bundles exported to providers. Shown before a destroy, and in the destroy plan the officers sign,
 * so nobody destroys the last copy of a key without being told so.
 */
import type { VersionCustody } from '../../shared/inventory';
import type { Bundles } from '../store/bundles';
import type { CeremonyStore } from '../store/ceremonies';

const key = (name: string, version: number): string => JSON.stringify([name, version]);

export function versionCustody(ceremonies: CeremonyStore, bundles: Bundles): VersionCustody[] {
  const found = new Map<string, VersionCustody>();
  const of = (keyName: string, version: number): VersionCustody => {
    const at = key(keyName, version);
    const known = found.get(at) ?? { keyName, version, backups: [], exports: [] };
    found.set(at, known);
    return known;
  };
  for (const step of ceremonies.doneSteps(['backup-versions'])) {
    const versions = Array.isArray(step.params.versions) ? step.params.versions : [];
    const backupId = typeof step.result.backupId === 'string' ? step.result.backupId : '';
    for (const ref of versions) {
      if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) continue;
      const { name, version } = ref as { name?: unknown; version?: unknown };
      if (typeof name === 'string' && typeof version === 'number')
        of(name, version).backups.push({ backupId, at: step.endedAt, ceremony: step.ceremonyId });
    }
  }
  const uploads = bundles.uploads();
  for (const bundle of [...bundles.list()].reverse())
    of(bundle.keyName, bundle.keyVersion).exports.push({
      provider: bundle.provider,
      at: bundle.writtenAt,
      bundleId: bundle.id,
      uploaded: uploads.get(bundle.id) ?? null,
    });
  return [...found.values()];
}
