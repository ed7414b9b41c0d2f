/**
 * Three sites and head office write at random (inserts, updates, deletes; shared stock documents
 * edited concurrently) while sites drop offline and come back. Afterwards every site and central
 * hold identical content, and every sale written at a site is at central exactly as the site last
 * left it: once, not lost, not duplicated.
 */
import type { Document } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHash, stripSync } from '../../sync/engine/hash.js';
import { seededRandom } from '../harness/random.js';
import { converged, createCluster, waitFor, type TestCluster } from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const SEED = Number(process.env['OUTPOST_SEED'] ?? 20261121);
const ROUNDS = Number(process.env['OUTPOST_CONVERGENCE_ROUNDS'] ?? 12);

describe('convergence', () => {
  it(`converges three sites and central under random writes and outages (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
    const random = seededRandom(SEED);
    cluster = await createCluster({ sites: 3 });
    const { sites, headOffice, dbName } = cluster;
    const expected = sites.map(() => new Map<string, Document | null>());
    const skus = Array.from({ length: 6 }, (_, i) => `sku-${i}`);
    for (const sku of skus) await headOffice.insert(dbName, 'stock', { _id: sku, qty: 100 });
    await waitFor('stock everywhere', async () => {
      const counts = await Promise.all(sites.map((s) => s.db.collection('stock').countDocuments()));
      return counts.every((n) => n === skus.length);
    });
    let products = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const site = random.pick(sites);
      if (site.proxy.isOnline ? random.chance(0.6) : true) {
        if (site.proxy.isOnline) site.proxy.cut();
        else site.proxy.restore();
      }
      await Promise.all(
        sites.map(async (s, index) => {
          const mine = expected[index]!;
          for (let op = 0; op < 12; op++) {
            const live = [...mine].filter(([, doc]) => doc !== null).map(([id]) => id);
            const roll = random.next();
            if (roll < 0.45 || live.length === 0) {
              const doc = {
                _id: `${s.name}-${round}-${op}`,
                total: random.int(500),
                lines: random.int(5),
              };
              await s.db.collection('sales').insertOne(doc as never);
              mine.set(doc._id, doc);
            } else if (roll < 0.7) {
              const id = random.pick(live);
              const doc = {
                ...mine.get(id)!,
                total: random.int(500),
                note: `edited in round ${round}`,
              };
              await s.db.collection('sales').replaceOne({ _id: id as never }, doc);
              mine.set(id, doc);
            } else if (roll < 0.8) {
              const id = random.pick(live);
              await s.db.collection('sales').deleteOne({ _id: id as never });
              mine.set(id, null);
            } else {
              await s.db
                .collection('stock')
                .updateOne(
                  { _id: random.pick(skus) as never },
                  { $set: { qty: random.int(100), by: s.name } },
                );
            }
          }
        }),
      );
      // Head office: catalogue changes and stock corrections, concurrently with the sites.
      await headOffice.insert(dbName, 'products', {
        _id: `p-${products++}`,
        price: random.int(100),
      });
      if (products > 2 && random.chance(0.5))
        await headOffice.delete(dbName, 'products', `p-${random.int(products - 1)}`);
      await headOffice.update(dbName, 'stock', random.pick(skus), (doc) => ({
        ...doc,
        qty: random.int(100),
        by: 'head-office',
      }));
      await new Promise((resolve) => setTimeout(resolve, random.int(400)));
    }
    for (const site of sites) site.proxy.restore();
    await waitFor(
      'convergence',
      () => converged(cluster!, ['sales', 'stock', 'products']),
      180_000,
    );

    const atCentral = new Map(
      (await cluster.centralDb.collection('sales').find().toArray()).map((doc) => [
        String(doc._id),
        contentHash(stripSync(doc)),
      ]),
    );
    let checked = 0;
    for (const mine of expected) {
      for (const [id, doc] of mine) {
        if (doc === null) expect(atCentral.has(id), `${id} was deleted at its site`).toBe(false);
        else expect(atCentral.get(id), `${id} as its site last wrote it`).toBe(contentHash(doc));
        checked++;
      }
    }
    const written = expected.reduce(
      (n, mine) => n + [...mine.values()].filter((d) => d !== null).length,
      0,
    );
    expect(atCentral.size).toBe(written);
    expect(checked).toBeGreaterThan(ROUNDS * 10);
  });
});
