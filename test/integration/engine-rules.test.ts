import { afterEach, describe, expect, it } from 'vitest';
import { SyncRules } from '../../sync/engine/rules.js';
import { openLocalStore } from '../../sync/engine/store.js';
import { DUE_ORDER, dueFilter } from '../../sync/push/push.js';
import { createCluster, waitFor, type TestCluster } from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

describe('collection rules', () => {
  it('honours direction: push, pull and local-only', async () => {
    cluster = await createCluster({
      sites: 2,
      collections: {
        sales: { direction: 'push' },
        products: { direction: 'pull' },
        local_notes: { direction: 'local-only' },
      },
    });
    const [a, b] = cluster.sites;
    const central = cluster.centralDb;
    await a!.db.collection('sales').insertOne({ _id: 'sale-1' as never, total: 5 });
    await a!.db
      .collection('products')
      .insertOne({ _id: 'site-made' as never, name: 'not for central' });
    await a!.db.collection('local_notes').insertOne({ _id: 'note' as never, text: 'stays here' });
    await cluster.headOffice.insert(cluster.dbName, 'products', { _id: 'p1', name: 'Tea' });
    await cluster.headOffice.insert(cluster.dbName, 'sales', { _id: 'hq-sale', total: 1 });
    await waitFor(
      'push-only sale at central',
      async () =>
        (await central.collection('sales').countDocuments({ _id: 'sale-1' as never })) === 1,
    );
    await waitFor('pull-only product at both sites', async () => {
      const found = await Promise.all(
        cluster!.sites.map((s) =>
          s.db.collection('products').countDocuments({ _id: 'p1' as never }),
        ),
      );
      return found.every((n) => n === 1);
    });
    await settle();
    // push-only: never pulled, so b does not get a's sale nor head office's.
    expect(await b!.db.collection('sales').countDocuments()).toBe(0);
    expect(await a!.db.collection('sales').countDocuments({ _id: 'hq-sale' as never })).toBe(0);
    // pull-only: a site's own product write stays local.
    expect(await central.collection('products').countDocuments({ _id: 'site-made' as never })).toBe(
      0,
    );
    // local-only: neither way.
    expect(await central.collection('local_notes').countDocuments()).toBe(0);
  });

  it("never touches excluded collections, or collections named like Outpost's own", async () => {
    cluster = await createCluster({ sites: 2, exclude: ['customers'] });
    const [a, b] = cluster.sites;
    await a!.db.collection('customers').insertOne({ _id: 'c1' as never, name: 'Private' });
    await cluster.headOffice.insert(cluster.dbName, 'customers', {
      _id: 'c2',
      name: 'Central only',
    });
    // The streams filter on names; the reserved prefix is checked on each event instead.
    await a!.db.collection('outpost_notes').insertOne({ _id: 'n1' as never, text: 'site' });
    await cluster.centralDb
      .collection('outpost_notes')
      .insertOne({ _id: 'n2' as never, text: 'central', _sync: { v: '1', o: 'hq', h: ['1'] } });
    await a!.db.collection('sales').insertOne({ _id: 'marker' as never });
    await waitFor(
      'marker at b',
      async () => (await b!.db.collection('sales').countDocuments()) === 1,
    );
    await settle();
    expect(
      await cluster.centralDb.collection('customers').countDocuments({ _id: 'c1' as never }),
    ).toBe(0);
    expect(await b!.db.collection('customers').countDocuments()).toBe(0);
    expect(await a!.db.collection('customers').countDocuments({ _id: 'c2' as never })).toBe(0);
    expect(await cluster.centralDb.collection('outpost_notes').countDocuments()).toBe(1);
    expect(await a!.db.collection('outpost_notes').countDocuments()).toBe(1);
    expect(await b!.db.collection('outpost_notes').countDocuments()).toBe(0);
    expect(await a!.engine.status()).toMatchObject({ outboxDepth: 0 });
  });

  it('syncs what a collection already holds, both ways, when a rule turns it on, and again after it was off', async () => {
    cluster = await createCluster({ sites: 1, exclude: ['orders'] });
    const [a] = cluster.sites;
    const central = cluster.centralDb.collection('orders');
    const local = a!.db.collection('orders');
    const rulesWith = (exclude: string[]) => ({ ...a!.options.rules, exclude });
    const ids = async (coll: typeof central) =>
      (await coll.find({}, { sort: { _id: 1 } }).toArray()).map((doc) => doc._id);
    await central.insertOne({ _id: 'c1' as never, total: 1 });
    await local.insertOne({ _id: 'l1' as never, total: 1 });
    await settle();
    // Written while the site runs with the collection off: neither stream takes them.
    await cluster.headOffice.insert(cluster.dbName, 'orders', { _id: 'c2', total: 2 });
    await local.insertOne({ _id: 'l2' as never, total: 2 });
    await settle();
    expect(await ids(local)).toEqual(['l1', 'l2']);

    a!.options.rules = rulesWith([]);
    await cluster.restart(a!);
    await waitFor('the orders at central', async () => (await central.countDocuments()) === 4);
    await waitFor('the orders at a', async () => (await local.countDocuments()) === 4);
    expect(await ids(local)).toEqual(await ids(central));
    const logged = await a!.metaDb
      .collection('log')
      .find({ event: { $in: ['bootstrap.collections', 'capture.collections-read'] } })
      .toArray();
    expect(logged.map((entry): unknown[] => [entry['event'], entry['collections']])).toEqual(
      expect.arrayContaining([
        ['bootstrap.collections', ['orders']],
        ['capture.collections-read', ['orders']],
      ]),
    );

    // Off again, written on both sides, then on again.
    a!.options.rules = rulesWith(['orders']);
    await cluster.restart(a!);
    await cluster.headOffice.insert(cluster.dbName, 'orders', { _id: 'c3', total: 3 });
    await local.insertOne({ _id: 'l3' as never, total: 3 });
    await settle();
    a!.options.rules = rulesWith([]);
    await cluster.restart(a!);
    await waitFor('every order at central', async () => (await central.countDocuments()) === 6);
    await waitFor('every order at a', async () => (await local.countDocuments()) === 6);

    // A restart with nothing turned on copies nothing again.
    const copies = () =>
      a!.metaDb.collection('log').countDocuments({ event: 'bootstrap.collections' });
    const before = await copies();
    await cluster.restart(a!);
    await settle();
    expect(await copies()).toBe(before);
  });

  it('gives a site its own and global documents, never another site\u2019s', async () => {
    cluster = await createCluster({
      sites: 3,
      siteIds: ['north', 'south', 'east'],
      collections: { orders: { scope: { field: 'siteId', includeGlobal: true } } },
    });
    const [north, south, east] = cluster.sites;
    await north!.db.collection('orders').insertOne({ _id: 'n1' as never, siteId: 'north' });
    await south!.db.collection('orders').insertOne({ _id: 's1' as never, siteId: 'south' });
    await cluster.headOffice.insert(cluster.dbName, 'orders', { _id: 'g1', note: 'for everyone' });
    await cluster.headOffice.insert(cluster.dbName, 'orders', { _id: 'e1', siteId: 'east' });
    await waitFor(
      'all orders at central',
      async () => (await cluster!.centralDb.collection('orders').countDocuments()) === 4,
    );
    await waitFor('global order everywhere', async () => {
      const found = await Promise.all(
        cluster!.sites.map((s) => s.db.collection('orders').countDocuments({ _id: 'g1' as never })),
      );
      return found.every((n) => n === 1);
    });
    await waitFor(
      'east order at east',
      async () =>
        (await east!.db.collection('orders').countDocuments({ _id: 'e1' as never })) === 1,
    );
    await settle();
    const ids = async (site: TestCluster['sites'][number]) =>
      (
        await site.db
          .collection('orders')
          .find({}, { projection: { _id: 1 } })
          .sort({ _id: 1 })
          .toArray()
      ).map((d) => d._id);
    expect(await ids(north!)).toEqual(['g1', 'n1']);
    expect(await ids(south!)).toEqual(['g1', 's1']);
    expect(await ids(east!)).toEqual(['e1', 'g1']);
    // A delete of another site's order never reaches this site either (tombstones carry the scope).
    await cluster.headOffice.delete(cluster.dbName, 'orders', 'e1');
    await waitFor(
      'east order deleted at east',
      async () =>
        (await east!.db.collection('orders').countDocuments({ _id: 'e1' as never })) === 0,
    );
  });

  it('gives the tombstone of a delete decided by conflict resolution the scope value', async () => {
    cluster = await createCluster({
      sites: 1,
      siteIds: ['north'],
      collections: {
        orders: { scope: { field: 'siteId', includeGlobal: false }, strategy: 'site-wins' },
      },
    });
    const [north] = cluster.sites;
    await north!.db.collection('orders').insertOne({ _id: 'n1' as never, siteId: 'north' });
    await waitFor(
      'order at central',
      async () => (await cluster!.centralDb.collection('orders').countDocuments()) === 1,
    );
    north!.proxy.cut();
    await north!.db.collection('orders').deleteOne({ _id: 'n1' as never });
    await cluster.headOffice.update(cluster.dbName, 'orders', 'n1', (d) => ({ ...d, paid: true }));
    north!.proxy.restore();
    // The site's delete wins its conflict with head office's edit, and is written by the resolution.
    const tombstones = cluster.centralDb.collection('outpost_tombstones');
    await waitFor('delete at central', async () => (await tombstones.countDocuments()) === 1);
    expect(await cluster.centralDb.collection('orders').countDocuments()).toBe(0);
    expect(await tombstones.findOne()).toMatchObject({
      _id: { coll: 'orders', id: 'n1' },
      s: 'north',
    });
  });

  it("drops earlier builds' commit-time stamps from pull's stream before the document lookup", async () => {
    cluster = await createCluster({ sites: 1, start: false });
    const { centralDb, dbName } = cluster;
    const pipeline = new SyncRules({
      databases: [{ name: dbName, collections: {} }],
      exclude: [],
    }).pullPipeline(dbName, 'this-site');
    const stream = centralDb.watch(pipeline, { fullDocument: 'updateLookup' });
    await stream.tryNext(); // opened now
    const sales = centralDb.collection('sales');
    const sync = { v: '1800000000000-000000-other', o: 'other', h: ['1800000000000-000000-other'] };
    await sales.insertOne({ _id: 'stamped' as never, total: 1, _sync: sync });
    // The stamp an earlier build's site wrote after its insert.
    await sales.updateOne({ _id: 'stamped' as never }, [
      { $set: { '_sync.ct': '$$CLUSTER_TIME' } },
    ]);
    await sales.updateOne({ _id: 'stamped' as never }, { $set: { total: 2 } });
    const seen: string[] = [];
    while (seen.length < 2) {
      const event = await stream.tryNext();
      if (event)
        seen.push(
          `${event.operationType}${'updateDescription' in event ? ` ${Object.keys(event.updateDescription.updatedFields ?? {}).join()}` : ''}`,
        );
    }
    expect(await stream.tryNext()).toBeNull();
    expect(seen).toEqual(['insert', 'update total']);
    expect((await sales.findOne({ _id: 'stamped' as never }))?.['_sync']).toHaveProperty('ct');
    const explained = await centralDb.command({
      aggregate: 1,
      pipeline: [{ $changeStream: { fullDocument: 'updateLookup' } }, ...pipeline],
      explain: true,
    });
    const stages = (explained['stages'] as object[]).map((stage) => JSON.stringify(stage));
    const stampFilter = stages.findIndex((stage) => stage.includes('_sync.ct'));
    const lookup = stages.findIndex((stage) => stage.includes('AddPostImage'));
    expect(stampFilter).toBeGreaterThanOrEqual(0);
    expect(stampFilter, 'the stamp filter runs before the lookup').toBeLessThan(lookup);
    await stream.close();
  });

  it('reads a push batch without sorting the whole outbox', async () => {
    // A backlog is drained a batch at a time: a plan that sorts every queued entry per round
    // makes the drain quadratic in the backlog.
    cluster = await createCluster({ sites: 1, start: false });
    const site = cluster.sites[0]!;
    const store = await openLocalStore(site.local, site.metaDb.databaseName);
    await store.outbox.insertMany(
      Array.from({ length: 3_000 }, (_, i) => ({
        _id: { db: cluster!.dbName, coll: 'sales', id: `s-${i}` },
        seq: i + 1,
        v: `v-${i}`,
        op: 'upsert' as const,
        firstAt: new Date(),
        nextAt: new Date(i),
        attempts: 0,
        ...(i % 3 === 1 ? { parked: i % 2 === 0 } : {}),
      })),
    );
    const explained = await store.outbox
      .find(dueFilter(new Date()))
      .sort(DUE_ORDER)
      .limit(100)
      .explain('executionStats');
    const stats = explained['executionStats'] as { totalKeysExamined: number; nReturned: number };
    expect(stats.nReturned).toBe(100);
    expect(stats.totalKeysExamined).toBeLessThanOrEqual(102);
  });
});
