/**
 * startOutpost, the headless composition root, end to end: its own mongod (from the harness's
 * binary), identity, clients, engine and HTTP API (reached by the CLI as a user would), and a stop
 * that leaves nothing running.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient, MongoServerError } from 'mongodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type {
  ConfigUpdateResult,
  ConfigView,
  HealthReport,
  LogEntryView,
  StatusView,
} from '../../sync/api/contract.js';
import { readApiDiscovery } from '../../sync/api/http-server.js';
import { startOutpost, type OutpostInstance } from '../../sync/api/serve.js';
import { loadConfig, type ConfigPatch } from '../../sync/config/index.js';
import { createCentralWriter } from '../../sync/central/writer.js';
import { loadLocalAuth } from '../../sync/mongod/index.js';
import { findFreePort, isPortFree } from '../../sync/util/ports.js';
import { uniqueDbName } from '../harness/db-names.js';
import { testDir } from '../harness/mongods.js';
import { recordPid } from '../harness/processes.js';
import { testInstance } from '../harness/instance.js';
import { runOutpost as outpost } from '../harness/run-outpost.js';
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

async function start(name: string, patch: ConfigPatch, prepare: string[] = [], dir?: string) {
  const dataDir = dir ?? (await testDir(`serve-${name}`));
  const config = await loadConfig({
    overrides: {
      dataDir,
      local: { port: await findFreePort() },
      api: { port: 0 },
      log: { level: 'warn' },
      ...patch,
    },
  });
  const instance = await startOutpost({
    config,
    mongodBinary: inject('mongo').binary,
    machineId: () => `test-machine-${name}`,
    prepareLocal: async (local) => {
      for (const db of prepare) await local.db(db).createCollection('sales');
    },
  });
  return track(instance);
}

/** Stopped and its data removed after the test; its mongod is killed if the run dies. */
function track(instance: OutpostInstance): OutpostInstance {
  started.push(instance);
  const state = instance.supervisor.state;
  if (state.name === 'running') recordPid(state.pid);
  return instance;
}

/** GET of an API route with the instance's token, as a monitoring probe would send it. */
async function apiGet(instance: OutpostInstance, route: string, token?: string) {
  const bearer = token ?? (await readFile(instance.api.tokenFile, 'utf8')).trim();
  return fetch(`${instance.api.url}${route}`, { headers: { Authorization: `Bearer ${bearer}` } });
}

/** The server error code of a read without a password (undefined when it is allowed). */
async function anonymousRead(instance: OutpostInstance, db: string): Promise<number | undefined> {
  const port = instance.config.local.port;
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`);
  try {
    await client.db(db).collection('sales').findOne({});
    return undefined;
  } catch (error) {
    if (error instanceof MongoServerError) return error.code as number;
    throw error;
  } finally {
    await client.close();
  }
}

const checkOf = (report: HealthReport, name: string) =>
  report.checks.find((check) => check.name === name);

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

      // A new data directory's mongod is password-protected: the POS connects as its own user,
      // the engine as Outpost's.
      expect(instance.localUri).toMatch(
        /^mongodb:\/\/pos:[\w-]+@127\.0\.0\.1:\d+\/\?replicaSet=outpost&authSource=admin$/,
      );
      expect(await anonymousRead(instance, db)).toBe(13);
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

      // The API: health with the token (not without), and the CLI finds the instance by its data
      // directory and reports the engine's state.
      expect(instance.api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await apiGet(instance, '/api/health', 'not-the-token')).status).toBe(401);
      const healthReply = await apiGet(instance, '/api/health');
      const health = (await healthReply.json()) as HealthReport;
      expect(healthReply.status).toBe(health.status === 'fail' ? 503 : 200);
      expect(health.instanceId).toBe(instance.instanceId);
      expect(checkOf(health, 'sync-enabled')?.status).toBe('pass');
      expect(checkOf(health, 'worker')?.status).toBe('pass');
      expect(checkOf(health, 'local-database')?.status).toBe('pass');
      const cli = await outpost(['status', '--json', '-d', instance.layout.dataDir]);
      expect(cli.err).toBe('');
      const reported = JSON.parse(cli.out) as { status: StatusView; health: HealthReport };
      expect(cli.code).toBe(reported.health.status === 'fail' ? 1 : 0);
      expect(reported.status.instanceId).toBe(instance.instanceId);
      expect(['syncing', 'idle']).toContain(reported.status.state.name);
      expect(reported.status.localMongod).toMatchObject({
        ok: true,
        port: instance.config.local.port,
      });

      const port = instance.config.local.port;
      let engineState = '';
      instance.engine?.onStateChange((state) => (engineState = state.name));
      await instance.stop();
      expect(engineState).toBe('stopped');
      // Its clients are closed now: status() answers from the last counts it read, at once.
      const last = await instance.engine?.status();
      expect(last).toMatchObject({ state: { name: 'stopped' }, outboxDepth: 0, openConflicts: 0 });
      expect(Object.keys(last?.loops ?? {}).sort()).toEqual(
        [`capture:${db}`, 'heartbeat', `pull:${db}`, 'push'].sort(),
      );
      expect(instance.supervisor.state.name).toBe('stopped');
      expect(await isPortFree(port)).toBe(true);
      // The API went first: gone, and unpublished, so the CLI says so instead of hanging.
      await expect(apiGet(instance, '/api/health')).rejects.toThrow();
      expect(await readApiDiscovery(instance.layout.dataDir)).toBeUndefined();
      const after = await outpost(['status', '-d', instance.layout.dataDir]);
      expect(after.code).toBe(3);
      expect(after.err).toContain('[INSTANCE_UNREACHABLE]');
      await instance.stop(); // idempotent
    } finally {
      await central.close();
    }
  });

  it('syncs a site database with a central database of another name (central.database)', async () => {
    const local = uniqueDbName('till');
    const chain = uniqueDbName('chain');
    const central = new MongoClient(inject('mongo').central);
    try {
      await central.db(chain).createCollection('sales');
      const instance = await start(
        'mapped',
        {
          central: { uri: inject('mongo').central, database: chain },
          databases: [{ name: local }],
        },
        [local],
      );
      const pos = new MongoClient(instance.localUri);
      try {
        await pos
          .db(local)
          .collection('sales')
          .insertOne({ _id: 'till-sale' as never, total: 9 });
        await waitFor(
          'the sale in central’s database of its own name',
          async () =>
            (await central
              .db(chain)
              .collection('sales')
              .countDocuments({ _id: 'till-sale' as never })) === 1,
        );
        await createCentralWriter(central, 'head-office').insert(chain, 'sales', {
          _id: 'from-head-office',
          total: 1,
        });
        await waitFor(
          'head office’s record at the site',
          async () =>
            (await pos
              .db(local)
              .collection('sales')
              .countDocuments({ _id: 'from-head-office' as never })) === 1,
        );
        // Nothing went to a central database named as the site's.
        expect(
          (await central.db(local).listCollections().toArray()).map((c) => c.name),
        ).not.toContain('sales');
      } finally {
        await pos.close();
      }
    } finally {
      await central.db(chain).dropDatabase();
      await central.close();
    }
  });

  it('runs local-only without a central connection string', async () => {
    const instance = await start('local-only', { databases: [{ name: 'pos' }] });
    expect(instance.engine.context).toBeUndefined();
    expect(instance.sync).toMatchObject({ enabled: false, reason: 'no-central-uri' });
    const pos = new MongoClient(instance.localUri);
    try {
      await pos.db('pos').collection('sales').insertOne({ total: 1 });
      expect(await pos.db('pos').collection('sales').countDocuments()).toBe(1);
    } finally {
      await pos.close();
    }

    // The API still answers, and says why nothing is synced.
    const status = (await (await apiGet(instance, '/api/status')).json()) as StatusView;
    expect(status.state).toMatchObject({ name: 'local-only' });
    expect(status.state.name === 'local-only' && status.state.reason).toContain('central.uri');
    const healthReply = await apiGet(instance, '/api/health');
    const health = (await healthReply.json()) as HealthReport;
    expect(checkOf(health, 'sync-enabled')).toMatchObject({ status: 'warn' });
    expect(checkOf(health, 'sync-enabled')?.message).toContain('local-only mode');
    expect(checkOf(health, 'worker')?.status).toBe('pass');
    expect(checkOf(health, 'local-database')?.status).toBe('pass');
    // Backups are scheduled by default, the first soon after start.
    expect(checkOf(health, 'backup')).toMatchObject({
      status: 'pass',
      message: 'No backup made yet; the first is made soon after start.',
    });
    expect(healthReply.status).toBe(health.status === 'fail' ? 503 : 200);
    const cli = await outpost(['status', '--json', '-d', instance.layout.dataDir]);
    expect(JSON.parse(cli.out)).toMatchObject({ status: { state: { name: 'local-only' } } });
    const human = await outpost(['status', '-d', instance.layout.dataDir]);
    expect(human.out).toMatch(/^state\s+local-only since .*: No central connection string/m);
    const pause = await outpost(['pause', '-d', instance.layout.dataDir]);
    expect(pause.code).toBe(1);
    expect(pause.err).toContain('[INVALID_STATE]');
  });

  it('puts saved settings into effect without a restart: central, rules, and a pause kept', async () => {
    const db = uniqueDbName('live');
    const central = new MongoClient(inject('mongo').central);
    // Everything in the file, as an operator's would be: settings are read back from it.
    const setup = await testInstance('serve-live-config', {
      databases: [{ name: db }],
      exclude: ['orders'],
    });
    const { dataDir, file } = setup;
    try {
      await central.db(db).createCollection('sales');
      const instance = track(await setup.start());
      const events: string[] = [];
      instance.engine.onStateChange((next) => events.push(next.name));
      const pos = new MongoClient(instance.localUri);
      const site = pos.db(db);
      await site.collection('sales').insertOne({ _id: 'sold-local-only' as never, total: 1 });
      await site.collection('orders').insertOne({ _id: 'order-1' as never, total: 2 });
      const call = (patch: ConfigPatch) =>
        instance.handlers.invoke('config:update', { patch }) as Promise<ConfigUpdateResult>;
      const atCentral = (coll: string) => central.db(db).collection(coll).countDocuments();

      // Local-only until a central connection string is saved; then syncing, no restart.
      expect((await instance.engine.status()).state.name).toBe('local-only');
      const connected = await call({ central: { uri: inject('mongo').central } });
      expect(connected).toMatchObject({
        applied: ['central.uri'],
        restartFor: [],
        restartRequired: false,
      });
      expect(instance.sync.enabled).toBe(true);
      await waitFor('the local-only sale at central', async () => (await atCentral('sales')) === 1);
      // Listeners subscribed to the instance's engine follow the new one.
      expect(events).toContain('starting');
      expect(events).not.toContain('local-only');
      expect(await atCentral('orders')).toBe(0);

      // A rule change: orders are no longer excluded, and the ones already sold are sent too.
      await instance.engine.pause();
      const ruled = await call({ exclude: [] });
      expect(ruled).toMatchObject({ applied: ['exclude'], restartRequired: false });
      // The pause outlives the engine's replacement.
      expect((await instance.engine.status()).state.name).toBe('paused');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await atCentral('orders')).toBe(0);
      await instance.engine.resume();
      await waitFor('the old order at central', async () => (await atCentral('orders')) === 1);
      const config = (await instance.handlers.invoke('config:get', undefined)) as ConfigView;
      expect(config.config['exclude']).toEqual([]);

      // What mongod was started with waits for a restart, and says so.
      const port = await call({ local: { port: instance.config.local.port + 1 } });
      expect(port).toMatchObject({
        applied: [],
        restartFor: ['local.port'],
        restartRequired: true,
      });
      const cli = await outpost(['config', 'set', 'sync.batchSize', '50', '-d', dataDir]);
      expect(cli.out).toBe('Saved sync.batchSize to ' + file + '. In effect now.');
      expect(instance.config.sync.batchSize).toBe(50);
      // Settings changed while the till keeps selling: each change replaces the engine, and every
      // sale still reaches central once.
      let selling = true;
      let sold = 0;
      const till = (async () => {
        while (selling) {
          await site.collection('sales').insertOne({ _id: `busy-${sold}` as never, total: sold });
          sold += 1;
        }
      })();
      for (const batchSize of [7, 500, 13]) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await call({ sync: { batchSize } })).toMatchObject({ applied: ['sync.batchSize'] });
      }
      selling = false;
      await till;
      expect(sold).toBeGreaterThan(10);
      await waitFor(
        'every sale at central',
        async () => (await atCentral('sales')) === 1 + sold,
        60_000,
      );
      const busy = await central
        .db(db)
        .collection('sales')
        .find({ _id: { $regex: /^busy-/ } as never })
        .toArray();
      expect(busy.every((doc) => String(doc['_id']) === `busy-${String(doc['total'])}`)).toBe(true);
      await pos.close();
    } finally {
      await central.db(db).dropDatabase();
      await central.close();
    }
  });

  it('applies a config file edited by hand; an edit that does not load changes nothing', async () => {
    const db = uniqueDbName('edited');
    const central = new MongoClient(inject('mongo').central);
    const setup = await testInstance('serve-edited-config', { databases: [{ name: db }] });
    const { dataDir, file } = setup;
    const settings = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    try {
      const instance = track(await setup.start());
      const pos = new MongoClient(instance.localUri);
      const sales = pos.db(db).collection('sales');
      const atCentral = (id: string) =>
        central
          .db(db)
          .collection('sales')
          .countDocuments({ _id: id as never });
      /** The newest sync log entry of `event` that `match` accepts, once there is one. */
      const logged = async (
        event: string,
        match: (entry: LogEntryView) => boolean = () => true,
      ) => {
        let found: LogEntryView | undefined;
        await waitFor(`${event} in the sync log`, async () => {
          const { entries } = (await instance.handlers.invoke('log:list', { event })) as {
            entries: LogEntryView[];
          };
          found = entries.find(match);
          return found !== undefined;
        });
        return found!;
      };
      await sales.insertOne({ _id: 'before-central' as never, total: 1 });
      expect(instance.sync.enabled).toBe(false);

      // The operator adds central to the file in an editor: no command, no restart.
      const syncing = { ...settings, central: { uri: inject('mongo').central } };
      await writeFile(file, JSON.stringify(syncing, null, 2));
      await waitFor('the edit applied', () => Promise.resolve(instance.sync.enabled));
      await waitFor(
        'the earlier sale at central',
        async () => (await atCentral('before-central')) === 1,
      );

      // A typo: reported where Activity shows it, and the running settings stay.
      await writeFile(file, JSON.stringify(syncing).replace('"databases":', '"databases"'));
      const failure = await logged('config.reload-failed');
      expect(failure.level).toBe('error');
      expect(failure.attributes['code']).toBe('CONFIG_UNREADABLE');
      expect(failure.attributes['message']).toMatch(/line 1, column \d+/);
      expect(failure.attributes['message']).toContain(
        'The running settings stay as they were; saving the file again applies it.',
      );
      expect(instance.sync.enabled).toBe(true);
      expect(instance.config.databases.map((d) => d.name)).toEqual([db]);
      await sales.insertOne({ _id: 'after-typo' as never, total: 2 });
      await waitFor(
        'a sale after the typo at central',
        async () => (await atCentral('after-typo')) === 1,
      );

      // A file taken away is not "every setting back to its default".
      await rm(file);
      const gone = await outpost(['config', 'reload', '-d', dataDir]);
      expect(gone.code).toBe(1);
      expect(gone.err).toContain(`There is no config file at ${file}`);
      expect(instance.sync.enabled).toBe(true);

      // Put back with a new port for the local mongod: that waits for a restart, and says so.
      const port = instance.config.local.port + 1;
      await writeFile(file, JSON.stringify({ ...syncing, local: { port } }));
      await waitFor('the port read', () => Promise.resolve(instance.config.local.port === port));
      const reloaded = await logged(
        'config.reloaded',
        (entry) => JSON.stringify(entry.attributes['restartFor']) === '["local.port"]',
      );
      expect(reloaded.attributes['file']).toBe(file);
      const again = await outpost(['config', 'reload', '-d', dataDir]);
      expect(again.out).toBe(`Read ${file} again: nothing changed.`);
      // Still the mongod it started with.
      await sales.insertOne({ _id: 'after-port' as never, total: 3 });
      await waitFor(
        'a sale after the port edit at central',
        async () => (await atCentral('after-port')) === 1,
      );
      await pos.close();
    } finally {
      await central.db(db).dropDatabase();
      await central.close();
    }
  });

  it('keeps a data directory made before access control open until local.auth is true', async () => {
    const dataDir = await testDir('serve-auth-upgrade');
    // Each start is stopped (idempotent) and the data directory removed after the test.
    const run = async (auth: boolean | undefined) =>
      start(
        'auth-upgrade',
        {
          local: { port: await findFreePort(), ...(auth === undefined ? {} : { auth }) },
          databases: [{ name: 'pos' }],
        },
        [],
        dataDir,
      );
    // Set up as an older Outpost did: no passwords.
    const old = await run(false);
    expect(old.localUri).not.toContain('@');
    const pos = new MongoClient(old.localUri);
    await pos
      .db('pos')
      .collection('sales')
      .insertOne({ _id: 'before' as never, total: 1 });
    await pos.close();
    await old.stop();

    // Unset: its POS still connects without a password, and nothing is made.
    const kept = await run(undefined);
    expect(kept.localUri).not.toContain('@');
    expect(await anonymousRead(kept, 'pos')).toBeUndefined();
    expect(await loadLocalAuth(dataDir)).toBeUndefined();
    // Health says so, and what to do.
    const open = checkOf(
      (await (await apiGet(kept, '/api/health')).json()) as HealthReport,
      'local-database',
    );
    expect(open).toMatchObject({ status: 'warn' });
    expect(open?.message).toContain('without a password');
    expect(open?.message).toContain('local.auth');
    await kept.stop();

    // Asked for: users made on the existing data, which the POS reaches with its password only.
    const locked = await run(true);
    expect(locked.localUri).toContain('pos:');
    expect(await anonymousRead(locked, 'pos')).toBe(13);
    const closed = checkOf(
      (await (await apiGet(locked, '/api/health')).json()) as HealthReport,
      'local-database',
    );
    expect(closed).toMatchObject({ status: 'pass' });
    const client = new MongoClient(locked.localUri);
    try {
      expect(await client.db('pos').collection('sales').findOne({})).toEqual({
        _id: 'before',
        total: 1,
      });
    } finally {
      await client.close();
    }
  });

  it('starts while central is unreachable, reports the engine offline, and raises an alert', async () => {
    const closedPort = await findFreePort();
    const posts: Record<string, unknown>[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        posts.push(JSON.parse(body) as Record<string, unknown>);
        res.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const port = (hook.address() as AddressInfo).port;
      const instance = await start('offline', {
        central: { uri: `mongodb://127.0.0.1:${closedPort}/?directConnection=true` },
        databases: [{ name: 'pos' }],
        health: { centralDownFailMs: 2_000 },
        alerts: { webhookUrl: `http://127.0.0.1:${port}/alerts`, intervalMs: 1_000 },
      });
      const heard: string[] = [];
      instance.alerts.on((alert) => heard.push(`${alert.check}:${alert.status}`));
      await waitFor(
        'engine offline',
        async () => (await instance.engine.status()).state.name === 'offline',
        30_000,
      );
      // Central down longer than centralDownFailMs: the check fails, and that is announced.
      await waitFor('the alert posted', () =>
        posts.some((p) => p['check'] === 'central-database' && p['status'] === 'fail'),
      );
      expect(heard).toContain('central-database:fail');
      expect(posts.find((p) => p['check'] === 'central-database')).toMatchObject({
        kind: 'raised',
        instanceId: instance.instanceId,
      });
      const log = (await instance.handlers.invoke('log:list', { event: 'alert.raised' })) as {
        entries: { level: string; attributes: Record<string, unknown> }[];
      };
      expect(
        log.entries.find((entry) => entry.attributes['check'] === 'central-database'),
      ).toMatchObject({
        level: 'error',
        attributes: { check: 'central-database', status: 'fail' },
      });
      // The webhook's address is not shown whole: it may hold a secret.
      const config = (await instance.handlers.invoke('config:get', undefined)) as ConfigView;
      expect((config.config['alerts'] as { webhookUrl: string }).webhookUrl).toBe(
        `http://127.0.0.1:${port}/***`,
      );
    } finally {
      hook.close();
    }
  });
});
