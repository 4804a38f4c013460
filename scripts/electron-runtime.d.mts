export function findElectronRuntime(): { present: true; path: string } | { present: false; reason: string };
