export function findElectronRuntime(): { present: true; path: string } | { present: false; reason: string };
export function electronPackageInfo(
  arch?: string,
): { version: string; abi: string; zipName: string; zipSha256: string | undefined } | undefined;
export function findElectronForPackaging(
  zipPath: string | undefined,
):
  | { present: true; electronDist: string; source: string; version: string; abi: string }
  | { present: false; reason: string; version: string | undefined; zipName: string | undefined };
