import { Writable } from 'node:stream';
import { MongoClient, type Document } from 'mongodb';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { engineClientOptions } from '../../sync/engine/client-options.js';
import { createSyncEngine } from '../../sync/engine/create-engine.js';
import {
  converged,
  createCluster,
  waitFor,
  type CentralSync,
  type TestCluster,
} from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('sync engine: capture, push, pull', () => {
  it('carries a site write to central and to the other site, stamped with _sync', async () => {
    cluster = await createCluster({ sites: 2 });
    const [a, b] = cluster.sites as [
      NonNullable<TestCluster['sites'][0]>,
      NonNullable<TestCluster['sites'][0]>,
    ];
    await a.db
      .collection('sales')
      .insertOne({ _id: 's1' as never, total: 10, items: [{ sku: 'A', qty: 1 }] });
    await waitFor(
      'sale at site b',
      async () => (await b.db.collection('sales').findOne({ _id: 's1' as never })) !== null,
    );
    // The commit-time stamp follows the insert (push does not wait for it).
    let atCentral: Document | null = null;
    await waitFor('the commit time stamped at central', async () => {
      atCentral = await cluster!.centralDb.collection('sales').findOne({ _id: 's1' as never });
      return (atCentral?.['_sync'] as CentralSync | undefined)?.ct !== undefined;
    });
    expect(atCentral!['_sync']).toMatchObject({ o: a.instanceId });
    const sync = atCentral!['_sync'] as CentralSync;
    expect(typeof sync.v).toBe('string');
    expect(sync.ct?._bsontype).toBe('Timestamp');
    // Local data stays clean: no _sync at the sites.
    expect(await b.db.collection('sales').findOne({ _id: 's1' as never })).toEqual({
      _id: 's1',
      total: 10,
      items: [{ sku: 'A', qty: 1 }],
    });

    await a.db.collection('sales').updateOne({ _id: 's1' as never }, { $set: { total: 12 } });
    await waitFor(
      'update at site b',
      async () =>
        (await b.db.collection('sales').findOne({ _id: 's1' as never }))?.['total'] === 12,
    );
    await b.db.collection('sales').deleteOne({ _id: 's1' as never });
    await waitFor(
      'delete at central and a',
      async () =>
        (await cluster!.centralDb.collection('sales').countDocuments()) === 0 &&
        (await a.db.collection('sales').countDocuments()) === 0,
    );
    const tombstone = await cluster.centralDb.collection('outpost_tombstones').findOne({});
    expect(tombstone).toMatchObject({ _id: { coll: 'sales', id: 's1' }, o: b.instanceId });
    await waitFor('convergence', () => converged(cluster!, ['sales']));
  });

  it('leaves an idle outbox alone until capture wakes push, then sends at once', async () => {
    cluster = await createCluster({ sites: 1, tunables: { pushIdleMs: 2_000 } });
    const [a] = cluster.sites;
    await a!.db.collection('sales').insertOne({ _id: 'first' as never, total: 1 });
    await waitFor(
      'the first sale at central',
      async () => (await cluster!.centralDb.collection('sales').countDocuments()) === 1,
    );
    // The profiler of the site's metadata database sees every read of the outbox.
    await a!.metaDb.command({ profile: 2 });
    const reads = () =>
      a!.metaDb
        .collection('system.profile')
        .countDocuments({ ns: `${a!.metaDb.databaseName}.outbox`, op: 'query' });
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    // At most three idle turns of one read (the due batch) in 4.5 s: with nothing backed off
    // there is no next due time to read (two reads a turn made at least four). Polling at
    // pushIntervalMs (50 ms here) made about ninety.
    expect(await reads()).toBeLessThanOrEqual(3);
    const started = Date.now();
    await a!.db.collection('sales').insertOne({ _id: 'second' as never, total: 2 });
    await waitFor(
      'the second sale at central',
      async () => (await cluster!.centralDb.collection('sales').countDocuments()) === 2,
    );
    expect(Date.now() - started).toBeLessThan(1_500);
    await a!.metaDb.command({ profile: 0 });
  });

  it('warns at start about a client that would wait for ever on a silent connection', async () => {
    cluster = await createCluster({ sites: 1, start: false });
    const [a] = cluster.sites;
    const lines: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    // The harness's own clients have no socket timeout: both are named.
    a!.engine = createSyncEngine({ ...a!.options, logger });
    await a!.engine.start();
    await a!.engine.stop();
    const warned = () =>
      lines
        .map((line) => JSON.parse(line) as { event?: string; client?: string })
        .filter((line) => line.event === 'engine.client-without-socket-timeout')
        .map((line) => line.client);
    expect(warned()).toEqual(['local', 'central']);
    // With the engine's client options: no warning.
    lines.length = 0;
    const local = new MongoClient(a!.options.localUri!, engineClientOptions());
    try {
      a!.engine = createSyncEngine({ ...a!.options, logger, local });
      await a!.engine.start();
      await a!.engine.stop();
      expect(warned()).toEqual(['central']);
    } finally {
      await local.close();
    }
  });

  it('applies head-office changes at central to every site', async () => {
    cluster = await createCluster({ sites: 2 });
    await cluster.headOffice.insert(cluster.dbName, 'products', {
      _id: 'p1',
      name: 'Espresso',
      price: 2.5,
    });
    await waitFor('product at both sites', async () => {
      const found = await Promise.all(
        cluster!.sites.map((s) => s.db.collection('products').findOne({ _id: 'p1' as never })),
      );
      return found.every((doc) => doc?.['price'] === 2.5);
    });
    await cluster.headOffice.update(cluster.dbName, 'products', 'p1', (doc) => ({
      ...doc,
      price: 2.8,
    }));
    await waitFor('new price at both sites', async () => {
      const found = await Promise.all(
        cluster!.sites.map((s) => s.db.collection('products').findOne({ _id: 'p1' as never })),
      );
      return found.every((doc) => doc?.['price'] === 2.8);
    });
    await cluster.headOffice.delete(cluster.dbName, 'products', 'p1');
    await waitFor('product gone at both sites', async () => {
      const counts = await Promise.all(
        cluster!.sites.map((s) => s.db.collection('products').countDocuments()),
      );
      return counts.every((n) => n === 0);
    });
  });

  it('makes no ping-pong: one site write is one central write and one apply per other site', async () => {
    cluster = await createCluster({ sites: 3 });
    const [a, b, c] = cluster.sites;
    await a!.db.collection('sales').insertOne({ _id: 'once' as never, total: 1 });
    await waitFor('convergence', () => converged(cluster!, ['sales']));
    // Let echoes (the applies at b and c captured locally) come back through push.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const [sa, sb, sc] = await Promise.all([
      a!.engine.status(),
      b!.engine.status(),
      c!.engine.status(),
    ]);
    expect(sa.counters.centralWrites).toBe(1);
    expect(sb.counters.centralWrites + sc.counters.centralWrites).toBe(0);
    expect(sb.counters.localApplies).toBe(1);
    expect(sc.counters.localApplies).toBe(1);
    expect(sa.counters.localApplies).toBe(0);
    expect(sb.outboxDepth + sc.outboxDepth).toBe(0);
    // Inbound applies go through pull's own client, whose changes capture filters out.
    expect(sb.counters.captured + sc.counters.captured).toBe(0);
  });
});
