/** The workstation as the shells, the CLI and the tests open it: with the ceremony types the registry declares. */
import { ceremonyRules } from './ceremonies/catalogue';
import { Workstation } from './workstation';

export const openWorkstation = (
  ...[dataDir, startProcess, override, hsmOptions]: [
    dataDir: string,
    startProcess: ConstructorParameters<typeof Workstation>[1],
    override?: ConstructorParameters<typeof Workstation>[3],
    hsmOptions?: ConstructorParameters<typeof Workstation>[4],
  ]
): Workstation => new Workstation(dataDir, startProcess, ceremonyRules, override, hsmOptions);
