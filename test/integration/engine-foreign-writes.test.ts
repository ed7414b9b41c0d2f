import type { Document, Timestamp } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { ADOPTED_ORIGIN } from '../../sync/pull/adopt.js';
import {
  converged,
  createCluster,
  waitFor,
  type TestCluster,
  type TestSite,
} from '../harness/sync-cluster.js';

// Head office's own tools write central with the plain driver, not through Outpost.

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

type Sync = { v: string; o: string; h: string[]; ct: Timestamp };

const product = (site: TestSite, id: string) =>
  site.db.collection('products').findOne({ _id: id as never });
const atCentral = (id: string) =>
  cluster!.centralDb.collection('products').findOne({ _id: id as never });
const syncOf = (doc: Document | null) => doc?.['_sync'] as Sync;

/** Pull has finished its first copy and reads central's change stream. */
const streaming = (site: TestSite) =>
  waitFor(`${site.name}'s pull stream`, async () => {
    const checkpoint = await site.metaDb
      .collection('checkpoints')
      .findOne({ _id: `pull:${cluster!.dbName}` as never });
    return checkpoint?.['bootstrapped'] === true && checkpoint['token'] != null;
  });

describe('writes made at central by other applications', () => {
  it('reaches every site, the one that wrote the document last included, stamped with a new version', async () => {
    cluster = await createCluster({ sites: 2 });
    const [a, b] = cluster.sites;
    await a!.db.collection('products').insertOne({ _id: 'p1' as never, price: 5 });
    await waitFor('p1 at b', async () => (await product(b!, 'p1'))?.['price'] === 5);
    const before = syncOf(await atCentral('p1'));
    expect(before.o).toBe(a!.instanceId);

    await cluster.centralDb
      .collection('products')
      .updateOne({ _id: 'p1' as never }, { $set: { price: 7 } });

    for (const site of [a!, b!])
      await waitFor(
        `the new price at ${site.name}`,
        async () => (await product(site, 'p1'))?.['price'] === 7,
      );
    const after = syncOf(await atCentral('p1'));
    expect(after.o).toBe(ADOPTED_ORIGIN);
    expect(after.v > before.v).toBe(true);
    expect(after.h).toEqual([...before.h, after.v]);
    // A fresh commit time: a site catching up with a scan after losing its stream sees it too.
    expect(after.ct.gt(before.ct)).toBe(true);
    await waitFor('convergence', () => converged(cluster!, ['products']));
    expect(await atCentral('p1')).toMatchObject({ price: 7, _sync: { v: after.v } });
  });

  it('reaches a site that is alone and wrote the document last', async () => {
    cluster = await createCluster({ sites: 1 });
    const [a] = cluster.sites;
    await a!.db.collection('products').insertOne({ _id: 'p1' as never, price: 5 });
    await waitFor('p1 at central', async () => Boolean(await atCentral('p1')));
    await streaming(a!);
    await cluster.centralDb
      .collection('products')
      .updateOne({ _id: 'p1' as never }, { $unset: { price: 1 }, $set: { sold: true } });
    await waitFor('the change at a', async () => (await product(a!, 'p1'))?.['sold'] === true);
    expect(await product(a!, 'p1')).toEqual({ _id: 'p1', sold: true });
    expect(syncOf(await atCentral('p1')).o).toBe(ADOPTED_ORIGIN);
  });

  it('adopts a change a catch-up scan finds under a version the site already has', async () => {
    cluster = await createCluster({ sites: 1 });
    const [a] = cluster.sites;
    await a!.db.collection('products').insertOne({ _id: 'p1' as never, price: 5 });
    await waitFor('p1 at central', async () => Boolean(await atCentral('p1')));
    await streaming(a!);
    await a!.engine.stop();
    await cluster.centralDb
      .collection('products')
      .updateOne({ _id: 'p1' as never }, { $set: { price: 8 } });
    // The stream cannot resume (its history is gone): pull scans what changed since its checkpoint.
    await cluster.central.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['aggregate'], errorCode: 286, appName: a!.instanceId },
    });
    await cluster.restart(a!);
    await waitFor('the new price at a', async () => (await product(a!, 'p1'))?.['price'] === 8);
    expect(await a!.metaDb.collection('log').countDocuments({ event: 'pull.caught-up' })).toBe(1);
    expect(syncOf(await atCentral('p1')).o).toBe(ADOPTED_ORIGIN);
  });

  it('turns a site edit made on the version before into a conflict, not an overwrite', async () => {
    cluster = await createCluster({ sites: 2, collections: { products: { strategy: 'merge' } } });
    const [a, b] = cluster.sites;
    await a!.db.collection('products').insertOne({ _id: 'p1' as never, price: 5, name: 'tea' });
    await waitFor('p1 at b', async () => Boolean(await product(b!, 'p1')));

    await a!.engine.pause();
    await a!.db
      .collection('products')
      .updateOne({ _id: 'p1' as never }, { $set: { name: 'green tea' } });
    await cluster.centralDb
      .collection('products')
      .updateOne({ _id: 'p1' as never }, { $set: { price: 7 } });
    await waitFor('b has the new price', async () => (await product(b!, 'p1'))?.['price'] === 7);
    await a!.engine.resume();

    const both = { _id: 'p1', price: 7, name: 'green tea' };
    for (const site of [a!, b!])
      await waitFor(
        `both changes at ${site.name}`,
        async () => JSON.stringify(await product(site, 'p1')) === JSON.stringify(both),
      );
    await waitFor('convergence', () => converged(cluster!, ['products']));
    expect(await atCentral('p1')).toMatchObject(both);
    expect(await a!.metaDb.collection('conflicts').countDocuments({ 'key.id': 'p1' })).toBe(1);
  });

  it('adopts documents inserted or replaced without _sync', async () => {
    cluster = await createCluster({ sites: 2 });
    const [a, b] = cluster.sites;
    await a!.db.collection('products').insertOne({ _id: 'p1' as never, price: 5 });
    await waitFor('p1 at b', async () => Boolean(await product(b!, 'p1')));

    const products = cluster.centralDb.collection('products');
    await products.replaceOne({ _id: 'p1' as never }, { price: 9 });
    await products.insertOne({ _id: 'p2' as never, price: 3 });

    for (const site of [a!, b!]) {
      await waitFor(
        `the replacement at ${site.name}`,
        async () => (await product(site, 'p1'))?.['price'] === 9,
      );
      await waitFor(
        `the insert at ${site.name}`,
        async () => (await product(site, 'p2'))?.['price'] === 3,
      );
    }
    for (const id of ['p1', 'p2']) expect(syncOf(await atCentral(id)).o).toBe(ADOPTED_ORIGIN);
    await waitFor('convergence', () => converged(cluster!, ['products']));
  });
});
