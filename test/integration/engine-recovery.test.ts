import { MongoNetworkError, type Timestamp } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { Faults } from '../../sync/engine/context.js';
import { createSyncEngine } from '../../sync/engine/create-engine.js';
import { parseVersion } from '../../sync/engine/hlc.js';
import { TcpProxy } from '../harness/tcp-proxy.js';
import {
  converged,
  createCluster,
  waitFor,
  type CentralSync,
  type TestCluster,
  type TestSite,
} from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('recovery and clocks', () => {
  it('takes a head office edit made between its first push landing and push recording it', async () => {
    let release: (() => void) | undefined;
    const faults: Faults = {
      async hit(point) {
        if (point === 'push:after-central-write' && !release)
          await new Promise<void>((resolve) => (release = resolve));
      },
    };
    cluster = await createCluster({ sites: 1, faults: [faults] });
    const [a] = cluster.sites;
    await a!.db.collection('sales').insertOne({ _id: 'x' as never, total: 1 });
    await waitFor('the first push paused after its central write', () => release !== undefined);
    await cluster.headOffice.update(cluster.dbName, 'sales', 'x', (doc) => ({ ...doc, total: 2 }));
    const editedAt = (await cluster.central.db('admin').command({ ping: 1 }))[
      'operationTime'
    ] as Timestamp;
    await waitFor('pull to pass the edit', async () => {
      const checkpoint = await a!.metaDb
        .collection('checkpoints')
        .findOne({ _id: `pull:${cluster!.dbName}` as never });
      const ct = checkpoint?.['ct'] as Timestamp | undefined;
      return ct !== undefined && ct.compare(editedAt) >= 0;
    });
    release!();
    await waitFor(
      'the head office edit at the site',
      async () => (await a!.db.collection('sales').findOne({ _id: 'x' as never }))?.['total'] === 2,
      15_000,
    );
    await waitFor('convergence', () => converged(cluster!, ['sales']));
  });

  it('applies central changes again when the connection to the local mongod goes silent without closing', async () => {
    // Seen under fault injection: a site mongod killed under Wine leaves the sockets it accepted
    // open, so a pull batch waited for a reply for ever and every later batch failed with
    // "Transaction already in progress". Pull applies through the engine's own client (to
    // localUri): here it goes through a proxy that freezes the connections it has.
    cluster = await createCluster({ sites: 1, start: false, tunables: { socketTimeoutMs: 1_500 } });
    const [a] = cluster.sites;
    const proxy = new TcpProxy(Number(new URL(a!.options.localUri!).port));
    const port = await proxy.start();
    a!.options = { ...a!.options, localUri: `mongodb://127.0.0.1:${port}/?directConnection=true` };
    a!.engine = createSyncEngine(a!.options);
    try {
      await a!.engine.start();
      await cluster.headOffice.insert(cluster.dbName, 'products', { _id: 'before', price: 1 });
      await waitFor('the first product at a', async () =>
        Boolean(await a!.db.collection('products').findOne({ _id: 'before' as never })),
      );
      proxy.freeze();
      await cluster.headOffice.insert(cluster.dbName, 'products', { _id: 'after', price: 2 });
      await waitFor(
        'the product written after the freeze at a',
        async () => Boolean(await a!.db.collection('products').findOne({ _id: 'after' as never })),
        15_000,
      );
      await cluster.headOffice.insert(cluster.dbName, 'products', { _id: 'later', price: 3 });
      await waitFor('a later product at a', async () =>
        Boolean(await a!.db.collection('products').findOne({ _id: 'later' as never })),
      );
    } finally {
      await a!.engine.stop();
      await proxy.stop();
    }
  });

  it('recovers a lost change-stream position (code 286) with a bounded checkpoint scan, losing nothing', async () => {
    cluster = await createCluster({ sites: 2, tunables: { lookbackMs: 1_000 } });
    const [a, b] = cluster.sites;
    for (let i = 0; i < 60; i++)
      await cluster.headOffice.insert(cluster.dbName, 'products', { _id: `old-${i}`, price: i });
    await waitFor(
      'old products at b',
      async () => (await b!.db.collection('products').countDocuments()) === 60,
    );
    // Older than the lookback window: the scan starts up to 2 s before the checkpoint (whole
    // seconds), and an idle checkpoint lags by up to idleTokenSaveMs plus a poll of the stream.
    await new Promise((resolve) => setTimeout(resolve, 4_000));

    b!.proxy.cut();
    for (let i = 0; i < 25; i++)
      await cluster.headOffice.insert(cluster.dbName, 'products', { _id: `new-${i}`, price: i });
    await cluster.headOffice.delete(cluster.dbName, 'products', 'old-0');
    // A site's new document is a plain insert dated a little before its commit: the scan's
    // lookback must still take it.
    await a!.db.collection('products').insertOne({ _id: 'from-a' as never, price: 5 });
    await waitFor('the product from a at central', async () =>
      Boolean(await cluster!.centralDb.collection('products').findOne({ _id: 'from-a' as never })),
    );
    // What a site leaves when it stops between its insert and the commit-time stamp after it: it
    // must reach b whichever way (the stream, or the scan's clause for unstamped documents).
    const v = `${Date.now()}-000000-gone-site`;
    await cluster.centralDb
      .collection('products')
      .insertOne({ _id: 'unstamped' as never, price: 1, _sync: { v, o: 'gone-site', h: [v] } });
    await cluster.central.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['getMore'], errorCode: 286, appName: b!.instanceId },
    });
    b!.proxy.restore();
    await waitFor(
      'b caught up',
      async () => (await b!.db.collection('products').countDocuments()) === 86,
      60_000,
    );
    expect(await b!.db.collection('products').countDocuments({ _id: 'old-0' as never })).toBe(0);
    await waitFor(
      'the catch-up scan logged',
      async () =>
        (await b!.metaDb.collection('log').countDocuments({ event: 'pull.caught-up' })) === 1,
    );
    const caughtUp = await b!.metaDb.collection('log').findOne({ event: 'pull.caught-up' });
    // Only what changed since the checkpoint (minus the lookback) was scanned, not the whole catalogue.
    // The resumed stream may deliver the first of these before the 286, so the scan takes the rest.
    expect(caughtUp?.['scanned']).toBeGreaterThanOrEqual(27);
    expect(await b!.db.collection('products').findOne({ _id: 'unstamped' as never })).toEqual({
      _id: 'unstamped',
      price: 1,
    });
    expect(caughtUp?.['scanned']).toBeLessThan(60);
    await waitFor('convergence', () => converged(cluster!, ['products']));
  });

  it('lets a causally later edit win with one site an hour ahead and one an hour behind, and reports the skew', async () => {
    const hour = 3_600_000;
    cluster = await createCluster({
      sites: 2,
      clocks: [() => Date.now() + hour, () => Date.now() - hour],
    });
    const [ahead, behind] = cluster.sites;
    const doc = () => cluster!.centralDb.collection('stock').findOne({ _id: 'sku-1' as never });
    await ahead!.db.collection('stock').insertOne({ _id: 'sku-1' as never, qty: 10 });
    await waitFor(
      'stock at behind',
      async () =>
        (await behind!.db.collection('stock').findOne({ _id: 'sku-1' as never }))?.['qty'] === 10,
    );
    const first = ((await doc())?.['_sync'] as CentralSync).v;

    // The site an hour behind edits after seeing the edit from an hour ahead: it must win.
    await behind!.db.collection('stock').updateOne({ _id: 'sku-1' as never }, { $set: { qty: 7 } });
    await waitFor(
      'behind edit everywhere',
      async () =>
        (await ahead!.db.collection('stock').findOne({ _id: 'sku-1' as never }))?.['qty'] === 7,
    );
    const second = ((await doc())?.['_sync'] as CentralSync).v;
    expect(second > first).toBe(true);
    expect(parseVersion(second)!.l).toBeGreaterThanOrEqual(parseVersion(first)!.l);

    // And the other way round.
    await ahead!.db.collection('stock').updateOne({ _id: 'sku-1' as never }, { $set: { qty: 4 } });
    await waitFor(
      'ahead edit everywhere',
      async () =>
        (await behind!.db.collection('stock').findOne({ _id: 'sku-1' as never }))?.['qty'] === 4,
    );
    expect(((await doc())?.['_sync'] as CentralSync).v > second).toBe(true);
    await waitFor('convergence', () => converged(cluster!, ['stock']));

    await waitFor(
      'skew measured',
      async () =>
        (await ahead!.engine.status()).clockSkewMs !== null &&
        (await behind!.engine.status()).clockSkewMs !== null,
    );
    expect(Math.abs((await ahead!.engine.status()).clockSkewMs! - hour)).toBeLessThan(5_000);
    expect(Math.abs((await behind!.engine.status()).clockSkewMs! + hour)).toBeLessThan(5_000);
  });

  it('quarantines a document central can never accept and keeps the queue moving', async () => {
    cluster = await createCluster({ sites: 1 });
    const [a] = cluster.sites;
    await cluster.centralDb.command({
      collMod: 'sales',
      validator: { total: { $gte: 0 } },
      validationAction: 'error',
    });
    for (let i = 0; i < 10; i++)
      await a!.db.collection('sales').insertOne({ _id: `s${i}` as never, total: i === 4 ? -1 : i });
    await waitFor('the valid sales at central', async () => (await salesAtCentral()) === 9);
    await waitFor('outbox empty', async () => (await a!.engine.status()).outboxDepth === 0);
    const quarantined = await a!.metaDb.collection('quarantine').find().toArray();
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({
      _id: { coll: 'sales', id: 's4' },
      direction: 'push',
      code: 121,
    });
    expect(String(quarantined[0]!['reason'])).toMatch(/validation/i);
    expect((await a!.engine.status()).quarantined).toBe(1);
    // Later writes still flow.
    await a!.db.collection('sales').insertOne({ _id: 'after' as never, total: 1 });
    await waitFor(
      'later sale at central',
      async () =>
        (await cluster!.centralDb.collection('sales').countDocuments({ _id: 'after' as never })) ===
        1,
    );
  });

  it('does not take a retry for landed when the document changed after a send whose acknowledgement was lost', async () => {
    // The send reaches central but the engine sees it fail. Before capture records the POS's next
    // edit, push retries with the document as it is now. Central's version history holds the
    // captured version, but with the earlier content: the retry must not be judged landed, or the
    // edit is recorded as synced and its capture later dropped as an echo.
    let loseAck = false;
    let lost = false;
    let gate: Promise<void> | undefined;
    let openGate = () => {};
    let retried = false;
    let edit = async () => {};
    let queuedForRetry = () => Promise.resolve(false);
    const faults: Faults = {
      async hit(point) {
        // Once the failed send is queued in the outbox (it may have gone straight from capture,
        // or from the outbox already), capture holds the next edit until push has retried.
        if (point === 'capture:before-commit' && lost && !retried && (await queuedForRetry())) {
          gate ??= new Promise<void>((resolve) => {
            openGate = resolve;
            setTimeout(resolve, 15_000);
          });
          await gate;
        }
        if (point !== 'push:after-central-write') return;
        if (loseAck) {
          loseAck = false;
          lost = true;
          await edit();
          throw new MongoNetworkError('connection reset after the write (lost acknowledgement)');
        }
        if (lost) {
          retried = true;
          openGate();
        }
      },
    };
    cluster = await createCluster({ sites: 2, faults: [faults] });
    const [a, b] = cluster.sites;
    const sales = a!.db.collection('sales');
    await sales.insertOne({ _id: 'sale-1' as never, total: 10, status: 'open' });
    await waitFor('sale-1 at central', async () =>
      Boolean(await cluster!.centralDb.collection('sales').findOne({ _id: 'sale-1' as never })),
    );
    queuedForRetry = async () =>
      (await a!.metaDb.collection('outbox').countDocuments({ '_id.id': 'sale-1' })) > 0;
    edit = async () => {
      await sales.updateOne({ _id: 'sale-1' as never }, { $set: { total: 12, status: 'paid' } });
    };
    loseAck = true;
    await sales.updateOne({ _id: 'sale-1' as never }, { $set: { total: 12 } });
    await waitFor('the lost acknowledgement and the retry', () => retried);
    await waitFor('convergence', () => converged(cluster!, ['sales']));
    const atCentral = await cluster.centralDb
      .collection('sales')
      .findOne({ _id: 'sale-1' as never });
    expect(atCentral).toMatchObject({ total: 12, status: 'paid' });
    expect(await b!.db.collection('sales').findOne({ _id: 'sale-1' as never })).toEqual({
      _id: 'sale-1',
      total: 12,
      status: 'paid',
    });
  });

  it('deletes at central a document whose first send landed unacknowledged and that the site deleted before the retry', async () => {
    // The site has no record of the insert, so the delete looked like one of a document central
    // never had, and was dropped: central kept the voided sale, and pull brought it back.
    let loseAck = false;
    const faults: Faults = {
      async hit(point) {
        if (point !== 'push:after-central-write' || !loseAck) return;
        loseAck = false;
        await cluster!.sites[0]!.db.collection('sales').deleteOne({ _id: 'void-1' as never });
        throw new MongoNetworkError('connection reset after the write (lost acknowledgement)');
      },
    };
    cluster = await createCluster({ sites: 2, faults: [faults] });
    const [a, b] = cluster.sites;
    const atCentral = (id: string) =>
      cluster!.centralDb.collection('sales').countDocuments({ _id: id as never });
    loseAck = true;
    await a!.db.collection('sales').insertOne({ _id: 'void-1' as never, total: 4 });
    await waitFor('the lost acknowledgement', () => !loseAck);
    await a!.db.collection('sales').insertOne({ _id: 'next' as never, total: 1 });
    await waitFor('the next sale at central', async () => (await atCentral('next')) === 1);
    await waitFor('convergence', () => converged(cluster!, ['sales']));
    expect(await atCentral('void-1')).toBe(0);
    for (const site of [a!, b!])
      expect(await site.db.collection('sales').countDocuments({ _id: 'void-1' as never })).toBe(0);
  });

  it('opens no conflict for a version the site replaced while its push was on the way', async () => {
    // The push of the clashing version is at central when the site renames the item (a new
    // edit, or the operator's fix of an earlier conflict). A conflict about the old version
    // parked the entry, and the rename waited behind it for good.
    let armed = false;
    const faults: Faults = {
      async hit(point) {
        if (point !== 'push:after-central-write' || !armed) return;
        const site = cluster!.sites[0]!;
        const queued = { '_id.id': 'site-item' };
        if ((await site.metaDb.collection('outbox').countDocuments(queued)) === 0) return;
        armed = false;
        await site.db
          .collection('items')
          .updateOne({ _id: 'site-item' as never }, { $set: { sku: 'LATTE-2' } });
      },
    };
    cluster = await createCluster({ sites: 1, faults: [faults] });
    const [a] = cluster.sites;
    const { centralDb, dbName, headOffice } = cluster;
    await centralDb.collection('items').createIndex({ sku: 1 }, { unique: true });
    await headOffice.insert(dbName, 'items', { _id: 'hq-item', sku: 'LATTE' });
    a!.proxy.cut();
    armed = true;
    await a!.db.collection('items').insertOne({ _id: 'site-item' as never, sku: 'LATTE' });
    await waitFor(
      'the clashing item queued',
      async () =>
        (await a!.metaDb.collection('outbox').countDocuments({ '_id.id': 'site-item' })) === 1,
    );
    a!.proxy.restore();
    await waitFor(
      'the renamed item at central',
      async () =>
        (await centralDb.collection('items').findOne({ _id: 'site-item' as never }))?.['sku'] ===
        'LATTE-2',
    );
    expect(armed).toBe(false);
    expect(await a!.metaDb.collection('conflicts').countDocuments()).toBe(0);
  });

  it('never issues a capture sequence twice when the first enqueue is cut short', async () => {
    // Push removes the entries it sent by id and sequence (an entry recaptured meanwhile has a
    // new one and stays): a number issued again could remove an entry it did not send.
    let cut: { saved: number; queued: number } | undefined;
    const faults: Faults = {
      async hit(point) {
        if (point !== 'capture:after-enqueue-batch' || cut) return;
        const site = cluster!.sites[0]!;
        const checkpoint = await site.metaDb
          .collection('checkpoints')
          .findOne({ _id: `capture:${cluster!.dbName}` as never });
        const [top] = await site.metaDb
          .collection('outbox')
          .find()
          .sort({ seq: -1 })
          .limit(1)
          .toArray();
        cut = { saved: Number(checkpoint?.['seq'] ?? 0), queued: Number(top?.['seq'] ?? 0) };
        throw new Error('first enqueue cut short');
      },
    };
    cluster = await createCluster({
      sites: 1,
      start: false,
      faults: [faults],
      tunables: { batchSize: 10 },
    });
    const [a] = cluster.sites;
    await ringUp(a!, 35);
    await a!.engine.start();
    await waitFor('every sale at central', async () => (await salesAtCentral()) === 35);
    expect(cut).toBeDefined();
    expect(cut!.queued).toBeGreaterThan(0);
    expect(cut!.saved).toBeGreaterThanOrEqual(cut!.queued);
  });

  it('pushes what a first start has queued while it is still scanning the database', async () => {
    // A first start over a large POS database reads every document; push must not wait for the
    // end of that scan. The scan stops after its second batch until the first is at central.
    let reachedCentral: boolean | undefined;
    let batches = 0;
    const faults: Faults = {
      async hit(point) {
        if (point !== 'capture:after-enqueue-batch' || ++batches !== 2) return;
        reachedCentral = await holdsWithin(
          'the first batch at central',
          async () => (await salesAtCentral()) >= 10,
          5_000,
        );
      },
    };
    cluster = await createCluster({
      sites: 1,
      start: false,
      faults: [faults],
      // Push's own idle wake-up comes too late to send the batch for it.
      tunables: { batchSize: 10, pushIdleMs: 60_000 },
    });
    const [a] = cluster.sites;
    await ringUp(a!, 35);
    await a!.engine.start();
    await waitFor('every sale at central', async () => (await salesAtCentral()) === 35);
    expect(reachedCentral).toBe(true);
  });

  it('sends the next batch while the last one is being recorded, and no entry twice', async () => {
    // Push records a sent batch (meta, then the outbox entries' removal) while the next batch is
    // read and sent. Here the first batch's recording stops, its entries still queued, until
    // central holds some of the second batch: the second round must skip those entries.
    let overlapped: boolean | undefined;
    const faults: Faults = {
      async hit(point) {
        if (point !== 'push:after-meta' || overlapped !== undefined) return;
        overlapped = false;
        overlapped = await holdsWithin(
          'the second batch at central',
          async () => (await salesAtCentral()) > 10,
          5_000,
        );
      },
    };
    cluster = await createCluster({
      sites: 1,
      start: false,
      faults: [faults],
      tunables: { batchSize: 10 },
    });
    const [a] = cluster.sites;
    await ringUp(a!, 30);
    await a!.engine.start();
    await allSent(a!, 30);
    expect(overlapped).toBe(true);
    const { counters } = await a!.engine.status();
    expect(counters.centralWrites).toBe(30);
    expect(counters.conflicts).toBe(0);
    expect(await a!.metaDb.collection('meta').countDocuments()).toBe(30);
  });

  it('resumes once the paused loops have ended, so a batch under way is not sent twice', async () => {
    // Pause does not cut a push round short: it ends with the loop. Loops started beside it by a
    // quick resume would read the same outbox entries and send them again.
    const { a, release } = await pausedMidRound(10);
    const resumed = a.engine.resume();
    // Resumed at once, new loops would send the held batch themselves meanwhile.
    await Promise.race([
      resumed,
      waitFor(
        'the held sales at central',
        async () => (await salesAtCentral()) === 10,
        3_000,
      ).catch(() => undefined),
    ]);
    release();
    await resumed;
    await allSent(a, 10);
    const { counters } = await a.engine.status();
    expect(counters.centralWrites).toBe(10);
    expect(counters.conflicts).toBe(0);
  });

  it('resumes after a while even when a paused round stays stuck', async () => {
    // A round can wait the socket timeout on a silent connection; the operator's resume must not.
    const { a, release } = await pausedMidRound(1);
    await a.engine.resume(); // never returns while it waits for the stuck round
    expect((await a.engine.status()).state.name).not.toBe('paused');
    release();
    await allSent(a, 1);
  });

  it('does not start loops for a resume that a stop overtook', async () => {
    const { a, release } = await pausedMidRound(1);
    const resumed = a.engine.resume(); // waits for the held round
    const stopped = a.engine.stop();
    release();
    await Promise.all([resumed, stopped]);
    // A heartbeat loop started after the stop would go on recording the site at central.
    const sites = cluster!.centralDb.collection('outpost_sites');
    const lastSeen = async (): Promise<unknown> =>
      (await sites.findOne({ _id: a.instanceId as never }))?.['lastSeen'];
    const before = await lastSeen();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await lastSeen()).toEqual(before);
    expect((await a.engine.status()).state.name).toBe('stopped');
  });

  it('keeps the outbox entry of an edit captured while the push before it was on the way', async () => {
    let armed = true;
    const faults: Faults = {
      async hit(point) {
        if (point !== 'push:after-central-write' || !armed) return;
        armed = false;
        const site = cluster!.sites[0]!;
        const outbox = site.metaDb.collection('outbox');
        const queued = await outbox.findOne({ '_id.id': 'sale-1' });
        await site.db
          .collection('sales')
          .updateOne({ _id: 'sale-1' as never }, { $set: { total: 2 } });
        await waitFor(
          'the edit captured',
          async () => (await outbox.findOne({ '_id.id': 'sale-1' }))?.['seq'] !== queued?.['seq'],
        );
      },
    };
    cluster = await createCluster({ sites: 1, faults: [faults] });
    const [a] = cluster.sites;
    await a!.db.collection('sales').insertOne({ _id: 'sale-1' as never, total: 1 });
    await waitFor(
      'the edit at central',
      async () =>
        (await cluster!.centralDb.collection('sales').findOne({ _id: 'sale-1' as never }))?.[
          'total'
        ] === 2,
    );
    expect(armed).toBe(false);
  });

  it("sets aside a document from central that the site's database refuses, and applies the rest", async () => {
    cluster = await createCluster({ sites: 2 });
    const [a, b] = cluster.sites;
    await a!.db.command({
      collMod: 'products',
      validator: { $jsonSchema: { properties: { price: { bsonType: ['int', 'double'] } } } },
    });
    await a!.db.collection('products').createIndex({ sku: 1 }, { unique: true, sparse: true });
    await a!.db.collection('products').insertOne({ _id: 'local-tea' as never, sku: 'TEA' });
    for (const doc of [
      { _id: 'p1', price: 'free' },
      { _id: 'p2', price: 2 },
      { _id: 'p3', sku: 'TEA', price: 3 },
      { _id: 'p4', price: 4 },
    ])
      await cluster.headOffice.insert(cluster.dbName, 'products', doc);
    const ids = async (site: TestSite) =>
      (
        await site.db
          .collection('products')
          .find({}, { sort: { _id: 1 } })
          .toArray()
      ).map((doc) => doc._id);
    await waitFor('every document at b', async () => (await ids(b!)).length === 5);
    await waitFor('the accepted documents at a', async () => (await ids(a!)).length === 3);
    expect(await ids(a!)).toEqual(['local-tea', 'p2', 'p4']);
    const setAside = await a!.metaDb
      .collection('quarantine')
      .find({ direction: 'pull' }, { sort: { '_id.id': 1 } })
      .toArray();
    expect(setAside.map((q): unknown[] => [q['_id'].id, q['code']])).toEqual([
      ['p1', 121],
      ['p3', 11000],
    ]);
    expect(setAside[0]!['reason']).toMatch(/refused the document from central/);
    expect((await a!.engine.status()).quarantined).toBe(2);
    expect(await a!.metaDb.collection('log').countDocuments({ event: 'pull.quarantined' })).toBe(2);
    // Its next version is applied as usual once the site accepts it.
    await cluster.headOffice.update(cluster.dbName, 'products', 'p1', (doc) => ({
      ...doc,
      price: 1,
    }));
    await waitFor('p1 at a', async () => (await ids(a!)).includes('p1' as never));
    expect(await ids(a!)).toEqual(['local-tea', 'p1', 'p2', 'p4']);
  });
});

/**
 * One site with `sales` sales queued, its first push round held just before it writes central,
 * and sync paused meanwhile: the round is still under way. `release` lets it go on.
 */
async function pausedMidRound(sales: number): Promise<{ a: TestSite; release: () => void }> {
  let release: (() => void) | undefined;
  const faults: Faults = {
    async hit(point) {
      if (point !== 'push:before-central-write' || release) return;
      await new Promise<void>((resolve) => (release = resolve));
    },
  };
  cluster = await createCluster({ sites: 1, faults: [faults] });
  const a = cluster.sites[0]!;
  await ringUp(a, sales);
  await waitFor('a push round under way', () => release !== undefined);
  await a.engine.pause();
  return { a, release: () => release!() };
}

/** Sales `s-0`... rung up at `site`, all at once. */
async function ringUp(site: TestSite, count: number): Promise<void> {
  await site.db
    .collection('sales')
    .insertMany(Array.from({ length: count }, (_, i) => ({ _id: `s-${i}` as never, total: i })));
}

function salesAtCentral(): Promise<number> {
  return cluster!.centralDb.collection('sales').countDocuments();
}

/** Whether `check` comes true within `timeoutMs` (waitFor, answering instead of throwing). */
function holdsWithin(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  return waitFor(what, check, timeoutMs).then(
    () => true,
    () => false,
  );
}

/** Waits until central holds `count` sales and the site's outbox is empty. */
async function allSent(site: TestSite, count: number): Promise<void> {
  await waitFor(
    `${count} sales at central and the outbox empty`,
    async () =>
      (await salesAtCentral()) === count && (await site.engine.status()).outboxDepth === 0,
  );
}
