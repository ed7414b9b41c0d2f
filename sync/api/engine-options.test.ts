import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type ConfigPatch } from '../config/index.js';
import { SyncRules } from '../engine/rules.js';
import { centralNames, engineOptionsFromConfig, syncMode } from './engine-options.js';
import { dataLayout } from './layout.js';

const load = (overrides: ConfigPatch = {}) =>
  loadConfig({ overrides: { dataDir: '/var/lib/outpost', ...overrides } });

const POS_RULES: ConfigPatch = {
  databases: [
    {
      name: 'pos',
      collections: {
        sales: { scope: { field: 'siteId' } },
        products: { direction: 'pull' },
        stock: { counters: ['qty'], strategy: 'merge', mergeFallback: 'manual' },
      },
    },
    { name: 'backoffice' },
  ],
  exclude: ['sessions'],
  siteId: 'site-a',
};

describe('engineOptionsFromConfig', () => {
  it('maps databases, collection rules with their defaults, exclusions and the site id', async () => {
    const { rules } = engineOptionsFromConfig(await load(POS_RULES));
    expect(rules).toEqual({
      databases: [
        {
          name: 'pos',
          collections: {
            sales: {
              direction: 'both',
              strategy: 'lww',
              counters: [],
              scope: { field: 'siteId', includeGlobal: true },
              mergeFallback: 'lww',
              deleteVsUpdate: 'update-wins',
            },
            products: {
              direction: 'pull',
              strategy: 'lww',
              counters: [],
              mergeFallback: 'lww',
              deleteVsUpdate: 'update-wins',
            },
            stock: {
              direction: 'both',
              strategy: 'merge',
              counters: ['qty'],
              mergeFallback: 'manual',
              deleteVsUpdate: 'update-wins',
            },
          },
        },
        { name: 'backoffice', collections: {} },
      ],
      exclude: ['sessions'],
      siteId: 'site-a',
    });
  });

  it('gives the engine rules it reads as configured (directions, scope filter)', async () => {
    const rules = new SyncRules(engineOptionsFromConfig(await load(POS_RULES)).rules);
    expect(rules.databases).toEqual(['pos', 'backoffice']);
    expect(rules.pushes('pos', 'products')).toBe(false);
    expect(rules.pulls('pos', 'products')).toBe(true);
    expect(rules.pushes('pos', 'sales')).toBe(true);
    expect(rules.ruleFor('pos', 'sessions')).toBeUndefined();
    expect(rules.scopeFilter('pos', 'sales')).toEqual({
      $or: [{ siteId: 'site-a' }, { siteId: null }],
    });
  });

  it('copies everything: nothing handed to the engine is frozen config', async () => {
    const config = await load(POS_RULES);
    const { rules } = engineOptionsFromConfig(config);
    const stock = rules.databases[0]?.collections['stock'];
    expect(Object.isFrozen(rules.exclude)).toBe(false);
    expect(Object.isFrozen(stock?.counters)).toBe(false);
    expect(stock?.counters).not.toBe(config.databases[0]?.collections['stock']?.counters);
  });

  it('maps the sync tunables and the meta database, defaults included', async () => {
    const defaults = engineOptionsFromConfig(await load());
    expect(defaults.metaDatabase).toBe('outpost');
    expect(defaults.tunables).toEqual({
      batchSize: 500,
      pullBatchSize: 500,
      pullPollMs: 250,
      pullIdlePollMs: 1_000,
      pushIntervalMs: 200,
      captureLingerMs: 50,
      capturePollMs: 200,
      offlineAfterMs: 5_000,
      lookbackMs: 60_000,
      backoff: { initialMs: 500, maxMs: 60_000 },
    });
    const tuned = engineOptionsFromConfig(
      await load({
        local: { metaDatabase: 'outpost_meta' },
        sync: {
          batchSize: 50,
          pullBatchSize: 25,
          pullPollMs: 0,
          pullIdlePollMs: 0,
          pushIntervalMs: 0,
          captureLingerMs: 0,
          capturePollMs: 0,
          offlineAfterMs: 0,
          lookbackMs: 10_000,
          backoff: { initialMs: 100, maxMs: 2_000 },
        },
      }),
    );
    expect(tuned.metaDatabase).toBe('outpost_meta');
    expect(tuned.tunables).toEqual({
      batchSize: 50,
      pullBatchSize: 25,
      pullPollMs: 0,
      pullIdlePollMs: 0,
      pushIntervalMs: 0,
      captureLingerMs: 0,
      capturePollMs: 0,
      offlineAfterMs: 0,
      lookbackMs: 10_000,
      backoff: { initialMs: 100, maxMs: 2_000 },
    });
  });

  it('leaves siteId undefined when none is configured (scoped collections get global docs)', async () => {
    const { rules } = engineOptionsFromConfig(await load({ databases: [{ name: 'pos' }] }));
    expect(rules.siteId).toBeUndefined();
    expect(rules.exclude).toEqual([]);
  });
});

describe('centralNames', () => {
  it('maps a database named otherwise at central, by centralName or central.database', async () => {
    expect(centralNames(await load(POS_RULES))).toEqual(new Map());
    const named = await load({
      databases: [{ name: 'pos', centralName: 'pos_store12' }, { name: 'backoffice' }],
    });
    expect(centralNames(named)).toEqual(new Map([['pos', 'pos_store12']]));
    const one = await load({ central: { database: 'chain' }, databases: [{ name: 'pos' }] });
    expect(centralNames(one)).toEqual(new Map([['pos', 'chain']]));
  });

  it('refuses central.database with several databases, and two databases on one at central', async () => {
    await expect(
      load({ central: { database: 'chain' }, databases: [{ name: 'pos' }, { name: 'bo' }] }),
    ).rejects.toThrow(/central\.database.*databases\[\]\.centralName/s);
    await expect(
      load({ databases: [{ name: 'pos', centralName: 'bo' }, { name: 'bo' }] }),
    ).rejects.toThrow(/databases\[1\]\.name: found "bo".*bo is taken/s);
  });
});

describe('syncMode', () => {
  it('is local-only without a central connection string', async () => {
    const mode = syncMode(await load({ databases: [{ name: 'pos' }] }));
    expect(mode).toMatchObject({ enabled: false, reason: 'no-central-uri' });
    expect(mode.enabled ? '' : mode.message).toContain('OUTPOST_CENTRAL_URI');
  });

  it('is local-only when no database is listed', async () => {
    const mode = syncMode(await load({ central: { uri: 'mongodb://central.example/' } }));
    expect(mode).toMatchObject({ enabled: false, reason: 'no-databases' });
  });

  it('syncs with a central URI and at least one database', async () => {
    const uri = 'mongodb+srv://pos:secret@cluster0.example.net/';
    expect(syncMode(await load({ central: { uri }, databases: [{ name: 'pos' }] }))).toEqual({
      enabled: true,
      centralUri: uri,
    });
  });
});

describe('dataLayout', () => {
  it('puts mongod data, identity and logs under the data directory', () => {
    const root = path.resolve('/srv/outpost');
    expect(dataLayout('/srv/outpost/')).toEqual({
      dataDir: root,
      mongodDbPath: path.join(root, 'mongod'),
      identityFile: path.join(root, 'identity.json'),
      logDir: path.join(root, 'logs'),
      logFile: path.join(root, 'logs', 'outpost.log'),
      mongodLogFile: path.join(root, 'logs', 'mongod.log'),
      configFile: path.join(root, 'outpost.json'),
    });
  });

  it('resolves a relative data directory against the working directory', () => {
    expect(dataLayout('data').dataDir).toBe(path.resolve('data'));
  });
});
