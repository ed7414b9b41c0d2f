/**
 * Conflicts on real mongods: each detection case, each strategy, delete against update both
 * ways, a unique clash resolved by renaming, manual conflicts resolved three ways, and stock
 * counters that lose no decrement.
 */
import { Timestamp, type CommandStartedEvent, type Document } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectionRule } from '../../sync/engine/rules.js';
import type { ConflictRecord } from '../../sync/conflicts/record.js';
import {
  converged,
  createCluster,
  waitFor,
  type ClusterOptions,
  type TestCluster,
  type TestSite,
} from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

type Rules = Record<string, Partial<CollectionRule>>;

async function setUp(
  collections: Rules = {},
  options: Partial<ClusterOptions> = {},
): Promise<[TestCluster, TestSite, TestSite]> {
  cluster = await createCluster({ sites: 2, collections, ...options });
  return [cluster, cluster.sites[0]!, cluster.sites[1]!];
}

const find = (site: TestSite, coll: string, id: string) =>
  site.db.collection(coll).findOne({ _id: id as never });

async function seed(c: TestCluster, coll: string, doc: Document): Promise<void> {
  await c.headOffice.insert(c.dbName, coll, doc);
  await waitFor(`${String(doc['_id'])} at both sites`, async () => {
    const found = await Promise.all(c.sites.map((s) => find(s, coll, doc['_id'] as string)));
    return found.every((d) => d !== null);
  });
}

/** Cuts `site` off, runs the two edits, reconnects, and waits until everything converged. */
async function clash(
  c: TestCluster,
  site: TestSite,
  atSite: () => Promise<unknown>,
  atCentral: () => Promise<unknown>,
  colls: string[],
) {
  site.proxy.cut();
  await waitFor(
    'site offline',
    async () => (await site.engine.status()).state.name === 'offline',
    20_000,
  );
  await atSite();
  await atCentral();
  site.proxy.restore();
  await waitFor('convergence', () => converged(c, colls), 60_000);
}

async function conflictsOf(site: TestSite, state?: 'open' | 'resolved'): Promise<ConflictRecord[]> {
  return site.engine.conflicts!.list({ state: state ?? 'all' });
}

describe('conflict detection', () => {
  it('update against update (compare-and-swap miss): last writer by HLC wins, both versions recorded', async () => {
    const [c, a, b] = await setUp();
    await seed(c, 'products', { _id: 'p1', name: 'Tea', price: 2 });
    await clash(
      c,
      a,
      () => a.db.collection('products').updateOne({ _id: 'p1' as never }, { $set: { price: 3 } }),
      async () => {
        await new Promise((r) => setTimeout(r, 20));
        await c.headOffice.update(c.dbName, 'products', 'p1', (d) => ({ ...d, price: 4 }));
      },
      ['products'],
    );
    expect((await find(b, 'products', 'p1'))?.['price']).toBe(4); // central's edit was later
    const [record] = await conflictsOf(a);
    expect(record).toMatchObject({
      kind: 'update-update',
      strategy: 'lww',
      state: 'resolved',
      resolution: { outcome: 'central' },
    });
    expect(record!.site.doc?.['price']).toBe(3);
    expect(record!.central.doc?.['price']).toBe(4);
  });

  it('dates a site edit when it was made, not when a polling capture read it', async () => {
    // Capture reads every 1.5 s here: the site's edit is read after head office's later one.
    cluster = await createCluster({ sites: 1, tunables: { capturePollMs: 1_500 } });
    const c = cluster;
    const a = c.sites[0]!;
    await seed(c, 'products', { _id: 'p1', name: 'Tea', price: 2 });
    await a.engine.pause(); // pull must not hand the site head office's version first
    await a.db.collection('products').updateOne({ _id: 'p1' as never }, { $set: { price: 3 } });
    await new Promise((r) => setTimeout(r, 200));
    await c.headOffice.update(c.dbName, 'products', 'p1', (d) => ({ ...d, price: 4 }));
    await waitFor('the site edit captured', async () => (await a.engine.status()).outboxDepth > 0);
    await a.engine.resume();
    await waitFor('convergence', () => converged(c, ['products']), 60_000);
    expect((await find(a, 'products', 'p1'))?.['price']).toBe(4); // head office's edit was later
  });

  it('insert of an _id central already has', async () => {
    const [c, a, b] = await setUp();
    await clash(
      c,
      a,
      () => a.db.collection('products').insertOne({ _id: 'dup' as never, from: 'site' }),
      async () => {
        await new Promise((r) => setTimeout(r, 100)); // after the site's insert was captured
        await c.headOffice.insert(c.dbName, 'products', { _id: 'dup', from: 'central' });
      },
      ['products'],
    );
    expect((await find(b, 'products', 'dup'))?.['from']).toBe('central');
    expect(await conflictsOf(a)).toMatchObject([
      { kind: 'insert-insert', resolution: { outcome: 'central' } },
    ]);
  });

  it('update against a delete: update wins by default and the document comes back everywhere', async () => {
    const [c, a, b] = await setUp({}, { centralClientOptions: { monitorCommands: true } });
    // Every write the site sends to a synced collection at central can be routed by a mongos:
    // no upsert, whose filter would have to carry a shard key the site does not know.
    const upserts: string[] = [];
    a.centralClient.on('commandStarted', (event: CommandStartedEvent) => {
      const updates = (event.command['updates'] ?? []) as { upsert?: boolean }[];
      if (event.commandName === 'update' && event.command['update'] === 'products')
        if (updates.some((update) => update.upsert)) upserts.push(JSON.stringify(event.command));
    });
    await seed(c, 'products', { _id: 'p2', price: 1 });
    await clash(
      c,
      a,
      () => a.db.collection('products').updateOne({ _id: 'p2' as never }, { $set: { price: 9 } }),
      () => c.headOffice.delete(c.dbName, 'products', 'p2'),
      ['products'],
    );
    expect((await find(b, 'products', 'p2'))?.['price']).toBe(9);
    expect(await conflictsOf(a)).toMatchObject([
      { kind: 'update-delete', resolution: { outcome: 'site' } },
    ]);
    // Written back as a new document, dated for the catch-up scan like any insert.
    const back = await c.centralDb.collection('products').findOne({ _id: 'p2' as never });
    expect((back?.['_sync'] as { ct?: unknown } | undefined)?.ct).toBeInstanceOf(Timestamp);
    expect(upserts).toEqual([]);
  });

  it('delete against an update: update wins by default, the site gets the document back', async () => {
    const [c, a] = await setUp();
    await seed(c, 'products', { _id: 'p3', price: 1 });
    await clash(
      c,
      a,
      () => a.db.collection('products').deleteOne({ _id: 'p3' as never }),
      () => c.headOffice.update(c.dbName, 'products', 'p3', (d) => ({ ...d, price: 5 })),
      ['products'],
    );
    expect((await find(a, 'products', 'p3'))?.['price']).toBe(5);
    expect(await conflictsOf(a)).toMatchObject([
      { kind: 'delete-update', resolution: { outcome: 'central' } },
    ]);
  });

  it('delete-wins makes the delete win both ways', async () => {
    const [c, a, b] = await setUp({ products: { deleteVsUpdate: 'delete-wins' } });
    await seed(c, 'products', { _id: 'd1', price: 1 });
    await seed(c, 'products', { _id: 'd2', price: 1 });
    await clash(
      c,
      a,
      async () => {
        await a.db.collection('products').deleteOne({ _id: 'd1' as never });
        await a.db.collection('products').updateOne({ _id: 'd2' as never }, { $set: { price: 2 } });
      },
      async () => {
        await c.headOffice.update(c.dbName, 'products', 'd1', (d) => ({ ...d, price: 3 }));
        await c.headOffice.delete(c.dbName, 'products', 'd2');
      },
      ['products'],
    );
    for (const site of [a, b])
      expect(await site.db.collection('products').countDocuments()).toBe(0);
  });

  it('a unique-index clash is a conflict, not a stuck queue, and is resolved by renaming', async () => {
    const [c, a, b] = await setUp();
    await c.centralDb.collection('items').createIndex({ sku: 1 }, { unique: true });
    a.proxy.cut();
    await a.db.collection('items').insertOne({ _id: 'site-item' as never, sku: 'LATTE' });
    await c.headOffice.insert(c.dbName, 'items', { _id: 'hq-item', sku: 'LATTE' });
    a.proxy.restore();
    await waitFor('clash opened', async () => (await conflictsOf(a, 'open')).length === 1, 30_000);
    await a.db.collection('items').insertOne({ _id: 'behind' as never, sku: 'MOCHA' });
    await waitFor(
      'the queue keeps moving',
      async () =>
        (await c.centralDb.collection('items').countDocuments({ _id: 'behind' as never })) === 1,
    );
    const [open] = await conflictsOf(a, 'open');
    expect(open).toMatchObject({
      kind: 'unique',
      unique: { index: 'sku_1', keyValue: { sku: 'LATTE' } },
      central: { doc: { _id: 'hq-item' } },
    });
    await a.engine.conflicts!.resolve(open!._id.toHexString(), {
      keep: 'renamed',
      field: 'sku',
      value: 'LATTE-2',
    });
    await waitFor(
      'renamed item everywhere',
      async () => (await find(b, 'items', 'site-item'))?.['sku'] === 'LATTE-2',
      30_000,
    );
    await waitFor('convergence', () => converged(c, ['items']));
    expect(await conflictsOf(a, 'open')).toEqual([]);
    const log = await a.metaDb
      .collection('log')
      .findOne({ event: 'conflict.resolved-by-operator' });
    expect(log).toMatchObject({ outcome: 'renamed', by: 'operator' });
  });
});

describe('strategies', () => {
  it('central-wins and site-wins', async () => {
    const [c, a, b] = await setUp({
      products: { strategy: 'central-wins' },
      orders: { strategy: 'site-wins' },
    });
    await seed(c, 'products', { _id: 'cw', v: 0 });
    await seed(c, 'orders', { _id: 'sw', v: 0 });
    await clash(
      c,
      a,
      async () => {
        await new Promise((r) => setTimeout(r, 30)); // the site edits last: wins only by strategy
        await a.db
          .collection('products')
          .updateOne({ _id: 'cw' as never }, { $set: { v: 'site' } });
        await a.db.collection('orders').updateOne({ _id: 'sw' as never }, { $set: { v: 'site' } });
      },
      async () => {
        await c.headOffice.update(c.dbName, 'products', 'cw', (d) => ({ ...d, v: 'central' }));
        await c.headOffice.update(c.dbName, 'orders', 'sw', (d) => ({ ...d, v: 'central' }));
      },
      ['products', 'orders'],
    );
    expect((await find(b, 'products', 'cw'))?.['v']).toBe('central');
    expect((await find(b, 'orders', 'sw'))?.['v']).toBe('site');
  });

  it('merge: fields changed on one side each are combined', async () => {
    const [c, a, b] = await setUp({ customers: { strategy: 'merge' } });
    await seed(c, 'customers', { _id: 'c1', name: 'Ana', phone: '1', points: 10 });
    await clash(
      c,
      a,
      () =>
        a.db.collection('customers').updateOne({ _id: 'c1' as never }, { $set: { phone: '2' } }),
      () => c.headOffice.update(c.dbName, 'customers', 'c1', (d) => ({ ...d, name: 'Ana Lima' })),
      ['customers'],
    );
    expect(await find(b, 'customers', 'c1')).toEqual({
      _id: 'c1',
      name: 'Ana Lima',
      phone: '2',
      points: 10,
    });
    expect(await conflictsOf(a)).toMatchObject([
      { strategy: 'merge', resolution: { outcome: 'merged' } },
    ]);
  });

  it('stock counters: two sites each sell 100 units while offline; every replica shows exactly 200 fewer', async () => {
    const [c, a, b] = await setUp({ stock: { counters: ['qty'] } });
    await seed(c, 'stock', { _id: 'beans', qty: 1000, name: 'Coffee beans' });
    a.proxy.cut();
    b.proxy.cut();
    await waitFor(
      'both offline',
      async () =>
        (await Promise.all([a, b].map((s) => s.engine.status()))).every(
          (s) => s.state.name === 'offline',
        ),
      20_000,
    );
    for (let i = 0; i < 100; i++) {
      await a.db.collection('stock').updateOne({ _id: 'beans' as never }, { $inc: { qty: -1 } });
      await b.db.collection('stock').updateOne({ _id: 'beans' as never }, { $inc: { qty: -1 } });
    }
    a.proxy.restore();
    b.proxy.restore();
    await waitFor('convergence', () => converged(c, ['stock']), 60_000);
    for (const db of [a.db, b.db, c.centralDb])
      expect((await db.collection('stock').findOne({ _id: 'beans' as never }))?.['qty']).toBe(800);
  });

  it('manual: central and site keep their versions until the operator resolves, three ways', async () => {
    const [c, a, b] = await setUp({ orders: { strategy: 'manual' } });
    for (const id of ['m1', 'm2', 'm3'])
      await seed(c, 'orders', { _id: id, status: 'new', total: 10 });
    a.proxy.cut();
    for (const id of ['m1', 'm2', 'm3'])
      await a.db
        .collection('orders')
        .updateOne({ _id: id as never }, { $set: { status: 'paid', total: 12 } });
    for (const id of ['m1', 'm2', 'm3'])
      await c.headOffice.update(c.dbName, 'orders', id, (d) => ({ ...d, status: 'cancelled' }));
    a.proxy.restore();
    await waitFor(
      'three open conflicts',
      async () => (await conflictsOf(a, 'open')).length === 3,
      30_000,
    );
    // Nothing else stalls; each side keeps its own version meanwhile.
    await a.db.collection('sales').insertOne({ _id: 'unrelated' as never, total: 1 });
    await waitFor(
      'unrelated sale at central',
      async () => (await c.centralDb.collection('sales').countDocuments()) === 1,
    );
    expect((await find(a, 'orders', 'm1'))?.['status']).toBe('paid');
    expect(
      (await c.centralDb.collection('orders').findOne({ _id: 'm1' as never }))?.['status'],
    ).toBe('cancelled');
    expect((await a.engine.status()).openConflicts).toBe(3);
    // The operator sees what each side changed since the version both last had.
    for (const record of await conflictsOf(a, 'open'))
      expect(record.base.doc).toEqual({ _id: record.key.id, status: 'new', total: 10 });

    const byDoc = new Map(
      (await conflictsOf(a, 'open')).map((r) => [r.key.id as string, r._id.toHexString()]),
    );
    await a.engine.conflicts!.resolve(byDoc.get('m1')!, { keep: 'site' });
    await a.engine.conflicts!.resolve(byDoc.get('m2')!, { keep: 'central' });
    await a.engine.conflicts!.resolve(byDoc.get('m3')!, {
      keep: 'merged',
      doc: { _id: 'm3', status: 'refunded', total: 12 },
    });
    await waitFor('resolutions everywhere', () => converged(c, ['orders']), 30_000);
    for (const site of [a, b]) {
      expect(await find(site, 'orders', 'm1')).toMatchObject({ status: 'paid', total: 12 });
      expect(await find(site, 'orders', 'm2')).toMatchObject({ status: 'cancelled', total: 10 });
      expect(await find(site, 'orders', 'm3')).toEqual({
        _id: 'm3',
        status: 'refunded',
        total: 12,
      });
    }
    expect(await conflictsOf(a, 'open')).toEqual([]);
    expect(
      await a.metaDb.collection('log').countDocuments({ event: 'conflict.resolved-by-operator' }),
    ).toBe(3);
  });

  it('auto-resolve settles the simple cases in bulk and leaves the rest', async () => {
    const [c, a] = await setUp({ orders: { strategy: 'manual' } });
    for (const id of ['x1', 'x2']) await seed(c, 'orders', { _id: id, status: 'new' });
    a.proxy.cut();
    await a.db.collection('orders').updateOne({ _id: 'x1' as never }, { $set: { status: 'same' } });
    await a.db.collection('orders').updateOne({ _id: 'x2' as never }, { $set: { status: 'site' } });
    // Let the site's edit be captured (stamped) before head office edits, so central is newer.
    await waitFor('site edit captured', async () => (await a.engine.status()).outboxDepth === 2);
    await new Promise((r) => setTimeout(r, 50));
    await c.headOffice.update(c.dbName, 'orders', 'x1', (d) => ({ ...d, status: 'same' }));
    await c.headOffice.update(c.dbName, 'orders', 'x2', (d) => ({ ...d, status: 'central' }));
    a.proxy.restore();
    await waitFor(
      'open conflicts',
      async () => (await conflictsOf(a, 'open')).length === 2,
      30_000,
    );
    const report = await a.engine.conflicts!.autoResolve({ max: 10 });
    // x1: identical on both sides; x2: central's edit is newer by HLC.
    expect(report).toEqual({ resolved: 2, skipped: 0, failed: 0, remaining: 0 });
    await waitFor('convergence', () => converged(c, ['orders']));
    expect((await find(a, 'orders', 'x2'))?.['status']).toBe('central');
  });
});
