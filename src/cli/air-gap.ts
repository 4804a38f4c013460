/**
 * The air gap on the command line, as in the app: a ceremony on a workstation found on a network runs
 * only once a security officer has read the findings and acknowledges them with their passphrase
 * (--network-acknowledged; recorded in the audit log).
 */
import { AirGapGuard } from '../main/system/air-gap-guard';
import type { Workstation } from '../main/workstation';
import type { AirGapStatus } from '../shared/air-gap';
import { KeywardError } from '../shared/errors';

/** Prints the findings; refuses unless the officers said they acknowledge them. Returns whether an acknowledgement must be recorded. */
export function networkDecision(network: AirGapStatus, acknowledged: boolean, print: (text: string) => void): boolean {
  if (network.isolated) return false;
  print(`This workstation may not be air-gapped:\n${network.findings.map((f) => `  ${f}\n`).join('')}`);
  if (!acknowledged) {
    throw new KeywardError(
      'AIR_GAP_UNCONFIRMED',
      `This workstation may not be air-gapped: ${network.findings.join(' ')}`,
      'Disconnect the network; or, once a security officer has read these findings, run again with --network-acknowledged (they confirm with their passphrase).',
    );
  }
  return true;
}

/** The first security officer among those named, who acknowledges the findings; refused (before any PIN) when there is none. */
export function acknowledgerAmong(workstation: Workstation, officers: string[]): string {
  const officer = officers.find((id) => workstation.officers().get(id).role === 'security-officer');
  if (!officer)
    throw new KeywardError(
      'AIR_GAP_UNCONFIRMED',
      'Only a security officer acknowledges the air-gap findings, and none is among the officers present.',
      'A security officer joins the ceremony, or the network is disconnected.',
    );
  return officer;
}

/** Records the acknowledgement by the first security officer among those named, with their passphrase. */
export async function acknowledgeNetwork(
  workstation: Workstation,
  network: AirGapStatus,
  officers: string[],
  /** Gets the officer's passphrase and acts with it (at a terminal, a mistyped one is asked again). */
  withPassphrase: (officer: string, act: (passphrase: string) => Promise<void>) => Promise<void>,
  print: (text: string) => void,
): Promise<void> {
  const officer = acknowledgerAmong(workstation, officers);
  const guard = new AirGapGuard(
    { officers: () => workstation.officers(), log: () => workstation.audit() },
    () => network,
  );
  await withPassphrase(officer, async (passphrase) => {
    await guard.acknowledge(officer, passphrase, network.findings);
  });
  print(`${officer} acknowledged the air-gap findings.\n`);
}
