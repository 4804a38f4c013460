/** The key inventory as every side sees it. */
import type { CmkSpec, SigningKeySpec } from './keys';

export const keyVersionStates = ['pending', 'active', 'decrypt-only', 'disabled', 'destroyed', 'restored'] as const;
export type KeyVersionState = (typeof keyVersionStates)[number];

export interface KeyVersion {
  version: number;
  tokenSerial: string;
  tokenObjectId: string;
  tokenLabel: string;
  kcv: string;
  /** A key pair's fingerprint (SHA-256 of its public key, hex), what officers compare for RSA and EC keys; null for a secret key. */
  publicKeySha256: string | null;
  state: KeyVersionState;
  stateSince: string;
  stateCeremony: string | null;
}

/** Where a key version has gone besides the token: the backups made of it, and the bundles exported to providers. */
export interface VersionCustody {
  keyName: string;
  version: number;
  backups: { backupId: string; at: string; ceremony: string }[];
  exports: { provider: string; at: string; bundleId: string; uploaded: BundleUpload | null }[];
}

/** An officer's signed record that a bundle was uploaded to its provider (on the connected side). */
export interface BundleUpload {
  officer: string;
  at: string;
  /** What the officer saw that shows the upload took (the provider's key id, the console's state). */
  note: string;
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

/** The workstation's signing key in the HSM and its certificate: it signs bundles, checkpoints and transcripts. */
export interface WorkstationIdentity {
  tokenSerial: string;
  /** CKA_ID of the key pair, hex. */
  tokenObjectId: string;
  spec: SigningKeySpec;
  certificateDer: Uint8Array;
  /** SHA-256 of the public key (DER SubjectPublicKeyInfo), hex: what verifiers pin. */
  publicKeyFingerprint: string;
  createdAt: string;
}

export const wrappingKeyStates = ['active', 'retired', 'destroyed'] as const;
export type WrappingKeyState = (typeof wrappingKeyStates)[number];

/** A provider's wrapping public key imported onto the token. */
export interface WrappingKeyRecord {
  id: string;
  provider: string;
  label: string;
  tokenSerial: string;
  tokenObjectId: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex. */
  fingerprint: string;
  modulusBits: number;
  /** SHA-256 of the file the key was read from, hex. */
  sourceFileSha256: string;
  /** When the provider stops accepting material wrapped under this key (import window), if it says. */
  providerDeadline: string | null;
  importedAt: string;
  importedCeremony: string | null;
  state: WrappingKeyState;
  stateSince: string;
}

/** An upload bundle written to media. */
export interface BundleRecord {
  id: string;
  keyName: string;
  keyVersion: number;
  provider: string;
  wrappingKeyId: string;
  manifestSha256: string;
  drive: string;
  path: string;
  writtenAt: string;
  ceremony: string | null;
}
