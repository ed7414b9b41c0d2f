import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { loadConfig } from './load.js';
import { redactConfig } from './redact.js';
import { expectOutpostError, useTempDir, writeConfigFile } from './test-helpers.js';

const tempDir = useTempDir();
const defaults = { dataDir: '/var/lib/outpost' };
const configFile = async (content: unknown) => writeConfigFile(await tempDir(), content);

describe('loadConfig defaults', () => {
  it('fills every default when only dataDir is given', async () => {
    const config = await loadConfig({ defaults });
    expect(config).toEqual({
      dataDir: '/var/lib/outpost',
      central: {},
      local: { port: 27021, replSetName: 'outpost', metaDatabase: 'outpost' },
      databases: [],
      exclude: [],
      sync: {
        batchSize: 500,
        pushIntervalMs: 200,
        captureLingerMs: 50,
        capturePollMs: 200,
        pullBatchSize: 500,
        pullPollMs: 250,
        pullIdlePollMs: 1_000,
        lookbackMs: 60_000,
        backoff: { initialMs: 500, maxMs: 60_000 },
        offlineAfterMs: 5_000,
      },
      api: { host: '127.0.0.1', port: 27_080 },
      health: {
        queueWarn: 1_000,
        failureRateWarn: 0.05,
        centralDownFailMs: 300_000,
        syncLagWarnMs: 300_000,
        openConflictsWarn: 0,
        clockSkewWarnMs: 5_000,
        clockSkewFailMs: 120_000,
        diskWarnBytes: 1024 ** 3,
        diskFailBytes: 200 * 1024 ** 2,
        loopRestartsFail: 5,
        loopRestartWindowMs: 60_000,
        rateWindowMs: 60_000,
      },
      log: { level: 'info' },
      verify: { intervalMs: 0 },
      backup: { intervalMs: 86_400_000, keep: 7, gzip: true },
      alerts: { intervalMs: 30_000 },
    });
  });

  it('fills collection rule defaults', async () => {
    const config = await loadConfig({
      defaults,
      overrides: {
        databases: [
          { name: 'pos', collections: { sales: {}, stock: { scope: { field: 'site' } } } },
        ],
      },
    });
    expect(config.databases[0]?.collections['sales']).toEqual({
      direction: 'both',
      strategy: 'lww',
      counters: [],
      mergeFallback: 'lww',
      deleteVsUpdate: 'update-wins',
    });
    expect(config.databases[0]?.collections['stock']?.scope).toEqual({
      field: 'site',
      includeGlobal: true,
    });
  });

  it('treats a missing file as empty', async () => {
    const file = path.join(await tempDir(), 'absent.json');
    await expect(loadConfig({ file, defaults })).resolves.toMatchObject({ local: { port: 27021 } });
  });

  it('requires dataDir from some layer', async () => {
    const error = await expectOutpostError(loadConfig({}), ErrorCode.ConfigInvalid);
    expect(error.message).toContain('dataDir: found nothing; expected a directory path');
  });
});

describe('loadConfig precedence', () => {
  it('applies defaults < file < env < overrides, deep-merging objects', async () => {
    const file = await configFile({
      dataDir: '/from/file',
      local: { port: 1111, replSetName: 'file-rs' },
      api: { port: 2222 },
      log: { level: 'debug' },
      siteId: 'file-site',
    });
    const config = await loadConfig({
      file,
      defaults: { dataDir: '/from/defaults', sync: { batchSize: 7 } },
      env: { OUTPOST_LOCAL_PORT: '3333', OUTPOST_API_PORT: '4444', OUTPOST_SITE_ID: 'env-site' },
      overrides: { api: { port: 5555 } },
    });
    expect(config.dataDir).toBe('/from/file');
    expect(config.sync.batchSize).toBe(7);
    expect(config.local).toMatchObject({ port: 3333, replSetName: 'file-rs' });
    expect(config.api.port).toBe(5555);
    expect(config.log.level).toBe('debug');
    expect(config.siteId).toBe('env-site');
  });

  it('maps every environment variable', async () => {
    const config = await loadConfig({
      env: {
        OUTPOST_DATA_DIR: '/env/data',
        OUTPOST_CENTRAL_URI: 'mongodb+srv://u:p@cluster.example.net/?retryWrites=true',
        OUTPOST_LOCAL_PORT: '27500',
        OUTPOST_MONGOD_PATH: '/opt/mongod',
        OUTPOST_API_PORT: '0',
        OUTPOST_LOG_LEVEL: 'warn',
        OUTPOST_SITE_ID: 'north',
        OUTPOST_UNRELATED: 'ignored',
      },
    });
    expect(config).toMatchObject({
      dataDir: '/env/data',
      central: { uri: 'mongodb+srv://u:p@cluster.example.net/?retryWrites=true' },
      local: { port: 27500, mongodPath: '/opt/mongod' },
      api: { port: 0 },
      log: { level: 'warn' },
      siteId: 'north',
    });
  });

  it('replaces arrays instead of merging them, and removes keys set to null', async () => {
    const file = await configFile({
      dataDir: '/d',
      exclude: ['a', 'b'],
      central: { uri: 'mongodb://central/', database: 'pos' },
    });
    const config = await loadConfig({
      file,
      overrides: { exclude: ['c'], central: { uri: null } },
    });
    expect(config.exclude).toEqual(['c']);
    expect(config.central).toEqual({ database: 'pos' });
  });

  it('ignores empty environment variables', async () => {
    const config = await loadConfig({
      defaults,
      env: { OUTPOST_LOCAL_PORT: '', OUTPOST_LOG_LEVEL: ' ' },
    });
    expect(config.local.port).toBe(27021);
    expect(config.log.level).toBe('info');
  });

  it('accepts a file saved with a UTF-8 byte order mark', async () => {
    const file = await configFile(`\uFEFF${JSON.stringify({ dataDir: '/bom' })}`);
    await expect(loadConfig({ file })).resolves.toMatchObject({ dataDir: '/bom' });
  });
});

describe('loadConfig result', () => {
  it('is deep-frozen', async () => {
    const config = await loadConfig({
      defaults,
      overrides: { databases: [{ name: 'pos', collections: { sales: { counters: ['qty'] } } }] },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sync.backoff)).toBe(true);
    expect(Object.isFrozen(config.databases)).toBe(true);
    expect(Object.isFrozen(config.databases[0]?.collections['sales']?.counters)).toBe(true);
    expect(() => {
      (config.local as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (config.databases as unknown[]).push({})).toThrow(TypeError);
  });

  it('does not share objects with the overrides passed in', async () => {
    const overrides = { exclude: ['tmp'] };
    const config = await loadConfig({ defaults, overrides });
    expect(Object.isFrozen(overrides.exclude)).toBe(false);
    expect(config.exclude).toEqual(['tmp']);
  });
});

describe('redactConfig', () => {
  it('removes credentials from the central URI and leaves the original intact', async () => {
    const uri = 'mongodb+srv://pos:hunter2@cluster0.example.net/?retryWrites=true';
    const config = await loadConfig({ defaults, overrides: { central: { uri, database: 'pos' } } });
    const redacted = redactConfig(config);
    expect(redacted.central).toEqual({
      uri: 'mongodb+srv://***@cluster0.example.net/?retryWrites=true',
      database: 'pos',
    });
    expect(config.central.uri).toBe(uri);
    expect(Object.isFrozen(redacted.central)).toBe(true);
    expect(redactConfig(await loadConfig({ defaults })).central).toEqual({});
  });
});
