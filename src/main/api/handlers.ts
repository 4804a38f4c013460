/** The contract's handlers, written once over the workstation services and bound by each shell. */
import type { AirGapStatus } from '../../shared/air-gap';
import type { Handlers } from '../../shared/contract';
import { recordBundleUpload } from '../bundles/record-upload';
import { ceremonyCatalogue } from '../ceremonies/catalogue';
import { CeremonyService } from '../ceremonies/service';
import { versionCustody } from '../ceremonies/version-custody';
import { AirGapGuard } from '../system/air-gap-guard';
import type { Workstation } from '../workstation';

/** `readAirGap` lets a test put the workstation on or off a network; the shells use the real check. */
export function createHandlers(workstation: Workstation, options: { readAirGap?: () => AirGapStatus } = {}): Handlers {
  const airGap = new AirGapGuard(
    { officers: () => workstation.officers(), log: () => workstation.audit() },
    options.readAirGap,
  );
  const ceremonies = new CeremonyService(workstation, airGap);
  return {
    getTokenStatus: () => workstation.tokenStatus(),
    getHsmSettings: () => Promise.resolve(workstation.settings()),
    listModuleTokens: (load) => workstation.listModuleTokens(load),
    // Never while a ceremony step uses the HSM process that switching closes.
    selectHsm: (settings) =>
      ceremonies.whileIdle('switching the HSM', async () => {
        const selected = await workstation.select(settings);
        ceremonies.reset();
        return selected;
      }),
    probeToken: () => workstation.probe(),
    getTokenSheet: () => workstation.hsm.tokenSheet(false),
    queryAudit: (query) => Promise.resolve(workstation.audit().query(query)),
    getStoreStatus: () => Promise.resolve(workstation.storeStatus()),
    getOfficers: () =>
      Promise.resolve({
        officers: workstation.officers().list(),
        policies: workstation
          .policies()
          .types()
          .map((ceremonyType) => ({ ceremonyType, ...workstation.policies().rule(ceremonyType) })),
      }),
    getCeremonyCatalogue: () => Promise.resolve(ceremonyCatalogue),
    getInventory: () =>
      Promise.resolve({
        keys: workstation.inventory().list(),
        rotationDue: workstation.inventory().rotationDue(),
        custody: versionCustody(workstation.ceremonies(), workstation.stores().bundles),
        wrappingKeys: workstation.wrappingKeys().list(),
      }),
    getAirGapStatus: () => Promise.resolve(airGap.status()),
    acknowledgeAirGap: ({ officer, passphrase, findings }) => airGap.acknowledge(officer, passphrase, findings),
    recordBundleUpload: (request) => recordBundleUpload(workstation, request),
    listDrives: () => ceremonies.drives(),
    listDriveFiles: ({ mountPoint }) => ceremonies.driveEntries(mountPoint),
    loginToken: async ({ pinParts }) => {
      const { warnings, recovered } = await ceremonies.login(pinParts);
      return { warnings, recovered };
    },
    logoutToken: async () => {
      await ceremonies.logout();
      return null;
    },
    initialiseWorkstation: (request) => ceremonies.initialise(request),
    getCeremonies: () => Promise.resolve(ceremonies.list()),
    planCeremony: (request) => ceremonies.plan(request),
    getCeremony: ({ id }) => Promise.resolve(ceremonies.view(id)),
    checkInOfficer: ({ id, officer, passphrase }) => ceremonies.checkIn(id, officer, passphrase),
    approveCeremonyStep: ({ id, step, officer, passphrase }) => ceremonies.approve(id, step, officer, passphrase),
    runCeremonyStep: ({ id, inputs }) => ceremonies.runNext(id, inputs),
    abortCeremony: ({ id, reason, officer, passphrase, inputs, finish }) =>
      ceremonies.abort(id, reason, officer, passphrase, inputs, finish ?? true),
    writeCeremonyTranscript: ({ id, folder }) => ceremonies.writeTranscript(id, folder),
    writeCeremonyScript: ({ id, folder }) => ceremonies.writeScript(id, folder),
    verifyBundleOnDrive: ({ folder }) => ceremonies.verifyBundle(folder),
    verifyAudit: () => ceremonies.verifyAudit(),
  };
}
