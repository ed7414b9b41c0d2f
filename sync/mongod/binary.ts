import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, OutpostError } from '../errors.js';

export interface BinaryLookup {
  /** 1. The `local.mongodPath` setting. */
  explicitPath?: string | undefined;
  /** 2. The packaged app's resources directory (holding `mongod/mongod[.exe]`). */
  resourcesDir?: string | undefined;
  /** 3. The PATH to search for `mongod`. */
  searchPath?: string | undefined;
  /** 4. The test harness's binary (a native mongod or the Wine wrapper). */
  harnessPath?: string | undefined;
  platform?: NodeJS.Platform;
}

export type BinarySource = 'setting' | 'resources' | 'path' | 'harness';
export interface FoundBinary {
  path: string;
  source: BinarySource;
}

/**
 * Finds the mongod to run, in the order of ARCHITECTURE.md: an explicit setting, the packaged
 * resources, PATH, the test harness. An explicit setting that is wrong is an error, never skipped:
 * the operator asked for that binary.
 */
export async function findMongodBinary(lookup: BinaryLookup): Promise<FoundBinary> {
  const exe = (lookup.platform ?? process.platform) === 'win32' ? 'mongod.exe' : 'mongod';
  if (lookup.explicitPath) {
    await assertExecutable(lookup.explicitPath);
    return { path: lookup.explicitPath, source: 'setting' };
  }
  const candidates: FoundBinary[] = [];
  if (lookup.resourcesDir) {
    candidates.push({ path: path.join(lookup.resourcesDir, 'mongod', exe), source: 'resources' });
  }
  for (const dir of (lookup.searchPath ?? '').split(path.delimiter).filter(Boolean)) {
    candidates.push({ path: path.join(dir, exe), source: 'path' });
  }
  if (lookup.harnessPath) candidates.push({ path: lookup.harnessPath, source: 'harness' });
  for (const candidate of candidates) {
    if (await isExecutableFile(candidate.path)) return candidate;
  }
  throw new OutpostError(
    ErrorCode.MongodBinaryMissing,
    `No mongod binary found. Looked in: ${candidates.map((c) => c.path).join(', ') || '(nowhere)'}. ` +
      'Set local.mongodPath to a mongod 6.0 or later, or put mongod on PATH.',
    { details: { searched: candidates.map((c) => c.path) } },
  );
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await assertExecutable(file);
    return true;
  } catch {
    return false;
  }
}

export async function assertExecutable(file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch (cause) {
    throw new OutpostError(
      ErrorCode.MongodBinaryMissing,
      `The mongod binary ${file} does not exist. Check local.mongodPath or reinstall Outpost.`,
      { cause, details: { path: file } },
    );
  }
  try {
    if (!info.isFile()) throw new Error('not a regular file');
    await access(file, constants.X_OK);
  } catch (cause) {
    throw new OutpostError(
      ErrorCode.MongodBinaryNotExecutable,
      `The mongod binary ${file} is not an executable file. Run "chmod +x ${file}" or point ` +
        'local.mongodPath at a working mongod.',
      { cause, details: { path: file } },
    );
  }
}
