import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { loadConfig } from './load.js';
import { expectOutpostError, useTempDir, writeConfigFile } from './test-helpers.js';

const tempDir = useTempDir();
const defaults = { dataDir: '/var/lib/outpost' };
const configFile = async (content: unknown) => writeConfigFile(await tempDir(), content);

describe('loadConfig errors', () => {
  it('names a bad enum value with its dotted path, the value found and the allowed values', async () => {
    const file = await configFile({
      dataDir: '/d',
      databases: [{ name: 'pos', collections: { sales: { direction: 'sideways' } } }],
    });
    const error = await expectOutpostError(loadConfig({ file }), ErrorCode.ConfigInvalid);
    expect(error.message).toContain(`The config from ${file} is invalid`);
    expect(error.message).toContain(
      `databases[0].collections.sales.direction: found "sideways"; expected one of both, push, pull, local-only (from ${file})`,
    );
    expect(error.details).toMatchObject({
      file,
      issues: [{ path: 'databases[0].collections.sales.direction' }],
    });
  });

  it('names every bad key at once', async () => {
    const file = await configFile({
      dataDir: '/d',
      local: { port: 0 },
      api: { port: 70_000 },
      log: { level: 'loud' },
    });
    const error = await expectOutpostError(loadConfig({ file }), ErrorCode.ConfigInvalid);
    const issues = (error.details?.['issues'] ?? []) as { path: string; message: string }[];
    expect(issues.map((issue) => issue.path)).toEqual(['local.port', 'api.port', 'log.level']);
    expect(error.message).toContain('local.port: found 0; expected an integer from 1 to 65535');
    expect(error.message).toContain('api.port: found 70000; expected an integer from 0 to 65535');
    expect(error.message).toContain('3 problems');
  });

  it('rejects a port that is not an integer', async () => {
    const error = await expectOutpostError(
      loadConfig({ defaults, overrides: { local: { port: 27017.5 } } }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toContain(
      'local.port: found 27017.5; expected an integer from 1 to 65535 (from overrides)',
    );
  });

  it('rejects an unknown key (a typo) and lists the known ones', async () => {
    const file = await configFile({ dataDir: '/d', sync: { batchSzie: 100 } });
    const error = await expectOutpostError(loadConfig({ file }), ErrorCode.ConfigInvalid);
    expect(error.message).toContain(
      'sync.batchSzie: unknown key; expected one of batchSize, pushIntervalMs',
    );
  });

  it('rejects unknown keys inside collection rules and at the top level', async () => {
    const file = await configFile({
      dataDir: '/d',
      centrl: {},
      databases: [{ name: 'pos', collections: { sales: { strategy: 'lww', stratgy: 'merge' } } }],
    });
    const error = await expectOutpostError(loadConfig({ file }), ErrorCode.ConfigInvalid);
    expect(error.message).toContain('centrl: unknown key; expected one of dataDir, central,');
    expect(error.message).toContain(
      'databases[0].collections.sales.stratgy: unknown key; expected one of direction, strategy',
    );
  });

  it.each([
    ['pos.sales', 'a dot'],
    ['pos sales', 'a space'],
    ['', 'empty'],
    ['x'.repeat(64), '64 bytes'],
  ])('rejects the database name %j (%s)', async (name) => {
    const file = await configFile({ dataDir: '/d', databases: [{ name, collections: {} }] });
    const error = await expectOutpostError(loadConfig({ file }), ErrorCode.ConfigInvalid);
    expect(error.message).toContain(
      `databases[0].name: found ${JSON.stringify(name)}; expected a MongoDB database name`,
    );
  });

  it('rejects a database listed twice', async () => {
    const error = await expectOutpostError(
      loadConfig({ defaults, overrides: { databases: [{ name: 'pos' }, { name: 'pos' }] } }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toContain(
      'databases[1].name: found "pos"; expected a database name not listed earlier',
    );
  });

  it('rejects a bad collection name key', async () => {
    const error = await expectOutpostError(
      loadConfig({
        defaults,
        overrides: { databases: [{ name: 'pos', collections: { 'system.views': {} } }] },
      }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toContain(
      'databases[0].collections["system.views"]: found key "system.views"',
    );
  });

  it('rejects a central URI with another scheme, without echoing its password', async () => {
    const error = await expectOutpostError(
      loadConfig({
        defaults,
        env: { OUTPOST_CENTRAL_URI: 'https://admin:hunter2@cluster.example.net' },
      }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toContain(
      'central.uri: found "https://***@cluster.example.net"; expected a connection string starting with mongodb:// or mongodb+srv:// (from OUTPOST_CENTRAL_URI)',
    );
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error.details)).not.toContain('hunter2');
  });

  it('does not echo the password of a URI typed without a scheme', async () => {
    const error = await expectOutpostError(
      loadConfig({
        defaults,
        overrides: { central: { uri: 'admin:hunter2@cluster.example.net' } },
      }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toContain('found "***@cluster.example.net"');
    expect(error.message).not.toContain('hunter2');
  });

  it('rejects backoff.maxMs below initialMs', async () => {
    const error = await expectOutpostError(
      loadConfig({ defaults, overrides: { sync: { backoff: { initialMs: 1000, maxMs: 10 } } } }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toContain(
      'sync.backoff.maxMs: found 10; expected a number >= sync.backoff.initialMs (1000)',
    );
  });

  it('rejects a catch-up lookback too short for the dates of new documents', async () => {
    const error = await expectOutpostError(
      loadConfig({ defaults, overrides: { sync: { lookbackMs: 1_000 } } }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toContain('sync.lookbackMs: found 1000; expected an integer >= 10000');
  });

  it('reports invalid JSON with line and column, without quoting the file', async () => {
    const file = await configFile(
      '{\n  "dataDir": "/d",\n  "central": { "uri": "mongodb://u:secret@h" },\n}\n',
    );
    const error = await expectOutpostError(loadConfig({ file }), ErrorCode.ConfigUnreadable);
    expect(error.message).toContain(
      `The config file ${file} is not valid JSON: unexpected "}" at line 4, column 1`,
    );
    expect(error.message).not.toContain('secret');
    expect(error.details).toMatchObject({ file, line: 4, column: 1 });
  });

  it('reports a file that cannot be read', async () => {
    const file = path.join(await tempDir(), 'outpost.json');
    await mkdir(file);
    const error = await expectOutpostError(
      loadConfig({ file, defaults }),
      ErrorCode.ConfigUnreadable,
    );
    expect(error.message).toContain(`The config file ${file} could not be read (EISDIR)`);
  });

  it('rejects a file whose top level is not an object', async () => {
    const file = await configFile('[1, 2]');
    const error = await expectOutpostError(loadConfig({ file, defaults }), ErrorCode.ConfigInvalid);
    expect(error.message).toContain(`The config file ${file} must hold a JSON object`);
  });

  it('names a non-number environment variable', async () => {
    const error = await expectOutpostError(
      loadConfig({ defaults, env: { OUTPOST_LOCAL_PORT: '27o21', OUTPOST_API_PORT: '0x10' } }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toBe(
      'Invalid environment: OUTPOST_LOCAL_PORT is "27o21"; expected a number; OUTPOST_API_PORT is "0x10"; expected a number.',
    );
    expect(error.details).toMatchObject({
      issues: [{ path: 'local.port', source: 'OUTPOST_LOCAL_PORT' }, { path: 'api.port' }],
    });
  });

  it('names the environment variable behind a bad value', async () => {
    const error = await expectOutpostError(
      loadConfig({ defaults, env: { OUTPOST_LOG_LEVEL: 'verbose' } }),
      ErrorCode.ConfigInvalid,
    );
    expect(error.message).toContain(
      'log.level: found "verbose"; expected one of trace, debug, info, warn, error (from OUTPOST_LOG_LEVEL)',
    );
  });

  it('never modifies a broken file', async () => {
    const broken = '{ "dataDir": "/d", "local": { "port": 27021 ';
    const file = await configFile(broken);
    await chmod(file, 0o640);
    const before = await stat(file);
    await expectOutpostError(loadConfig({ file }), ErrorCode.ConfigUnreadable);
    const after = await stat(file);
    expect(await readFile(file, 'utf8')).toBe(broken);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.mode).toBe(before.mode);
  });

  it('never modifies a file that fails the schema', async () => {
    const content = JSON.stringify({ dataDir: '/d', log: { level: 'loud' } });
    const file = await configFile(content);
    await expectOutpostError(loadConfig({ file }), ErrorCode.ConfigInvalid);
    expect(await readFile(file, 'utf8')).toBe(content);
  });
});
