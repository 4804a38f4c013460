/** What the workstation's network looks like: an air-gapped workstation has no link up but loopback, no radio, no route out. */
export interface NetworkInterfaceState {
  name: string;
  /** The kernel's operstate: up, down, dormant, unknown… */
  state: string;
  /** Administratively up (IFF_UP), whatever the link state. */
  up: boolean;
  wireless: boolean;
}

export interface AirGapStatus {
  /** Nothing found that could reach another machine. */
  isolated: boolean;
  /** Each finding in an officer's words, worst first; empty when isolated. */
  findings: string[];
  interfaces: NetworkInterfaceState[];
  defaultRoutes: string[];
}

/** The air gap as the app shows it: what was found, and the security officer who acknowledged exactly that, if one has. */
export interface AirGapView extends AirGapStatus {
  acknowledged: { officer: string; at: string } | null;
}
