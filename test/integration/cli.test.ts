/**
 * The CLI commands against a running API (a harness engine behind createApiServer, found through
 * the data directory as `outpost serve` publishes it), and doctor against the harness mongods.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { Timestamp } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerAll, exitCodeFor } from '../../sync/api/cli/index.js';
import type { CliContext } from '../../sync/api/cli/context.js';
import type { SyncRunView } from '../../sync/api/contract.js';
import { createApiHandlers, type ApiHandlers } from '../../sync/api/handlers.js';
import {
  apiTokenFile,
  createApiServer,
  writeApiDiscovery,
  type ApiServer,
} from '../../sync/api/http-server.js';
import { loadConfig } from '../../sync/config/index.js';
import { findFreePort } from '../../sync/util/ports.js';
import { createCluster, waitFor, type TestCluster } from '../harness/sync-cluster.js';

interface Run {
  code: number;
  out: string;
  err: string;
  json<T = Record<string, unknown>>(): T;
}

/** One command line through a program built as sync/api/cli.ts builds it. */
async function outpost(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    onStopSignal: () => () => undefined,
    devMongodBinary: undefined,
  };
  const program = new Command('outpost')
    .exitOverride()
    .configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
  registerAll(program, context);
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    code = exitCodeFor(error);
  }
  const text = out.join('\n');
  return { code, out: text, err: err.join('\n'), json: <T>() => JSON.parse(text) as T };
}

describe('CLI against a running instance', () => {
  let cluster: TestCluster;
  let dir: string;
  let handlers: ApiHandlers;
  let server: ApiServer | undefined;

  beforeAll(async () => {
    cluster = await createCluster({ sites: 1 });
    const site = cluster.sites[0]!;
    dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-cli-'));
    const configFile = path.join(dir, 'outpost.json');
    await writeFile(configFile, JSON.stringify({ dataDir: dir, siteId: 'shop-1' }));
    const config = await loadConfig({ file: configFile });
    handlers = createApiHandlers({
      engine: site.engine,
      config,
      configFile,
      instanceId: site.instanceId,
    });
    server = await createApiServer({
      handlers,
      host: '127.0.0.1',
      port: 0,
      tokenFile: apiTokenFile(dir),
    });
    await writeApiDiscovery(dir, server.url);
  });
  afterAll(async () => {
    await server?.close();
    handlers?.close();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('status: JSON for scripts, a table for people, exit 0 when healthy', async () => {
    const json = await outpost(['status', '--json', '-d', dir]);
    expect(json.code).toBe(0);
    const parsed = json.json<{
      status: { instanceId: string };
      health: { status: string; checks: unknown[] };
    }>();
    expect(parsed.status.instanceId).toBe(cluster.sites[0]!.instanceId);
    expect(parsed.health.checks).toHaveLength(12);
    expect(parsed.health.status).not.toBe('fail');

    const human = await outpost(['status'], { OUTPOST_DATA_DIR: dir });
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/^instance\s+site-a-/m);
    expect(human.out).toMatch(/^CHECK\s+STATUS\s+DETAIL$/m);
    expect(human.out).toMatch(/^queue-size\s+ok\s+0 local changes waiting to be pushed\.$/m);
  });

  it('pause, resume and sync', async () => {
    const paused = await outpost(['pause', '--json', '-d', dir]);
    expect(paused.code).toBe(0);
    expect(paused.json()).toMatchObject({ state: { name: 'paused' } });
    expect((await outpost(['status', '--json', '-d', dir])).json()).toMatchObject({
      status: { state: { name: 'paused' } },
      health: { status: 'warn' },
    });
    const resumed = await outpost(['resume', '-d', dir]);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/^Sync resumed; the engine is /);
    expect((await outpost(['sync', '-d', dir])).code).toBe(0);
  });

  it('sync --wait reports what moved once everything is across, and exits 1 when it cannot be', async () => {
    const site = cluster.sites[0]!;
    await site.db
      .collection('sales')
      .insertMany([1, 2, 3].map((i) => ({ _id: `wait-${i}`, total: i })) as never[]);
    await cluster.headOffice.insert(cluster.dbName, 'products', { _id: 'wait-p', price: 5 });
    const run = await outpost(['sync', '--wait', '--json', '-d', dir]);
    expect(run.code).toBe(0);
    const { run: report } = run.json<{ run: SyncRunView }>();
    expect(report).toMatchObject({ complete: true, waiting: 0, failures: 0 });
    // By collection, adding up to the totals.
    const sum = (pick: (c: SyncRunView['collections'][number]) => number) =>
      report.collections.reduce((total, c) => total + pick(c), 0);
    expect(sum((c) => c.pushed)).toBe(report.pushed);
    expect(sum((c) => c.pulled)).toBe(report.pulled);
    expect(report.collections.every((c) => c.db === cluster.dbName)).toBe(true);
    // Capture may have sent some before the request; what was waiting then is across now.
    expect(await cluster.centralDb.collection('sales').countDocuments({ _id: /^wait-/ })).toBe(3);
    expect(await site.db.collection('products').countDocuments({ _id: 'wait-p' as never })).toBe(1);
    const human = await outpost(['sync', '--wait', '-d', dir]);
    expect(human.out).toMatch(
      /^In sync after \d+\.\d s: \d+ sent, \d+ received, 0 conflict\(s\)\.$/,
    );

    site.proxy.cut();
    try {
      await site.db.collection('sales').insertOne({ _id: 'wait-offline' as never, total: 4 });
      await waitFor('the sale queued', async () => (await site.engine.status()).outboxDepth >= 1);
      const stuck = await outpost(['sync', '--wait', '--timeout', '3', '-d', dir]);
      expect(stuck.code).toBe(1);
      expect(stuck.out).toMatch(
        /^Not done after \d+\.\d s: 1 change\(s\) still waiting; the engine is /,
      );
    } finally {
      site.proxy.restore();
    }
    expect((await outpost(['sync', '--wait', '-d', dir])).code).toBe(0);
    expect(
      await cluster.centralDb.collection('sales').countDocuments({ _id: 'wait-offline' as never }),
    ).toBe(1);
  });

  it('conflicts lists, resolve and auto-resolve report that they are not available yet', async () => {
    expect((await outpost(['conflicts', '--json', '-d', dir])).json()).toEqual({ conflicts: [] });
    expect((await outpost(['conflicts', '--state', 'all', '-d', dir])).out).toBe('No conflicts.');
    const resolve = await outpost([
      'resolve',
      '65a1b2c3d4e5f60718293a4b',
      '--keep',
      'site',
      '-d',
      dir,
    ]);
    expect(resolve.code).toBe(1);
    expect(resolve.err).toContain('[NOT_IMPLEMENTED]');
    const auto = await outpost(['auto-resolve', '--json', '-d', dir]);
    expect(auto.code).toBe(1);
    expect(auto.json()).toMatchObject({ error: { code: 'NOT_IMPLEMENTED' } });
    // A malformed id is refused by the instance's schema: a usage error.
    expect((await outpost(['resolve', 'nope', '--keep', 'site', '-d', dir])).code).toBe(2);
  });

  it('quarantine lists what was set aside, and retry writes it once its cause is fixed', async () => {
    const site = cluster.sites[0]!;
    const numericTotal = {
      $jsonSchema: { properties: { total: { bsonType: ['int', 'double'] } } },
    };
    await cluster.centralDb.command({ collMod: 'sales', validator: numericTotal });
    await site.db.command({
      collMod: 'products',
      validator: { $jsonSchema: { required: ['price'] } },
    });
    await site.db.collection('sales').insertOne({ _id: 'bad-sale' as never, total: 'ten' });
    await cluster.headOffice.insert(cluster.dbName, 'products', { _id: 'no-price', name: 'tea' });
    type Item = { direction: string; coll: string; docId: unknown; code: number };
    const setAside = async () =>
      (await outpost(['quarantine', '--json', '-d', dir])).json<{ items: Item[] }>().items;
    await waitFor('both set aside', async () => (await setAside()).length === 2);
    expect(
      (await setAside()).map(({ direction, coll, docId, code }) => [direction, coll, docId, code]),
    ).toEqual(
      expect.arrayContaining([
        ['push', 'sales', 'bad-sale', 121],
        ['pull', 'products', 'no-price', 121],
      ]),
    );
    const table = await outpost(['quarantine', '--collection', 'sales', '-d', dir]);
    expect(table.out).toMatch(/^DIRECTION\s+COLLECTION\s+DOCUMENT\s+CODE/m);
    expect(table.out).toMatch(/^to central\s+\S+\.sales\s+bad-sale\s+121\s/m);

    // The site still refuses the product: it stays set aside.
    const early = await outpost([
      'quarantine',
      '--retry',
      '--collection',
      'products',
      '--json',
      '-d',
      dir,
    ]);
    expect(early.json()).toEqual({ queued: 0, applied: 0, refusedAgain: 1 });

    await cluster.centralDb.command({ collMod: 'sales', validator: {} });
    await site.db.command({ collMod: 'products', validator: {} });
    const retried = await outpost(['quarantine', '--retry', '--id', 'bad-sale', '-d', dir]);
    expect(retried.out).toBe(
      '1 change(s) from this site queued to be sent again; 0 from central applied; 0 refused again and still set aside.',
    );
    expect((await outpost(['quarantine', '--retry', '--json', '-d', dir])).json()).toEqual({
      queued: 0,
      applied: 1,
      refusedAgain: 0,
    });
    await waitFor('the sale at central', async () =>
      Boolean(await cluster.centralDb.collection('sales').findOne({ _id: 'bad-sale' as never })),
    );
    expect(await site.db.collection('products').findOne({ _id: 'no-price' as never })).toEqual({
      _id: 'no-price',
      name: 'tea',
    });
    expect(await setAside()).toEqual([]);
    expect((await outpost(['quarantine', '-d', dir])).out).toBe('Nothing is set aside.');
    const bad = await outpost(['quarantine', '--retry', '--id', '{oops', '-d', dir]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('is not JSON');
  });

  it('queue lists what waits to be sent, with failed tries and the last error', async () => {
    const site = cluster.sites[0]!;
    expect((await outpost(['queue', '-d', dir])).out).toBe('Nothing is waiting.');
    site.proxy.cut();
    try {
      await site.db.collection('sales').insertOne({ _id: 'queued-offline' as never, total: 4 });
      await waitFor('a failed try', async () => {
        const view = (await outpost(['queue', '--failing', '--json', '-d', dir])).json<{
          total: number;
        }>();
        return view.total === 1;
      });
      const listed = await outpost(['queue', '--json', '-d', dir]);
      expect(listed.json()).toMatchObject({
        total: 1,
        entries: [
          {
            db: cluster.dbName,
            coll: 'sales',
            docId: 'queued-offline',
            op: 'upsert',
            attempts: expect.any(Number) as number,
            lastError: expect.stringMatching(/.+/) as string,
            parked: false,
          },
        ],
      });
      const human = await outpost(['queue', '-d', dir]);
      expect(human.out).toMatch(/^COLLECTION\s+DOCUMENT\s+CHANGE\s+SINCE\s+STATE\s+FAILED/);
      expect(human.out).toMatch(/sales\s+queued-offline\s+write\s+\S+\s+(retry at|due now)/);
      const other = await outpost(['queue', '--collection', 'orders', '-d', dir]);
      expect(other.out).toBe('Nothing is waiting.');
    } finally {
      site.proxy.restore();
    }
    await waitFor(
      'the queue drained',
      async () => (await outpost(['queue', '-d', dir])).out === 'Nothing is waiting.',
    );
    expect(
      await cluster.centralDb
        .collection('sales')
        .countDocuments({ _id: 'queued-offline' as never }),
    ).toBe(1);
  });

  it('sites lists the registry; --retire takes a gone site out, so its delete records go', async () => {
    const registry = cluster.centralDb.collection('outpost_sites');
    const tombstones = cluster.centralDb.collection('outpost_tombstones');
    const gone = { hostname: 'old-till', version: '0.1.0', sessionId: 's', machineHash: 'h' };
    await registry.insertMany([
      // Never read central: every delete record is kept for it.
      {
        _id: 'closed-shop' as never,
        ...gone,
        lastSeen: new Date(Date.now() - 600_000),
        pullCt: null,
      },
      {
        _id: 'live-shop' as never,
        ...gone,
        hostname: 'busy-till',
        lastSeen: new Date(),
        pullCt: new Timestamp({ t: 4_000_000_000, i: 0 }),
      },
    ]);
    await cluster.headOffice.insert(cluster.dbName, 'products', { _id: 'old-line', price: 1 });
    await cluster.headOffice.delete(cluster.dbName, 'products', 'old-line');
    expect(await tombstones.countDocuments()).toBe(1);

    type Site = { instanceId: string; self: boolean; holdsTombstones: boolean };
    const { sites } = (await outpost(['sites', '--json', '-d', dir])).json<{ sites: Site[] }>();
    expect(
      sites.map(({ instanceId, self, holdsTombstones }) => [instanceId, self, holdsTombstones]),
    ).toEqual(
      expect.arrayContaining([
        [cluster.sites[0]!.instanceId, true, false],
        ['closed-shop', false, true],
        ['live-shop', false, false],
      ]),
    );
    const table = await outpost(['sites', '-d', dir]);
    expect(table.out).toMatch(/^INSTANCE\s+HOST\s+DATABASE\s+VERSION\s+LAST SEEN/m);
    expect(table.out).toMatch(/^site-a-\S+ \(this site\)/m);
    expect(table.out).toMatch(/^closed-shop\s+old-till\s.*\syes$/m);

    const live = await outpost(['sites', '--retire', 'live-shop', '-d', dir]);
    expect(live.code).toBe(1);
    expect(live.err).toContain('still running');
    const self = await outpost(['sites', '--retire', cluster.sites[0]!.instanceId, '-d', dir]);
    expect(self.err).toContain('is this site');
    expect((await outpost(['sites', '--retire', 'nowhere', '-d', dir])).err).toContain(
      'No site nowhere is registered',
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await tombstones.countDocuments()).toBe(1);

    const retired = await outpost(['sites', '--retire', 'closed-shop', '-d', dir]);
    expect(retired.out).toBe(
      'Retired closed-shop from 1 database(s); central no longer keeps delete records for it.',
    );
    await waitFor(
      'the delete record collected',
      async () => (await tombstones.countDocuments()) === 0,
    );
    expect(await registry.countDocuments({ _id: 'closed-shop' as never })).toBe(0);
  });

  it('config get and set', async () => {
    const batch = await outpost(['config', 'get', 'sync.batchSize', '-d', dir]);
    expect(batch).toMatchObject({ code: 0, out: '500' });
    expect((await outpost(['config', 'get', '--json', '-d', dir])).json()).toMatchObject({
      config: { siteId: 'shop-1' },
      file: path.join(dir, 'outpost.json'),
    });
    const set = await outpost(['config', 'set', 'health.queueWarn', '10', '--json', '-d', dir]);
    expect(set.code).toBe(0);
    expect(set.json()).toMatchObject({
      saved: { health: { queueWarn: 10 } },
      restartRequired: true,
    });
    const bad = await outpost(['config', 'set', 'sync.batchSize', '-5', '-d', dir]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('sync.batchSize');
    expect((await outpost(['config', 'get', 'no.such.key', '-d', dir])).code).toBe(2);
  });

  it('exits 3 when the instance is gone', async () => {
    await server!.close();
    server = undefined;
    const gone = await outpost(['status', '-d', dir]);
    expect(gone.code).toBe(3);
    expect(gone.err).toContain('ECONNREFUSED');
    expect((await outpost(['status', '-d', path.join(dir, 'elsewhere')])).code).toBe(3);
  });
});

describe('doctor', () => {
  let dir: string;
  let blocker: net.Server | undefined;
  const held = new Set<net.Socket>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-doctor-'));
  });
  afterAll(async () => {
    // The doctor's probe leaves its half-done handshake open on our side: end it ourselves.
    blocker?.close();
    for (const socket of held) socket.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes against the harness: mongod found, ports free, central a replica set with change streams', async () => {
    const mongo = inject('mongo');
    const file = path.join(dir, 'good.json');
    await writeFile(
      file,
      JSON.stringify({
        dataDir: path.join(dir, 'data'),
        central: { uri: mongo.central },
        local: { mongodPath: mongo.binary, port: await findFreePort() },
        api: { port: 0 },
        databases: [{ name: 'doctor_probe' }],
      }),
    );
    const run = await outpost(['doctor', '--json', '-c', file]);
    const report = run.json<{
      status: string;
      checks: { name: string; status: string; message: string }[];
    }>();
    const status = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
    expect(status).toMatchObject({
      config: 'pass',
      'mongod-binary': 'pass',
      'local-port': 'pass',
      'api-port': 'pass',
      'central-reachable': 'pass',
      'central-topology': 'pass',
      'change-streams': 'pass',
      'clock-skew': 'pass',
    });
    expect(report.checks.find((c) => c.name === 'central-topology')?.message).toContain(
      'replica set',
    );
    expect(run.code).toBe(report.status === 'fail' ? 1 : 0);
    expect(report.status).not.toBe('fail');
  });

  it('fails with what to fix: missing mongod, a foreign program on the port, unreachable central', async () => {
    blocker = net.createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as net.AddressInfo).port;
    const file = path.join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        dataDir: path.join(dir, 'data'),
        central: { uri: `mongodb://127.0.0.1:${await findFreePort()}/?directConnection=true` },
        local: { mongodPath: path.join(dir, 'no-such-mongod'), port: busyPort },
        api: { port: 0 },
      }),
    );
    const run = await outpost(['doctor', '-c', file]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/^mongod-binary\s+FAIL\s+/m);
    expect(run.out).toMatch(
      /^local-port\s+FAIL\s+Port \d+ \(local\.port\) is used by another program\.$/m,
    );
    expect(run.out).toMatch(/^central-reachable\s+FAIL\s+/m);
    expect(run.out).toContain('What to fix:');
    expect(run.out).toMatch(/^\d\. local-port: Stop the program listening on 127\.0\.0\.1:\d+/m);
  });

  it('reports a config it cannot load as the thing to fix', async () => {
    const run = await outpost(['doctor', '--json'], {});
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({
      status: 'fail',
      checks: [{ name: 'config', status: 'fail' }],
    });
  });
});
