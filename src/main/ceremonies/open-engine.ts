/**
 * The ceremony engine on the workstation's selected token (the user logged in): its dependencies built by
 * engineDependencies, and any interrupted step rolled back before it is handed out.
 */
import type { LoginRole } from '../../shared/keys';
import { identitySigner } from '../identity/workstation-identity';
import { generator } from '../paths';
import type { Workstation } from '../workstation';
import { CeremonyEngine, type EngineDependencies } from './engine';
import { engineDependencies } from './engine-dependencies';

export interface EnginePrompts {
  /** Asks the officers for a role's PIN parts when a step needs another login. */
  pinParts: (role: LoginRole) => Promise<string[]>;
  newPassphrase: (officerId: string) => Promise<string>;
  backupShares: (backupId: string, threshold: number) => Promise<Uint8Array[]>;
}

/** `faults` is for fault-injection tests only (a crash at a chosen point); never given in production. */
export async function openCeremonyEngine(
  workstation: Workstation,
  prompts: EnginePrompts,
  faults: Pick<EngineDependencies, 'crash'> = {},
): Promise<CeremonyEngine> {
  // Never roll back the step of a ceremony another Keyward is running.
  workstation.holdInstanceLock();
  const identity = workstation.identities().require();
  const { client, tokenUri } = await workstation.token();
  const signer = await identitySigner(client, tokenUri, identity);
  const token = await client.request('describeToken', { uri: tokenUri });
  const log = workstation.audit();
  const engine = new CeremonyEngine(
    engineDependencies(
      {
        stores: workstation.stores(),
        client,
        uri: tokenUri,
        tokenSerial: token.serial,
        rehearsal: await workstation.hsm.rehearsalMark(),
        anchor: await workstation.hsm.auditAnchor(),
        identity,
        signer,
        generator,
        hsm: workstation.hsmSelection(),
        newPassphrase: prompts.newPassphrase,
        backupShares: prompts.backupShares,
        login: async (role) => {
          const result = await client.request('login', { uri: tokenUri, role, pinParts: await prompts.pinParts(role) });
          for (const warning of result.warnings)
            log.append({
              actors: ['workstation'],
              action: 'hsm.pin-warning',
              subject: tokenUri,
              outcome: 'success',
              details: { role, warning },
            });
        },
      },
      faults,
    ),
  );
  await engine.recover();
  return engine;
}
