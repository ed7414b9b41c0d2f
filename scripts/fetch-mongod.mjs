// `node scripts/fetch-mongod.mjs [--target <name>...] [--all] [--list]`: fetches the official
// MongoDB server archive for each packaging target (pinned version and URL in
// scripts/mongod-manifest.json), checks it against the pinned sha256, and extracts only the
// mongod binary to resources/mongod/<os>-<arch>/, where electron-builder.yml picks it up as an
// extra resource. Run at build time, never committed (.gitignore).
//
// It refuses, with the reason, when a target's sha256 is missing from the manifest (before
// downloading anything) or when the archive does not match it (the archive is then deleted and
// nothing is extracted). Archives are cached in .cache/mongod-archives/ and re-verified on use.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { x as untar } from 'tar';
import yauzl from 'yauzl';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MANIFEST_FILE = path.join(ROOT, 'scripts', 'mongod-manifest.json');
const MANIFEST_NAME = 'scripts/mongod-manifest.json';

export class FetchMongodError extends Error {
  constructor(message) {
    super(message);
    this.name = 'FetchMongodError';
  }
}

export function loadManifest(file = MANIFEST_FILE) {
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof manifest.version !== 'string' || typeof manifest.targets !== 'object') {
    throw new FetchMongodError(`${file} must have "version" and "targets".`);
  }
  return manifest;
}

/** The manifest target for a platform and architecture (process.platform / process.arch). */
export function hostTarget(
  platform = process.platform,
  arch = process.arch,
  linuxDistro = 'ubuntu2204',
) {
  const os = { linux: 'linux', darwin: 'mac', win32: 'win' }[platform];
  if (!os || (arch !== 'x64' && arch !== 'arm64')) {
    throw new FetchMongodError(`No MongoDB build is pinned for ${platform}-${arch}.`);
  }
  return os === 'linux' ? `linux-${arch}-${linuxDistro}` : `${os}-${arch}`;
}

/**
 * The pinned checksum of a target, or a refusal naming what to do. Checked before any download:
 * an unpinned archive is never fetched, let alone shipped.
 */
export function pinnedChecksum(name, entry) {
  const value = entry?.sha256;
  if (value === null || value === undefined || value === '') {
    throw new FetchMongodError(
      `Refusing to fetch mongod for "${name}": no sha256 is pinned for it in ${MANIFEST_NAME}. ` +
        'The release engineer must fill it in from the official checksum file ' +
        `(${entry?.url ?? '<url>'}.sha256, checked against MongoDB's PGP signature) before ` +
        'packages can be built.',
    );
  }
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) {
    throw new FetchMongodError(
      `Refusing to fetch mongod for "${name}": the sha256 in ${MANIFEST_NAME} is not 64 lower-case ` +
        `hexadecimal digits (found ${JSON.stringify(value)}).`,
    );
  }
  return value;
}

export async function sha256File(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Throws (and deletes the archive) unless `file` hashes to `expected`. */
export async function verifyArchive(file, expected, name = path.basename(file)) {
  const actual = await sha256File(file);
  if (actual !== expected) {
    await rm(file, { force: true });
    throw new FetchMongodError(
      `Refusing mongod for "${name}": the archive's sha256 is ${actual}, but ${MANIFEST_NAME} pins ` +
        `${expected}. The download is corrupt or not the official build; it has been deleted and ` +
        'nothing was extracted.',
    );
  }
}

/** Downloads `url` (https only) to `file`. */
export async function httpsDownload(url, file) {
  if (!url.startsWith('https://')) throw new FetchMongodError(`Refusing a non-https URL: ${url}`);
  const response = await fetch(url, { redirect: 'follow' });
  if (!response.ok || !response.body) {
    throw new FetchMongodError(`Downloading ${url} failed: HTTP ${response.status}.`);
  }
  await pipeline(Readable.fromWeb(response.body), createWriteStream(file));
}

const MONGOD_IN_ARCHIVE = /^[^/]+\/bin\/mongod(\.exe)?$/;

async function extractFromTgz(archive, destDir) {
  const found = [];
  await untar({
    file: archive,
    cwd: destDir,
    // <top>/bin/mongod -> mongod; nothing else leaves the archive.
    strip: 2,
    filter: (entryPath) => {
      const match = MONGOD_IN_ARCHIVE.test(entryPath);
      if (match) found.push(entryPath);
      return match;
    },
  });
  return found;
}

async function extractFromZip(archive, destDir) {
  const zip = await yauzl.openPromise(archive, { lazyEntries: true });
  const found = [];
  try {
    await new Promise((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry) => {
        if (!MONGOD_IN_ARCHIVE.test(entry.fileName)) return zip.readEntry();
        found.push(entry.fileName);
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(error);
          pipeline(stream, createWriteStream(path.join(destDir, path.basename(entry.fileName))))
            .then(() => zip.readEntry())
            .catch(reject);
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return found;
}

/** Extracts only bin/mongod[.exe] of `archive` into `destDir`; returns the binary's path. */
export async function extractMongod(archive, destDir) {
  const staging = await mkdtemp(path.join(path.dirname(destDir), '.mongod-'));
  try {
    const found = archive.endsWith('.zip')
      ? await extractFromZip(archive, staging)
      : await extractFromTgz(archive, staging);
    if (found.length !== 1) {
      throw new FetchMongodError(
        `Expected exactly one <top>/bin/mongod in ${path.basename(archive)}, found ${found.length}.`,
      );
    }
    const [binary] = await readdir(staging);
    await rm(destDir, { recursive: true, force: true });
    await mkdir(destDir, { recursive: true });
    const target = path.join(destDir, binary);
    await rename(path.join(staging, binary), target);
    await chmod(target, 0o755);
    return target;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Fetches, verifies and extracts one target. `download` is replaceable (tests use a local file).
 */
export async function fetchMongod({
  name,
  manifest = loadManifest(),
  cacheDir = path.join(ROOT, '.cache', 'mongod-archives'),
  resourcesDir = path.join(ROOT, 'resources', 'mongod'),
  download = httpsDownload,
  log = () => undefined,
}) {
  const entry = manifest.targets[name];
  if (!entry) {
    throw new FetchMongodError(
      `Unknown target "${name}". Known: ${Object.keys(manifest.targets).join(', ')}.`,
    );
  }
  const expected = pinnedChecksum(name, entry);
  await mkdir(cacheDir, { recursive: true });
  const archive = path.join(cacheDir, path.basename(new URL(entry.url).pathname));
  if (existsSync(archive) && (await sha256File(archive)) === expected) {
    log(`${name}: using the cached ${path.relative(ROOT, archive)} (checksum verified)`);
  } else {
    log(`${name}: downloading ${entry.url}`);
    const partial = `${archive}.part`;
    await rm(partial, { force: true });
    await download(entry.url, partial);
    await rename(partial, archive);
  }
  await verifyArchive(archive, expected, name);
  await mkdir(resourcesDir, { recursive: true });
  const binary = await extractMongod(archive, path.join(resourcesDir, entry.resourceDir));
  const provenance = {
    version: manifest.version,
    target: name,
    url: entry.url,
    archiveSha256: expected,
    binarySha256: await sha256File(binary),
    size: (await stat(binary)).size,
  };
  await writeFile(
    path.join(path.dirname(binary), 'PROVENANCE.json'),
    `${JSON.stringify(provenance, null, 2)}\n`,
  );
  log(`${name}: ${path.relative(ROOT, binary)} (mongod ${manifest.version})`);
  return { binary, provenance };
}

async function main(argv) {
  const manifest = loadManifest();
  if (argv.includes('--list')) {
    for (const [name, entry] of Object.entries(manifest.targets)) {
      console.log(`${name}\t${entry.sha256 ? 'pinned' : 'NO CHECKSUM'}\t${entry.url}`);
    }
    return;
  }
  const names = argv.includes('--all')
    ? Object.keys(manifest.targets).filter((name) => name !== 'linux-x64-debian12')
    : argv.flatMap((arg, index) => (argv[index - 1] === '--target' ? [arg] : []));
  const targets = names.length > 0 ? names : [hostTarget()];
  // Every target and checksum first: a release must not stop halfway through its downloads.
  for (const name of targets) {
    if (!manifest.targets[name]) {
      throw new FetchMongodError(
        `Unknown target "${name}". Known: ${Object.keys(manifest.targets).join(', ')}.`,
      );
    }
    pinnedChecksum(name, manifest.targets[name]);
  }
  for (const name of targets) {
    await fetchMongod({ name, manifest, log: (line) => console.log(`[fetch-mongod] ${line}`) });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(
      `[fetch-mongod] ${error instanceof FetchMongodError ? error.message : error.stack}`,
    );
    process.exit(1);
  });
}
