/** The workstation's HSM choice as ceremony steps see it (the change-hsm ceremony reads, checks and saves it). */
import type { ModuleLoad } from '../../shared/module-load';
import type { HsmSettings } from '../../shared/settings';
import type { SavedSelection } from '../hsm/client/approved-selection';

/** What Keyward finds when it looks at a module and token before using them (no login: no PIN goes to the module). */
export interface HsmInspection {
  /** The module file's SHA-256, hex. */
  moduleSha256: string;
  tokenSerial: string;
  tokenLabel: string;
}

/** The workstation's HSM choice, as a step reads, checks and saves it. */
export interface HsmSelection {
  current(): HsmSettings;
  /**
   * The module SHA-256 named by the security officers' signed approval of the current selection (null: the
   * rehearsal token), or undefined when it carries no approval that verifies (saved before Keyward signed
   * approvals). The same module and token may be approved again when this is not their file's hash now.
   */
  approvedModuleSha256(): string | null | undefined;
  /** Loads the module in a throw-away HSM process, and checks that the token holds the workstation key. */
  inspect(load: ModuleLoad, tokenUri: string): Promise<HsmInspection>;
  /**
   * Keeps the approved selection aside while the step's completion is committed: it is in force only once
   * that commit has happened, so a commit that fails leaves the old selection in force and the step can run again.
   */
  save(selection: SavedSelection, ceremonyId: string): void;
}
