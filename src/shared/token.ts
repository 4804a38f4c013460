/** What Keyward reports about a PKCS#11 token: read live from the token, never cached. */

export interface Version {
  major: number;
  minor: number;
}

/** PIN state flags from CK_TOKEN_INFO, named for people. */
export interface PinFlags {
  userPinInitialized: boolean;
  userPinCountLow: boolean;
  userPinFinalTry: boolean;
  userPinLocked: boolean;
  userPinToBeChanged: boolean;
  soPinCountLow: boolean;
  soPinFinalTry: boolean;
  soPinLocked: boolean;
  soPinToBeChanged: boolean;
}

export interface ObjectCounts {
  secretKeys: number;
  privateKeys: number;
  publicKeys: number;
  certificates: number;
  dataObjects: number;
  other: number;
  /** Private objects are invisible until a user logs in, so counts made without login are of public objects only. */
  scope: 'public-only' | 'all';
}

export type LoginState = 'not-logged-in' | 'user' | 'security-officer';

/** How a login state is said to officers, on screen and in the CLI. */
export const loginStateLabels: Record<LoginState, string> = {
  'not-logged-in': 'Not logged in',
  user: 'Logged in as user',
  'security-officer': 'Logged in as security officer',
};

export interface TokenSummary {
  /** RFC 7512 URI that names this token by manufacturer, model, serial and label (never by slot number). */
  uri: string;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  initialized: boolean;
}

export interface TokenDetails extends TokenSummary {
  firmware: Version;
  hardware: Version;
  slotDescription: string;
  removableDevice: boolean;
  hardwareSlot: boolean;
  loginRequired: boolean;
  loginState: LoginState;
  pin: PinFlags;
  pinLength: { min: number; max: number };
  objects: ObjectCounts;
  sessions: { open: number; max: number | null };
  clock: string | null;
}

export interface ModuleInfo {
  path: string;
  cryptokiVersion: Version;
  manufacturer: string;
  description: string;
  libraryVersion: Version;
}
