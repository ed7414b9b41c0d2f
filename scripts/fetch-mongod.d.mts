/** Types of scripts/fetch-mongod.mjs, for its unit tests (test/unit/fetch-mongod.test.ts). */
export interface MongodTarget {
  /** Directory under resources/mongod/: electron-builder's `${os}-${arch}`. */
  resourceDir: string;
  url: string;
  /** Pinned by the release engineer; null until then (the script refuses). */
  sha256: string | null;
}

export interface MongodManifest {
  version: string;
  checksums?: string;
  targets: Record<string, MongodTarget>;
}

export interface Provenance {
  version: string;
  target: string;
  url: string;
  archiveSha256: string;
  binarySha256: string;
  size: number;
}

export class FetchMongodError extends Error {}
export const MANIFEST_FILE: string;
export function loadManifest(file?: string): MongodManifest;
export function hostTarget(platform?: string, arch?: string, linuxDistro?: string): string;
export function pinnedChecksum(name: string, entry: MongodTarget | undefined): string;
export function sha256File(file: string): Promise<string>;
export function verifyArchive(file: string, expected: string, name?: string): Promise<void>;
export function httpsDownload(url: string, file: string): Promise<void>;
export function extractMongod(archive: string, destDir: string): Promise<string>;
export function fetchMongod(options: {
  name: string;
  manifest?: MongodManifest;
  cacheDir?: string;
  resourcesDir?: string;
  download?: (url: string, file: string) => Promise<void>;
  log?: (line: string) => void;
}): Promise<{ binary: string; provenance: Provenance }>;
