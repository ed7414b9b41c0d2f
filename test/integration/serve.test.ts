/**
 * startOutpost, the headless composition root, end to end: its own mongod (from the harness's
 * binary), identity, clients and engine, and a stop that leaves nothing running.
 */
import { readFile, rm } from 'node:fs/promises';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startOutpost, type OutpostInstance } from '../../sync/api/serve.js';
import { loadConfig, type ConfigPatch } from '../../sync/config/index.js';
import { findFreePort, isPortFree } from '../../sync/util/ports.js';
import { uniqueDbName } from '../harness/db-names.js';
import { testDir } from '../harness/mongods.js';
import { recordPid } from '../harness/processes.js';
import { waitFor } from '../harness/sync-cluster.js';

const started: OutpostInstance[] = [];
afterEach(async () => {
  await Promise.allSettled(
    started.splice(0).map(async (instance) => {
      await instance.stop();
      await rm(instance.layout.dataDir, { recursive: true, force: true });
    }),
  );
});

async function start(name: string, patch: ConfigPatch, prepare: string[] = []) {
  const dataDir = await testDir(`serve-${name}`);
  const config = await loadConfig({
    overrides: { dataDir, local: { port: await findFreePort() }, log: { level: 'warn' }, ...patch },
  });
  const instance = await startOutpost({
    config,
    mongodBinary: inject('mongo').binary,
    machineId: () => `test-machine-${name}`,
    prepareLocal: async (local) => {
      for (const db of prepare) await local.db(db).createCollection('sales');
    },
  });
  started.push(instance);
  const state = instance.supervisor.state;
  if (state.name === 'running') recordPid(state.pid);
  return instance;
}

describe('startOutpost', () => {
  it('syncs a local write to central, then stops engine, clients and mongod', async () => {
    const db = uniqueDbName('serve');
    const central = new MongoClient(inject('mongo').central);
    try {
      await central.db(db).createCollection('sales');
      const instance = await start(
        'sync',
        { central: { uri: inject('mongo').central }, databases: [{ name: db }], siteId: 's1' },
        [db],
      );
      expect(instance.instanceId).toMatch(/^op-/);
      expect(instance.sync.enabled).toBe(true);
      expect(instance.mongodBinary.source).toBe('harness');
      const identity = JSON.parse(await readFile(instance.layout.identityFile, 'utf8')) as {
        instanceId: string;
      };
      expect(identity.instanceId).toBe(instance.instanceId);

      const pos = new MongoClient(instance.localUri);
      await pos
        .db(db)
        .collection('sales')
        .insertOne({ _id: 'sale-1' as never, total: 4.2 });
      await pos.close();
      await waitFor('the sale at central', async () => {
        const doc = await central
          .db(db)
          .collection('sales')
          .findOne({ _id: 'sale-1' as never });
        return (doc?.['_sync'] as { o?: string } | undefined)?.o === instance.instanceId;
      });

      const port = instance.config.local.port;
      let engineState = '';
      instance.engine?.onStateChange((state) => (engineState = state.name));
      await instance.stop();
      expect(engineState).toBe('stopped');
      expect(instance.supervisor.state.name).toBe('stopped');
      expect(await isPortFree(port)).toBe(true);
      await instance.stop(); // idempotent
    } finally {
      await central.close();
    }
  });

  it('runs local-only without a central connection string', async () => {
    const instance = await start('local-only', { databases: [{ name: 'pos' }] });
    expect(instance.engine).toBeUndefined();
    expect(instance.sync).toMatchObject({ enabled: false, reason: 'no-central-uri' });
    const pos = new MongoClient(instance.localUri);
    try {
      await pos.db('pos').collection('sales').insertOne({ total: 1 });
      expect(await pos.db('pos').collection('sales').countDocuments()).toBe(1);
    } finally {
      await pos.close();
    }
  });

  it('starts while central is unreachable and reports the engine offline', async () => {
    const closedPort = await findFreePort();
    const instance = await start('offline', {
      central: { uri: `mongodb://127.0.0.1:${closedPort}/?directConnection=true` },
      databases: [{ name: 'pos' }],
    });
    await waitFor(
      'engine offline',
      async () => (await instance.engine?.status())?.state.name === 'offline',
      30_000,
    );
  });
});
