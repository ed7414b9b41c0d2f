import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, waitFor, type TestCluster } from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const TOTAL = Number(process.env['OUTPOST_BOOTSTRAP_DOCS'] ?? 100_000);

describe('bootstrap', () => {
  it(`copies a central of ${TOTAL} documents to a new site, interrupted once and resumed`, async () => {
    cluster = await createCluster({
      sites: 1,
      start: false,
      tunables: { pullBatchSize: 1_000, batchSize: 1_000 },
    });
    const [site] = cluster.sites;
    const products = cluster.centralDb.collection('products');
    for (let start = 0; start < TOTAL; start += 10_000) {
      const docs = Array.from({ length: Math.min(10_000, TOTAL - start) }, (_, i) => ({
        _id: start + i,
        sku: `SKU-${start + i}`,
        name: `Product ${start + i}`,
        price: ((start + i) % 1000) / 10,
      }));
      await products.insertMany(docs as never[], { ordered: false });
    }
    // Interrupt the bootstrap once, a third of the way through: the pull loop fails and restarts.
    let batches = 0;
    site!.options.faults = {
      hit(point) {
        if (point === 'bootstrap:after-batch' && ++batches === Math.ceil(TOTAL / 3_000))
          throw new Error('interrupted by the test');
      },
    };
    cluster.sites[0]!.engine = (
      await import('../../sync/engine/create-engine.js')
    ).createSyncEngine(site!.options);
    await site!.engine.start();
    // A site write during bootstrap is pushed, not lost.
    await site!.db.collection('sales').insertOne({ _id: 'during-bootstrap' as never, total: 1 });
    await waitFor(
      'every product at the site',
      async () => (await site!.db.collection('products').estimatedDocumentCount()) === TOTAL,
      600_000,
    );
    const resumed = await site!.metaDb.collection('log').findOne({ event: 'bootstrap.resumed' });
    expect(resumed, 'the bootstrap resumed from its checkpoint').not.toBeNull();
    expect(resumed?.['done']).toBeGreaterThan(0);
    // The total is counted when the (resumed) bootstrap starts: the sale pushed meanwhile is in it.
    await waitFor('progress complete', async () => {
      const [progress] = (await site!.engine.status()).bootstrap;
      return progress !== undefined && progress.done === progress.total && progress.total >= TOTAL;
    });
    expect(await site!.metaDb.collection('meta').countDocuments({ '_id.coll': 'products' })).toBe(
      TOTAL,
    );
    const sample = await site!.db.collection('products').findOne({ _id: 4242 as never });
    expect(sample).toEqual({ _id: 4242, sku: 'SKU-4242', name: 'Product 4242', price: 24.2 });
    await waitFor(
      'the sale at central',
      async () => (await cluster!.centralDb.collection('sales').countDocuments()) === 1,
    );
  });
});
