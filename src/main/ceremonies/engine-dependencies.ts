/**
 * The ceremony engine's dependencies, assembled in one place from the stores and a logged-in token: the
 * app, the command line and the tests all build their engines here, so a step sees the same context
 * whichever way it runs.
 */
import type { LoginRole } from '../../shared/keys';
import type { RehearsalMark } from '../../shared/rehearsal';
import type { AuditAnchor } from '../audit/anchor';
import type { HsmClient } from '../hsm/client/client';
import type { Stores } from '../store/stores';
import type { Signer } from '../x509/signer';
import type { EngineDependencies } from './engine';
import type { HsmSelection } from './hsm-selection';
import { ceremonyExecutors } from './registry';

export interface EngineParts {
  stores: Stores;
  /** The token the steps work on, logged in as the user. */
  client: HsmClient;
  uri: string;
  tokenSerial: string;
  /** Set when the token protects nothing real: what marks every output (see StepContext). */
  rehearsal: RehearsalMark | undefined;
  /** The workstation key's certificate and CKA_ID (never destroyed by a rollback), and its signer. */
  identity: { certificateDer: Uint8Array; tokenObjectId: string };
  signer: Signer;
  /** Where the audit log's anchor is kept (hsm-connection.ts: auditAnchor). */
  anchor: AuditAnchor;
  /** Names the software in bundles: "Keyward <version>". */
  generator: string;
  hsm: HsmSelection;
  /** Logs in to the token as this role, the officers typing the PIN parts (the security officer's steps). */
  login: (role: LoginRole) => Promise<void>;
  newPassphrase: (officerId: string) => Promise<string>;
  backupShares: (backupId: string, threshold: number) => Promise<Uint8Array[]>;
}

/** `extra` is the engine's clock and, in fault-injection tests only, its crash points. */
export function engineDependencies(
  parts: EngineParts,
  extra: Pick<EngineDependencies, 'crash' | 'now'> = {},
): EngineDependencies {
  const { stores } = parts;
  return {
    ...extra,
    db: stores.db,
    store: stores.ceremonies,
    log: stores.log,
    officers: stores.officers,
    policies: stores.policies,
    executors: ceremonyExecutors,
    workstationCertificate: parts.identity.certificateDer,
    workstationKeyId: parts.identity.tokenObjectId,
    stepContext: {
      client: parts.client,
      uri: parts.uri,
      tokenSerial: parts.tokenSerial,
      rehearsal: parts.rehearsal,
      inventory: stores.inventory,
      wrappingKeys: stores.wrappingKeys,
      bundles: stores.bundles,
      checkpoints: stores.checkpoints,
      anchor: parts.anchor,
      log: stores.log,
      signer: parts.signer,
      certificateDer: parts.identity.certificateDer,
      generator: parts.generator,
      officers: stores.officers,
      policies: stores.policies,
      hsm: parts.hsm,
      newPassphrase: parts.newPassphrase,
      backupShares: parts.backupShares,
      login: parts.login,
    },
  };
}
