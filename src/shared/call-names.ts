/**
 * The names of every call the renderer may make. Kept apart from the validators so that the sandboxed
 * preload can expose them without bundling zod; contract.ts must define exactly these (the compiler checks).
 */
export const callNames = [
  'getTokenStatus',
  'getHsmSettings',
  'listModuleTokens',
  'selectHsm',
  'probeToken',
  'getTokenSheet',
  'queryAudit',
  'verifyAudit',
  'getStoreStatus',
  'getInventory',
  'getOfficers',
  'getCeremonyCatalogue',
  'getAirGapStatus',
  'acknowledgeAirGap',
  'recordBundleUpload',
  'listDrives',
  'listDriveFiles',
  'loginToken',
  'logoutToken',
  'initialiseWorkstation',
  'getCeremonies',
  'planCeremony',
  'getCeremony',
  'checkInOfficer',
  'approveCeremonyStep',
  'runCeremonyStep',
  'abortCeremony',
  'writeCeremonyTranscript',
  'writeCeremonyScript',
  'verifyBundleOnDrive',
] as const;
export type CallName = (typeof callNames)[number];

/** The IPC channel for a call. One channel per call: the preload never offers a generic channel. */
export const channelOf = (name: CallName): string => `keyward:${name}`;
