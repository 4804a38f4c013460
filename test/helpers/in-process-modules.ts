/** SoftHSM and NSS's softoken loaded in the test process itself (as the HSM process loads them), each with a fresh token. */
import { Pkcs11Module } from '../../src/main/hsm/host/module';
import { makeNssDatabase, nssModule, nssTokenLabel } from './nss';
import { initToken, makeSoftHsmDir, softhsmModule } from './softhsm';

export interface InProcessModules {
  softhsm: Pkcs11Module;
  softhsmUri: string;
  nss: Pkcs11Module;
  nssUri: string;
  /** The C_Initialize arguments that open the NSS database, for a workstation that selects it. */
  nssModuleArgs: string;
  close(): void;
}

export function openInProcessModules(softhsmLabel: string): InProcessModules {
  const tokens = makeSoftHsmDir();
  initToken(tokens, softhsmLabel, '4321', 'so-4321');
  // The in-process module reads its configuration when it is initialised.
  const savedConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = tokens.conf;
  const softhsm = Pkcs11Module.open(softhsmModule);
  const database = makeNssDatabase();
  const nss = Pkcs11Module.open(nssModule, database.moduleArgs);
  return {
    softhsm,
    softhsmUri: `pkcs11:token=${encodeURIComponent(softhsmLabel)}`,
    nss,
    nssUri: `pkcs11:token=${encodeURIComponent(nssTokenLabel)}`,
    nssModuleArgs: database.moduleArgs,
    close: () => {
      softhsm.close();
      nss.close();
      if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = savedConf;
      tokens.cleanup();
      database.cleanup();
    },
  };
}
