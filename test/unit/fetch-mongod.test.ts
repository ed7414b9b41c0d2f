/**
 * scripts/fetch-mongod.mjs cannot reach MongoDB's servers here (ENVIRONMENT.md): its checks run
 * against local fake archives laid out like the official ones, through a replaced download.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { c as createTar } from 'tar';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  fetchMongod,
  hostTarget,
  loadManifest,
  pinnedChecksum,
  type MongodManifest,
} from '../../scripts/fetch-mongod.mjs';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-fetch-mongod-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const MONGOD = '#!/bin/sh\necho "fake mongod 7.0.15"\n';

/** A .tgz laid out like MongoDB's: <top>/bin/mongod beside other files. */
async function fakeTgz(top: string): Promise<string> {
  const src = path.join(dir, 'src');
  await mkdir(path.join(src, top, 'bin'), { recursive: true });
  await writeFile(path.join(src, top, 'bin', 'mongod'), MONGOD);
  await writeFile(path.join(src, top, 'bin', 'mongos'), 'not wanted');
  await writeFile(path.join(src, top, 'LICENSE-Community.txt'), 'SSPL');
  const file = path.join(dir, `${top}.tgz`);
  await createTar({ gzip: true, file, cwd: src, portable: true }, [top]);
  return file;
}

/** A .zip with stored (uncompressed) entries, laid out like MongoDB's Windows archive. */
async function fakeZip(top: string): Promise<string> {
  const entries = [
    { name: `${top}/bin/mongod.exe`, data: Buffer.from('MZ fake mongod.exe') },
    { name: `${top}/bin/mongos.exe`, data: Buffer.from('MZ not wanted') },
  ];
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const fileName = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  const file = path.join(dir, `${top}.zip`);
  await writeFile(file, Buffer.concat([...locals, centralDir, end]));
  return file;
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

function manifestFor(name: string, url: string, sha: string | null, resourceDir: string) {
  return { version: '7.0.15', targets: { [name]: { resourceDir, url, sha256: sha } } };
}

/** A download that copies the local fake archive, and records that it ran. */
function localDownload(archive: string) {
  return vi.fn(async (_url: string, file: string) => {
    await copyFile(archive, file);
  });
}

function paths() {
  return { cacheDir: path.join(dir, 'cache'), resourcesDir: path.join(dir, 'resources', 'mongod') };
}

describe('fetch-mongod', () => {
  it('refuses a target without a pinned checksum, before downloading', async () => {
    const archive = await fakeTgz('mongodb-linux-x86_64-ubuntu2204-7.0.15');
    const download = localDownload(archive);
    for (const missing of [null, '']) {
      const manifest = manifestFor(
        'linux-x64-ubuntu2204',
        'https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-ubuntu2204-7.0.15.tgz',
        missing,
        'linux-x64',
      );
      await expect(
        fetchMongod({ name: 'linux-x64-ubuntu2204', manifest, download, ...paths() }),
      ).rejects.toThrow(/no sha256 is pinned.*scripts\/mongod-manifest\.json.*release engineer/s);
    }
    expect(download).not.toHaveBeenCalled();
    expect(existsSync(paths().resourcesDir)).toBe(false);
  });

  it('refuses a malformed checksum', () => {
    expect(() =>
      pinnedChecksum('x', { resourceDir: 'x', url: 'https://x/y.tgz', sha256: 'ABC123' }),
    ).toThrow(/not 64 lower-case hexadecimal digits/);
  });

  it('refuses an archive whose checksum does not match, deletes it, extracts nothing', async () => {
    const archive = await fakeTgz('mongodb-linux-x86_64-ubuntu2204-7.0.15');
    const manifest = manifestFor(
      'linux-x64-ubuntu2204',
      'https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-ubuntu2204-7.0.15.tgz',
      'a'.repeat(64),
      'linux-x64',
    );
    await expect(
      fetchMongod({
        name: 'linux-x64-ubuntu2204',
        manifest,
        download: localDownload(archive),
        ...paths(),
      }),
    ).rejects.toThrow(`pins ${'a'.repeat(64)}`);
    expect(await readdir(paths().cacheDir)).toEqual([]);
    expect(existsSync(path.join(paths().resourcesDir, 'linux-x64'))).toBe(false);
  });

  it('extracts only mongod from a verified .tgz, executable, with its provenance', async () => {
    const archive = await fakeTgz('mongodb-linux-x86_64-ubuntu2204-7.0.15');
    const manifest = manifestFor(
      'linux-x64-ubuntu2204',
      'https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-ubuntu2204-7.0.15.tgz',
      await sha256(archive),
      'linux-x64',
    );
    const download = localDownload(archive);
    const { binary, provenance } = await fetchMongod({
      name: 'linux-x64-ubuntu2204',
      manifest,
      download,
      ...paths(),
    });
    const out = path.join(paths().resourcesDir, 'linux-x64');
    expect(binary).toBe(path.join(out, 'mongod'));
    expect((await readdir(out)).sort()).toEqual(['PROVENANCE.json', 'mongod']);
    expect(await readFile(binary, 'utf8')).toBe(MONGOD);
    expect((await stat(binary)).mode & 0o111).toBe(0o111);
    expect(provenance).toMatchObject({ version: '7.0.15', archiveSha256: await sha256(archive) });

    // A second run uses the cached archive after checking it again.
    await fetchMongod({ name: 'linux-x64-ubuntu2204', manifest, download, ...paths() });
    expect(download).toHaveBeenCalledOnce();
  });

  it('extracts mongod.exe from a verified Windows .zip', async () => {
    const archive = await fakeZip('mongodb-win32-x86_64-windows-7.0.15');
    const manifest = manifestFor(
      'win-x64',
      'https://fastdl.mongodb.org/windows/mongodb-windows-x86_64-7.0.15.zip',
      await sha256(archive),
      'win-x64',
    );
    const { binary } = await fetchMongod({
      name: 'win-x64',
      manifest,
      download: localDownload(archive),
      ...paths(),
    });
    expect(path.basename(binary)).toBe('mongod.exe');
    expect(await readFile(binary, 'utf8')).toBe('MZ fake mongod.exe');
    expect(await readdir(path.dirname(binary))).not.toContain('mongos.exe');
  });

  it('names the known targets when asked for another', async () => {
    await expect(
      fetchMongod({ name: 'solaris-sparc', manifest: loadManifest(), ...paths() }),
    ).rejects.toThrow(/Unknown target "solaris-sparc". Known: linux-x64-ubuntu2204/);
  });
});

describe('scripts/mongod-manifest.json', () => {
  const manifest: MongodManifest = loadManifest();

  it('pins MongoDB 7.0.15 for every packaged platform, from fastdl.mongodb.org', () => {
    expect(manifest.version).toBe('7.0.15');
    expect(Object.keys(manifest.targets).sort()).toEqual([
      'linux-x64-debian12',
      'linux-x64-ubuntu2204',
      'mac-arm64',
      'mac-x64',
      'win-x64',
    ]);
    for (const target of Object.values(manifest.targets)) {
      expect(target.url).toMatch(
        /^https:\/\/fastdl\.mongodb\.org\/(linux|osx|windows)\/mongodb-.+-7\.0\.15\.(tgz|zip)$/,
      );
      // Null until the release engineer pins it; then a real sha256.
      if (target.sha256 !== null) expect(target.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(['linux-x64', 'win-x64', 'mac-x64', 'mac-arm64']).toContain(target.resourceDir);
    }
  });

  it('maps this kind of machine to a target', () => {
    expect(hostTarget('linux', 'x64')).toBe('linux-x64-ubuntu2204');
    expect(hostTarget('linux', 'x64', 'debian12')).toBe('linux-x64-debian12');
    expect(hostTarget('win32', 'x64')).toBe('win-x64');
    expect(hostTarget('darwin', 'arm64')).toBe('mac-arm64');
    expect(() => hostTarget('freebsd', 'x64')).toThrow(/No MongoDB build is pinned/);
  });
});
