/** The key inventory as every side sees it. */
import type { CmkSpec } from './keys';

export const keyVersionStates = ['pending', 'active', 'decrypt-only', 'disabled', 'destroyed', 'restored'] as const;
export type KeyVersionState = (typeof keyVersionStates)[number];

export interface KeyVersion {
  version: number;
  tokenSerial: string;
  tokenObjectId: string;
  tokenLabel: string;
  kcv: string;
  state: KeyVersionState;
  stateSince: string;
  stateCeremony: string | null;
}

export interface InventoryKey {
  id: string;
  name: string;
  purpose: string;
  provider: string | null;
  spec: CmkSpec;
  rotationDays: number;
  nextRotationDue: string;
  createdAt: string;
  versions: KeyVersion[];
}

export interface RotationDue {
  key: string;
  due: string;
  /** Negative when overdue. */
  daysLeft: number;
  status: 'overdue' | 'due-soon' | 'scheduled';
}
