import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir, writeConfigFile } from '../../config/test-helpers.js';
import { runCli, type CliContext } from '../cli.js';
import { configFileFor, loadServeConfig } from './serve-options.js';

const tempDir = useTempDir('outpost-serve-');

describe('configFileFor', () => {
  it('prefers --config, then outpost.json in the data directory from the flag or the env', () => {
    expect(configFileFor({ config: 'site.json', dataDir: '/d' }, {})).toBe(
      path.resolve('site.json'),
    );
    expect(configFileFor({ dataDir: '/d' }, { OUTPOST_DATA_DIR: '/e' })).toBe(
      path.resolve('/d/outpost.json'),
    );
    expect(configFileFor({}, { OUTPOST_DATA_DIR: '/e' })).toBe(path.resolve('/e/outpost.json'));
    expect(configFileFor({}, { OUTPOST_DATA_DIR: ' ' })).toBeUndefined();
    expect(configFileFor({}, {})).toBeUndefined();
  });
});

describe('loadServeConfig', () => {
  it('reads <data dir>/outpost.json and lets the env and then the flags override it', async () => {
    const dir = await tempDir();
    await writeConfigFile(dir, {
      central: { uri: 'mongodb://from-file/' },
      local: { port: 27100 },
      siteId: 'file-site',
    });
    const config = await loadServeConfig(
      { dataDir: dir, port: 27200 },
      { OUTPOST_CENTRAL_URI: 'mongodb://from-env/', OUTPOST_LOCAL_PORT: '27150' },
    );
    expect(config.dataDir).toBe(dir);
    expect(config.central.uri).toBe('mongodb://from-env/');
    expect(config.local.port).toBe(27200);
    expect(config.siteId).toBe('file-site');
  });

  it('makes a relative --data-dir absolute', async () => {
    const config = await loadServeConfig({ dataDir: 'relative/data' }, {});
    expect(config.dataDir).toBe(path.resolve('relative/data'));
  });

  it('--db selects databases and keeps the rules the file gives them', async () => {
    const dir = await tempDir();
    const file = await writeConfigFile(dir, {
      dataDir: dir,
      databases: [
        { name: 'pos', collections: { products: { direction: 'pull' } } },
        { name: 'hr', collections: { payroll: { direction: 'local-only' } } },
      ],
    });
    const config = await loadServeConfig({ config: file, db: ['pos', 'loyalty'] }, {});
    expect(config.databases.map((db) => db.name)).toEqual(['pos', 'loyalty']);
    expect(config.databases[0]?.collections['products']?.direction).toBe('pull');
    expect(config.databases[1]?.collections).toEqual({});
  });

  it('names the flag value that is invalid', async () => {
    await expect(
      loadServeConfig({ dataDir: '/d', central: 'http://central/' }, {}),
    ).rejects.toThrow(/central\.uri/);
    await expect(loadServeConfig({ dataDir: '/d', db: ['bad.name'] }, {})).rejects.toThrow(
      /databases\[0\]\.name/,
    );
  });
});

function fakeContext(): CliContext & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    env: {},
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
    onStopSignal: () => () => undefined,
  };
}

describe('runCli serve', () => {
  it('lists serve and its flags in the help, with exit code 0', async () => {
    const context = fakeContext();
    expect(await runCli(['node', 'outpost', 'serve', '--help'], context)).toBe(0);
    const help = context.lines.join('\n');
    for (const flag of ['--config', '--data-dir', '--central', '--port', '--db'])
      expect(help).toContain(flag);
  });

  it('rejects a port that is not a number before starting anything', async () => {
    const context = fakeContext();
    expect(await runCli(['node', 'outpost', 'serve', '--port', 'abc'], context)).toBe(1);
    expect(context.errors.join('\n')).toContain('expected a port number');
  });

  it('prints a config error as one sentence with its code, exit code 1', async () => {
    const context = fakeContext();
    expect(await runCli(['node', 'outpost', 'serve'], context)).toBe(1);
    expect(context.errors.join('\n')).toMatch(/dataDir: .*OUTPOST_DATA_DIR.*\[CONFIG_INVALID\]/s);
  });
});
