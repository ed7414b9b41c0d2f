import type { Db } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { converged, createCluster, waitFor, type TestCluster } from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('a site moving onto Outpost from a home-made sync', () => {
  it("keeps central's copies under central-wins, set for the move", async () => {
    cluster = await createCluster({
      sites: 1,
      start: false,
      collections: { products: { strategy: 'central-wins' } },
    });
    const [a] = cluster.sites;
    await cluster.centralDb.collection('products').insertOne({ _id: 'edited' as never, price: 6 });
    await a!.db.collection('products').insertMany([
      { _id: 'edited' as never, price: 9 },
      { _id: 'site-only' as never, price: 8 },
    ]);
    await a!.engine.start();
    await waitFor('convergence', () => converged(cluster!, ['products']), 60_000);
    for (const db of [cluster.centralDb, a!.db])
      expect(
        await db
          .collection('products')
          .find({}, { projection: { _sync: 0 } })
          .sort({ _id: 1 })
          .toArray(),
      ).toEqual([
        { _id: 'edited', price: 6 },
        { _id: 'site-only', price: 8 },
      ]);
  });

  it('joins a central that already holds its documents: the same ones stay, the rest go both ways', async () => {
    cluster = await createCluster({ sites: 1, start: false });
    const [a] = cluster.sites;
    const old = { syncStatus: 'synced', updatedAt: new Date('2026-01-01T00:00:00Z') };
    await cluster.centralDb.collection('products').insertMany([
      { _id: 'same' as never, price: 5, ...old },
      { _id: 'edited' as never, price: 6, ...old },
      { _id: 'central-only' as never, price: 7, ...old },
    ]);
    await a!.db.collection('products').insertMany([
      { _id: 'same' as never, price: 5, ...old },
      { _id: 'edited' as never, price: 9, ...old, syncStatus: 'pending' },
      { _id: 'site-only' as never, price: 8, ...old, syncStatus: 'pending' },
    ]);
    await a!.engine.start();
    await waitFor('convergence', () => converged(cluster!, ['products']), 60_000);
    const prices = async (db: Db): Promise<Record<string, unknown>> =>
      Object.fromEntries(
        (await db.collection('products').find().toArray()).map((d): [string, unknown] => [
          String(d._id),
          d['price'],
        ]),
      );
    expect(await prices(cluster.centralDb)).toEqual({
      same: 5,
      edited: 9,
      'central-only': 7,
      'site-only': 8,
    });
    expect(await prices(a!.db)).toEqual(await prices(cluster.centralDb));
    // Documents both held: an insert meeting an _id central has, settled by the collection's
    // strategy (lww: central's copies have no version, so the site's wins), and recorded.
    const conflicts = await a!.metaDb
      .collection('conflicts')
      .find({}, { sort: { 'key.id': 1 } })
      .toArray();
    expect(
      conflicts.map((c): unknown[] => [
        (c['key'] as { id: unknown }).id,
        c['kind'],
        c['state'],
        (c['resolution'] as { outcome?: string } | undefined)?.outcome,
      ]),
    ).toEqual([
      ['edited', 'insert-insert', 'resolved', 'site'],
      ['same', 'insert-insert', 'resolved', 'site'],
    ]);
    // The old layer's bookkeeping is data to Outpost: carried as it is, never read.
    expect(
      await cluster.centralDb.collection('products').findOne({ _id: 'site-only' as never }),
    ).toMatchObject({ syncStatus: 'pending', _sync: { o: a!.instanceId } });
  });
});
