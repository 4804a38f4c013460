export interface BuilderConfig {
  appId?: string;
  productName?: string;
  directories?: { output?: string; buildResources?: string };
  files?: string[];
  asar?: boolean | { smartUnpack?: boolean };
  asarUnpack?: string[];
  npmRebuild?: boolean;
  nativeRebuilder?: string;
  buildDependenciesFromSource?: boolean;
  electronFuses?: Record<string, boolean>;
  linux?: { target?: string[]; executableName?: string; category?: string; maintainer?: string; synopsis?: string };
  deb?: { depends?: string[]; recommends?: string[]; packageCategory?: string; priority?: string };
  appImage?: { artifactName?: string; executableArgs?: string[] };
  publish?: unknown;
  [key: string]: unknown;
}

export interface AsarEntry {
  size: number;
  offset?: string;
  unpacked?: boolean;
  link?: string;
}
export interface Asar {
  file: string;
  dataOffset: number;
  entries: Map<string, AsarEntry>;
}

export interface Expectations {
  executableName: string;
  electronFuses: Record<string, boolean> | undefined;
  electronAbi: string;
}

export interface CycloneDx {
  metadata: {
    component: { 'bom-ref': string; name: string; version: string; type: string; [key: string]: unknown };
    [key: string]: unknown;
  };
  components: { 'bom-ref': string; name: string; version: string; [key: string]: unknown }[];
  dependencies: { ref: string; dependsOn?: string[] }[];
  [key: string]: unknown;
}

export const projectDir: string;
export const builderConfigFile: string;
export function loadBuilderConfig(file?: string): BuilderConfig;
export function readFuses(binary: string): Promise<{ version: string; states: Record<string, string> }>;
export function fuseProblems(binary: string, electronFuses: Record<string, boolean> | undefined): Promise<string[]>;
export function readAsar(file: string): Asar;
export function readAsarFile(asar: Asar, path: string): Buffer;
export function shippedPackages(asar: Asar): Set<string>;
export function addonAbi(binary: Buffer): { kind: 'napi' } | { kind: 'abi'; abi: string } | undefined;
export const requiredAddons: string[];
export const allowedTopLevel: string[];
export const requiredFiles: string[];
export function verifyUnpackedApp(
  appDir: string,
  expectations: Expectations,
): Promise<{ problems: string[]; packages: Set<string> }>;
export function expectationsOf(config: BuilderConfig, electronAbi: string): Expectations;
export function verifyArtifact(artifact: string, config: BuilderConfig, electronAbi: string): Promise<string[]>;
export function sbomOfShipped(
  fullSbom: CycloneDx,
  shipped: Set<string>,
  options: { name: string; version: string; electronVersion: string },
): { sbom: CycloneDx; missing: string[] };
export function sha256File(file: string): Promise<string>;
export function hexGroups(hex: string, group?: number): string;
export function pgpWordsOf(hex: string): string[];
export function sha256sums(digests: { name: string; sha256: string }[]): string;
