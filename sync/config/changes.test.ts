import { describe, expect, it } from 'vitest';
import { configChanges } from './changes.js';
import { configSchema, type Config } from './schema.js';

const base = configSchema.parse({
  dataDir: '/data',
  central: { uri: 'mongodb://central/' },
  databases: [{ name: 'pos' }],
});

function withPatch(patch: Record<string, unknown>): Config {
  return configSchema.parse({ ...structuredClone(base), ...patch });
}

describe('configChanges', () => {
  it('finds nothing when nothing changed', () => {
    expect(configChanges(base, withPatch({}))).toEqual({
      changed: [],
      live: [],
      restart: [],
      engine: false,
    });
  });

  it('applies rules, central and tuning live, by replacing the engine', () => {
    const after = withPatch({
      databases: [{ name: 'pos', collections: { orders: { direction: 'push' } } }],
      exclude: ['carts'],
      central: { uri: 'mongodb://other/' },
      sync: { ...base.sync, batchSize: 100 },
    });
    expect(configChanges(base, after)).toEqual({
      changed: ['central.uri', 'databases', 'exclude', 'sync.batchSize'],
      live: ['central.uri', 'databases', 'exclude', 'sync.batchSize'],
      restart: [],
      engine: true,
    });
  });

  it('applies thresholds and the verify schedule live, without touching the engine', () => {
    const after = withPatch({
      health: { ...base.health, queueWarn: 5 },
      verify: { intervalMs: 60_000 },
    });
    expect(configChanges(base, after)).toMatchObject({
      live: ['health.queueWarn', 'verify.intervalMs'],
      restart: [],
      engine: false,
    });
  });

  it('leaves what mongod, the API and the log were started with to a restart', () => {
    const after = withPatch({
      local: { ...base.local, port: 27100 },
      api: { ...base.api, port: 9000 },
      log: { level: 'debug' },
      health: { ...base.health, rateWindowMs: 1_000 },
      siteId: 'shop-2',
    });
    expect(configChanges(base, after)).toEqual({
      changed: ['api.port', 'health.rateWindowMs', 'local.port', 'log.level', 'siteId'],
      live: ['siteId'],
      restart: ['api.port', 'health.rateWindowMs', 'local.port', 'log.level'],
      engine: true,
    });
  });
});
