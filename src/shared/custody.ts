/**
 * What destroying a key version takes away, in the same words on screen and in the plan the officers
 * sign: its standing, its backups, and the providers it was exported to (src/main/ceremonies/version-custody.ts
 * gathers them).
 */
import type { KeyVersion, VersionCustody } from './inventory';
import { providerIds, providerNames } from './providers';

export function custodyOf(all: VersionCustody[], keyName: string, version: number): VersionCustody {
  return (
    all.find((c) => c.keyName === keyName && c.version === version) ?? { keyName, version, backups: [], exports: [] }
  );
}

/** No backup holds the version: destroying it on the token destroys the last copy Keyward could restore. */
export const isLastCopy = (custody: VersionCustody): boolean => custody.backups.length === 0;

const providerName = (id: string): string =>
  providerIds.find((p) => p === id) ? providerNames[id as keyof typeof providerNames] : id;
const day = (iso: string): string => iso.slice(0, 10);

/** What a destroy takes away, in plain words: the version's standing, its backups, and where it was exported. */
export function custodyWords(version: KeyVersion, custody: VersionCustody): string[] {
  return [
    version.state === 'active'
      ? 'It is the ACTIVE version: data is being encrypted under it now.'
      : `It is ${version.state} (since ${day(version.stateSince)}).`,
    custody.backups.length
      ? `Backed up ${custody.backups.length === 1 ? 'once' : `${custody.backups.length} times`}: ${custody.backups
          .map((b) => `backup ${b.backupId.slice(0, 8)} on ${day(b.at)}`)
          .join(', ')}; it can be restored from the custodians' shares.`
      : 'NO BACKUP holds it: this is the last copy Keyward could ever restore.',
    custody.exports.length
      ? `Exported to ${custody.exports.map((e) => `${providerName(e.provider)} on ${day(e.at)}`).join(', ')}: each provider keeps its copy until it is deleted there.`
      : 'It was never exported to a provider.',
  ];
}
