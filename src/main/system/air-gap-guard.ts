/**
 * A ceremony is planned only on an isolated workstation, or once a security officer, with their
 * passphrase, has acknowledged exactly what the air-gap check found (audited). A new finding (another
 * interface up) needs a new acknowledgement; it lasts while Keyward runs.
 */
import type { AirGapStatus, AirGapView } from '../../shared/air-gap';
import { KeywardError } from '../../shared/errors';
import { roleNames } from '../../shared/officers';
import { approveStep } from '../officers/enrolment';
import { statementDigest } from '../officers/statement-digest';
import type { AuditLog } from '../store/audit-log';
import type { Officers } from '../store/officers';
import { airGapStatus } from './air-gap';

/** What an acknowledging officer's passphrase signs: the findings, domain-separated from approvals. */
const findingsDigest = (findings: string[]): string => statementDigest('keyward-air-gap', findings);

export class AirGapGuard {
  private acknowledgement: { digest: string; officer: string; at: string } | undefined;

  constructor(
    private readonly stores: { officers: () => Officers; log: () => AuditLog },
    private readonly read: () => AirGapStatus = () => airGapStatus(),
  ) {}

  status(): AirGapView {
    const status = this.read();
    const current = this.acknowledgement?.digest === findingsDigest(status.findings) ? this.acknowledgement : undefined;
    return {
      ...status,
      acknowledged: current && !status.isolated ? { officer: current.officer, at: current.at } : null,
    };
  }

  /** A security officer acknowledges the findings they were shown, with their passphrase; refused if the network has changed since. */
  async acknowledge(officer: string, passphrase: string, shown: string[]): Promise<AirGapView> {
    const status = this.requireShown(shown);
    const log = this.stores.log();
    const record = this.stores.officers().get(officer);
    if (record.role !== 'security-officer') {
      log.append({
        actors: [officer],
        action: 'air-gap.acknowledge',
        subject: 'workstation',
        outcome: 'refused',
        details: { role: record.role },
      });
      throw new KeywardError(
        'QUORUM_NOT_MET',
        `${officer} is in the role ${roleNames[record.role]}; only a security officer acknowledges the air-gap findings.`,
        'A security officer reads the findings and acknowledges them.',
      );
    }
    const digest = findingsDigest(status.findings);
    await approveStep(this.stores.officers(), officer, passphrase, digest);
    const at = new Date().toISOString();
    log.append({
      actors: [officer],
      action: 'air-gap.acknowledge',
      subject: 'workstation',
      outcome: 'success',
      details: { findings: status.findings.join(' ') || 'none' },
    });
    this.acknowledgement = { digest, officer, at };
    return this.status();
  }

  /** The network as it is now, provided it is isolated or exactly what the officers were shown. */
  requireShown(shown: string[]): AirGapStatus {
    const status = this.read();
    if (status.isolated || findingsDigest(shown) === findingsDigest(status.findings)) return status;
    throw new KeywardError(
      'AIR_GAP_UNCONFIRMED',
      `The network has changed since the findings were shown: now ${status.findings.join(' ')}`,
      'Disconnect the network; or check it again, read the findings as they are now, and acknowledge them.',
    );
  }

  /** Refuses a ceremony while a finding stands unacknowledged. */
  require(): void {
    const status = this.status();
    if (status.isolated || status.acknowledged) return;
    throw new KeywardError(
      'AIR_GAP_UNCONFIRMED',
      `This workstation may not be air-gapped: ${status.findings.join(' ')}`,
      'A security officer disconnects the network (then checks again on the Home screen), or reads the findings and acknowledges them there with their passphrase.',
    );
  }
}
