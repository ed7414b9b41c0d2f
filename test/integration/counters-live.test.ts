/**
 * Stock counters under continuous traffic: both sites sell against the same stock documents
 * while online, so pushes, pulls and counter merges interleave with the POS's own writes.
 */
import { afterEach, expect, it } from 'vitest';
import { converged, createCluster, waitFor, type TestCluster } from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const ITEMS = ['beans', 'milk', 'cups'];

it('no decrement is lost while both sites sell online against the same stock', async () => {
  cluster = await createCluster({ sites: 2, collections: { stock: { counters: ['qty'] } } });
  const c = cluster;
  for (const id of ITEMS) await c.headOffice.insert(c.dbName, 'stock', { _id: id, qty: 10_000 });
  await waitFor('stock at both sites', async () => {
    const counts = await Promise.all(c.sites.map((s) => s.db.collection('stock').countDocuments()));
    return counts.every((n) => n === ITEMS.length);
  });
  const sold = new Map<string, number>(ITEMS.map((id) => [id, 0]));
  const until = Date.now() + Number(process.env['OUTPOST_COUNTERS_MS'] ?? 8_000);
  await Promise.all(
    c.sites.map(async (site) => {
      while (Date.now() < until) {
        const id = ITEMS[Math.floor(Math.random() * ITEMS.length)]!;
        const qty = 1 + Math.floor(Math.random() * 3);
        const r = await site.db
          .collection('stock')
          .updateOne({ _id: id as never }, { $inc: { qty: -qty } });
        if (r.matchedCount === 1) sold.set(id, sold.get(id)! + qty);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
      }
    }),
  );
  await waitFor('convergence', () => converged(c, ['stock']), 60_000);
  for (const db of [c.centralDb, ...c.sites.map((s) => s.db)]) {
    const stock = await db.collection('stock').find().sort({ _id: 1 }).toArray();
    expect(Object.fromEntries(stock.map((d) => [d._id, d['qty']]))).toEqual(
      Object.fromEntries([...ITEMS].sort().map((id) => [id, 10_000 - sold.get(id)!])),
    );
  }
}, 120_000);
