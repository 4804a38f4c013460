/** An officer's approval of a step digest, signed in software with a test officer's key (for exporter and verifier tests). */
import { sign, type KeyObject } from 'node:crypto';
import { approvalMessage, type Approval, type OfficerRole } from '../../src/shared/officers';

export interface TestOfficer {
  name: string;
  role: OfficerRole;
  privateKey: KeyObject;
  certificate: Buffer;
}

export function approve(officer: TestOfficer, stepDigest: string, at = new Date()): Approval {
  const signedAt = at.toISOString();
  return {
    officer: officer.name,
    role: officer.role,
    certificate: officer.certificate.toString('base64'),
    signature: sign('sha256', Buffer.from(approvalMessage(stepDigest, signedAt)), {
      key: officer.privateKey,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64'),
    scheme: 'ecdsa-p1363',
    hash: 'sha256',
    signedAt,
  };
}
