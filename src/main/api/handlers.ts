/** The contract's handlers, written once over the workstation services and bound by each shell. */
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
    getInventory: () => Promise.resolve({ keys: workstation.inventory().list(), rotationDue: workstation.inventory().rotationDue() }),
    verifyAudit: () => Promise.resolve({ chain: workstation.audit().verify(), checkpoints: workstation.checkpoints().verify() }),
  };
}
