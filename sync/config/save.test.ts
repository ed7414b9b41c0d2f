import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { loadConfig } from './load.js';
import { saveConfig, updateConfig } from './save.js';
import { expectOutpostError, useTempDir } from './test-helpers.js';

const tempDir = useTempDir();
const onPosix = process.platform !== 'win32';

async function fileIn(name = 'outpost.json') {
  return path.join(await tempDir(), name);
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as unknown;

describe('saveConfig', () => {
  it('writes the config as given, loadable, creating the directory', async () => {
    const file = path.join(await tempDir(), 'nested', 'outpost.json');
    await saveConfig(file, { dataDir: '/d', local: { port: 28000 } });
    expect(await readJson(file)).toEqual({ dataDir: '/d', local: { port: 28000 } });
    await expect(loadConfig({ file })).resolves.toMatchObject({
      local: { port: 28000, replSetName: 'outpost' },
    });
  });

  it('accepts a loaded (frozen) config', async () => {
    const file = await fileIn();
    const config = await loadConfig({ defaults: { dataDir: '/d' } });
    await saveConfig(file, config);
    expect(await loadConfig({ file })).toEqual(config);
  });

  it.skipIf(!onPosix)('writes with mode 0600 and keeps the previous file as .bak', async () => {
    const file = await fileIn();
    await saveConfig(file, { dataDir: '/first' });
    await saveConfig(file, { dataDir: '/second' });
    expect(await readJson(file)).toEqual({ dataDir: '/second' });
    expect(await readJson(`${file}.bak`)).toEqual({ dataDir: '/first' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(`${file}.bak`)).mode & 0o777).toBe(0o600);
    // Nothing left behind: the temporary file was renamed into place.
    expect((await readdir(path.dirname(file))).sort()).toEqual([
      'outpost.json',
      'outpost.json.bak',
    ]);
  });

  it('replaces a stale temporary file left by a crash', async () => {
    const file = await fileIn();
    await writeFile(`${file}.tmp`, 'half a file', { mode: 0o644 });
    await saveConfig(file, { dataDir: '/d' });
    expect(await readJson(file)).toEqual({ dataDir: '/d' });
  });

  it('validates before writing and leaves the old file alone', async () => {
    const file = await fileIn();
    await saveConfig(file, { dataDir: '/d' });
    const error = await expectOutpostError(
      saveConfig(file, { dataDir: '/d', sync: { batchSize: -1 } }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toContain(`The config to save to ${file} is invalid`);
    expect(error.message).toContain('sync.batchSize: found -1; expected an integer >= 1');
    expect(await readJson(file)).toEqual({ dataDir: '/d' });
  });
});

describe('updateConfig', () => {
  it('merges a patch into the file: objects merge, arrays replace, null removes', async () => {
    const file = await fileIn();
    await saveConfig(file, {
      dataDir: '/d',
      central: { uri: 'mongodb://central/', database: 'pos' },
      exclude: ['a', 'b'],
    });
    const written = await updateConfig(file, {
      central: { uri: null },
      exclude: ['c'],
      sync: { batchSize: 50 },
    });
    const expected = {
      dataDir: '/d',
      central: { database: 'pos' },
      exclude: ['c'],
      sync: { batchSize: 50 },
    };
    expect(written).toEqual(expected);
    expect(await readJson(file)).toEqual(expected);
    expect(await readJson(`${file}.bak`)).toMatchObject({ exclude: ['a', 'b'] });
  });

  it('creates the file when there is none, without requiring dataDir', async () => {
    const file = await fileIn();
    await updateConfig(file, { log: { level: 'debug' } });
    expect(await readJson(file)).toEqual({ log: { level: 'debug' } });
  });

  it('refuses a patch that makes the config invalid, naming the key', async () => {
    const file = await fileIn();
    await saveConfig(file, { dataDir: '/d' });
    const error = await expectOutpostError(
      updateConfig(file, {
        databases: [{ name: 'pos', collections: { sales: { strategy: 'newest' as 'lww' } } }],
      }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toContain(
      'databases[0].collections.sales.strategy: found "newest"; expected one of lww, central-wins, site-wins, merge, manual (from the update)',
    );
    expect(await readJson(file)).toEqual({ dataDir: '/d' });
  });

  it('refuses to touch a file that does not parse', async () => {
    const file = await fileIn();
    const broken = '{ "dataDir": "/d", "central": { "uri": "mongodb://h" }';
    await writeFile(file, broken);
    const before = await stat(file);
    const error = await expectOutpostError(
      updateConfig(file, { log: { level: 'debug' } }),
      ErrorCode.ConfigUnreadable,
    );
    expect(error.message).toContain(
      `The config file ${file} is not valid JSON: unexpected end of file at line 1`,
    );
    expect(await readFile(file, 'utf8')).toBe(broken);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
    expect(await readdir(path.dirname(file))).toEqual(['outpost.json']);
  });

  it('applies concurrent updates one after the other, losing none', async () => {
    const file = await fileIn();
    await saveConfig(file, { dataDir: '/d' });
    await Promise.all([
      updateConfig(file, { sync: { batchSize: 10 } }),
      updateConfig(file, { sync: { pullBatchSize: 20 } }),
      updateConfig(file, { api: { port: 30_000 } }),
      updateConfig(file, { log: { level: 'nonsense' as 'info' } }).catch(() => undefined),
      updateConfig(file, { siteId: 'north' }),
    ]);
    expect(await readJson(file)).toEqual({
      dataDir: '/d',
      sync: { batchSize: 10, pullBatchSize: 20 },
      api: { port: 30_000 },
      siteId: 'north',
    });
  });
});
