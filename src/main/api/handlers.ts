/** The contract's handlers, written once over the workstation services and bound by each shell. */
import { ceremonyTypes, dualControlCeremonies } from '../../shared/officers';
import type { Handlers } from '../../shared/contract';
import type { Workstation } from '../workstation';

export function createHandlers(workstation: Workstation): Handlers {
  return {
    getTokenStatus: () => workstation.tokenStatus(),
    getHsmSettings: () => Promise.resolve(workstation.settings()),
    listModuleTokens: ({ modulePath }) => workstation.listModuleTokens(modulePath),
    selectHsm: (settings) => workstation.select(settings),
    probeToken: () => workstation.probe(),
    queryAudit: (query) => Promise.resolve(workstation.audit().query(query)),
    getStoreStatus: () => Promise.resolve(workstation.storeStatus()),
    getOfficers: () =>
      Promise.resolve({
        officers: workstation.officers().list(),
        policies: ceremonyTypes.map((ceremonyType) => ({ ceremonyType, policy: workstation.policy(ceremonyType), dualControl: dualControlCeremonies.includes(ceremonyType) })),
      }),
    getInventory: () => Promise.resolve({ keys: workstation.inventory().list(), rotationDue: workstation.inventory().rotationDue() }),
    verifyAudit: () => Promise.resolve({ chain: workstation.audit().verify(), checkpoints: workstation.checkpoints().verify() }),
  };
}
