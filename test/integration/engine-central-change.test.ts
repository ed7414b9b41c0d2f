/**
 * A site pointed at another central than the one it synced with (a move to Atlas, a central
 * restored empty): against real mongods, the harness's third site mongod standing in for the new
 * central. The site must send everything it holds to a new central, delete nothing, and go on
 * where it was with a copy of the old one. And the hooks the runtime backs up with are called
 * before anything moves: before a first sync, and before syncing anew.
 */
import { MongoClient, type Db, type Document } from 'mongodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { NewCentral } from '../../sync/central/identity.js';
import { testCentralConnection } from '../../sync/api/connection-test.js';
import type { CheckpointDoc } from '../../sync/engine/store.js';
import { createSyncEngine } from '../../sync/engine/create-engine.js';
import { verifyCollections } from '../../sync/verify/verify.js';
import { CENTRAL_OWN } from '../harness/db-names.js';
import {
  createCluster,
  sameContent,
  waitFor,
  type TestCluster,
  type TestSite,
} from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A client of the new central, and its copy of the test's database (dropped afterwards). */
function otherCentral(dbName: string): { client: MongoClient; db: Db } {
  const client = new MongoClient(inject('mongo').sites[2]!, { serverSelectionTimeoutMS: 1_500 });
  const db = client.db(dbName);
  cleanups.push(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });
  return { client, db };
}

/** Stops the site's engine and starts one on the same data against `central`. */
async function moveTo(
  site: TestSite,
  central: MongoClient,
  changes: NewCentral[],
  dbName: string,
): Promise<void> {
  await site.engine.stop();
  // As on a central at the harness's: collections made before two writers race to create them.
  for (const coll of ['sales', 'products', ...CENTRAL_OWN])
    await central
      .db(dbName)
      .createCollection(coll)
      .catch(() => undefined);
  site.options = {
    ...site.options,
    central,
    onNewCentral: (change) => {
      changes.push(change);
      return Promise.resolve();
    },
  };
  site.engine = createSyncEngine(site.options);
  await site.engine.start();
}

/** What the connection test says saving `uri` would do, from the site's recorded binding. */
async function afterSave(site: TestSite, dbName: string, uri: string): Promise<string[]> {
  const recorded = await site.metaDb
    .collection<CheckpointDoc>('checkpoints')
    .findOne({ _id: `central:${dbName}` });
  const result = await testCentralConnection(uri, {
    bound: [
      {
        db: dbName,
        centralName: dbName,
        centralId: recorded!.centralId!,
        cluster: recorded!.cluster,
      },
    ],
  });
  expect(result.ok).toBe(true);
  return result.afterSave ?? [];
}

const idle = async (site: TestSite) => {
  const status = await site.engine.status();
  return status.outboxDepth === 0 && ['idle', 'syncing'].includes(status.state.name);
};

async function centralLog(site: TestSite): Promise<Document[]> {
  return site.metaDb.collection('log').find({ event: 'central.changed' }).toArray();
}

describe('a site pointed at another central', () => {
  it('sends everything it holds to a new, empty central, takes what that one has, and deletes nothing', async () => {
    cluster = await createCluster({ sites: 1 });
    const [a] = cluster.sites;
    const sales = Array.from({ length: 30 }, (_, i) => ({ _id: `sale-${i}`, total: i }));
    await a!.db.collection('sales').insertMany(sales as never[]);
    await cluster.headOffice.insert(cluster.dbName, 'products', { _id: 'tea', price: 3 });
    await waitFor(
      'first sync',
      async () => (await idle(a!)) && (await a!.db.collection('products').countDocuments()) === 1,
    );
    await waitFor(
      'sales at the first central',
      async () => (await cluster!.centralDb.collection('sales').countDocuments()) === 30,
    );
    const before = await a!.metaDb
      .collection('checkpoints')
      .findOne({ _id: `central:${cluster.dbName}` as never });
    expect(before?.['centralId']).toEqual(expect.any(String));

    const next = otherCentral(cluster.dbName);
    // Head office already works on the new central.
    await next.db.collection('products').insertOne({ _id: 'coffee' as never, price: 4 });
    // The connection test says what saving it would do; of the central in use, nothing.
    expect(await afterSave(a!, cluster.dbName, inject('mongo').central)).toEqual([]);
    expect(await afterSave(a!, cluster.dbName, inject('mongo').sites[2]!)).toEqual([
      `This is not the central this site has synced ${cluster.dbName} with. Saving it makes the site back up ${cluster.dbName} on this computer first, then send everything it holds to this central and take what this central has, settled by each collection's rule.`,
    ]);
    const changes: NewCentral[] = [];
    await moveTo(a!, next.client, changes, cluster.dbName);
    // A sale rung up while the site re-binds is sent as well.
    await a!.db.collection('sales').insertOne({ _id: 'during' as never, total: 99 });

    await waitFor(
      'everything at the new central',
      async () =>
        (await idle(a!)) &&
        (await next.db.collection('sales').countDocuments()) === 31 &&
        (await a!.db.collection('products').countDocuments()) === 2,
    );
    expect(await sameContent(a!.db, next.db, 'sales')).toBe(true);
    expect(await sameContent(a!.db, next.db, 'products')).toBe(true);
    expect(await a!.db.collection('sales').countDocuments()).toBe(31);
    const identity = (await next.db
      .collection('outpost_central')
      .findOne({ _id: 'identity' as never })) as { id: string } | null;
    expect(changes).toEqual([
      { db: cluster.dbName, from: before!['centralId'] as string, to: identity!.id },
    ]);
    expect(
      (
        await a!.metaDb
          .collection('checkpoints')
          .findOne({ _id: `central:${cluster.dbName}` as never })
      )?.['centralId'],
    ).toBe(identity!.id);
    expect(await centralLog(a!)).toEqual([
      expect.objectContaining({ level: 'warn', db: cluster.dbName, to: identity!.id }),
    ]);

    // Everything the site held, and perhaps the sale rung up meanwhile.
    expect((await centralLog(a!))[0]!['queued']).toBeGreaterThanOrEqual(31);

    // Verify with repair agrees: nothing differs, and nothing is deleted at the site.
    const report = await verifyCollections(a!.engine.context!, { repair: true });
    expect(report.totals.differing).toBe(0);
    expect(await a!.db.collection('sales').countDocuments()).toBe(31);

    // Going on: a restart binds to the same central without syncing anew.
    await cluster.restart(a!);
    await a!.db.collection('sales').insertOne({ _id: 'after' as never, total: 7 });
    await waitFor(
      'the next sale',
      async () =>
        (await next.db.collection('sales').countDocuments({ _id: 'after' as never })) === 1,
    );
    expect(changes).toHaveLength(1);
    expect(await centralLog(a!)).toHaveLength(1);
  });

  it('goes on where it was with a copy of its central (dumped and restored elsewhere): nothing is sent again', async () => {
    cluster = await createCluster({ sites: 1 });
    const [a] = cluster.sites;
    await a!.db
      .collection('sales')
      .insertMany(
        Array.from({ length: 20 }, (_, i) => ({ _id: `sale-${i}`, total: i })) as never[],
      );
    for (const [id, price] of [
      ['tea', 3],
      ['cake', 5],
    ] as const)
      await cluster.headOffice.insert(cluster.dbName, 'products', { _id: id, price });
    await waitFor(
      'first sync',
      async () =>
        (await idle(a!)) &&
        (await cluster!.centralDb.collection('sales').countDocuments()) === 20 &&
        (await a!.db.collection('products').countDocuments()) === 2,
    );
    await a!.engine.stop();
    // Head office works on at the old central while the site is away, then central is copied.
    await cluster.headOffice.delete(cluster.dbName, 'products', 'tea');
    await cluster.headOffice.update(cluster.dbName, 'products', 'cake', (doc) => ({
      ...doc,
      price: 6,
    }));
    // The copy: every collection of the database, Outpost's own among them, as mongorestore
    // would make it on another cluster.
    const next = otherCentral(cluster.dbName);
    for (const coll of ['sales', 'products', ...CENTRAL_OWN]) {
      const docs = await cluster.centralDb.collection(coll).find().toArray();
      if (docs.length > 0) await next.db.collection(coll).insertMany(docs);
    }
    const versions = async () =>
      (
        await next.db
          .collection('sales')
          .find({}, { sort: { _id: 1 } })
          .toArray()
      ).map((d) => [d._id, (d['_sync'] as { v: string }).v]);
    const copied = await versions();
    expect(await afterSave(a!, cluster.dbName, inject('mongo').sites[2]!)).toEqual([
      `This central holds a copy of the one this site has synced ${cluster.dbName} with, on another cluster. Saving it makes the site read its records again once; nothing is sent twice.`,
    ]);
    const changes: NewCentral[] = [];
    await moveTo(a!, next.client, changes, cluster.dbName);
    await a!.db.collection('sales').insertOne({ _id: 'after' as never, total: 7 });
    await next.db.collection('products').insertOne({ _id: 'coffee' as never, price: 4 });
    await waitFor(
      'a new sale out and a product in',
      async () =>
        (await idle(a!)) &&
        (await next.db.collection('sales').countDocuments()) === 21 &&
        (await a!.db.collection('products').countDocuments({ _id: 'coffee' as never })) === 1,
    );
    expect(changes).toEqual([]);
    expect(await centralLog(a!)).toEqual([]);
    // Another cluster: pull copied central's documents again and took the deletes since.
    expect(
      await a!.metaDb.collection('log').find({ event: 'central.moved' }).toArray(),
    ).toHaveLength(1);
    expect(
      await a!.db
        .collection('products')
        .find({}, { sort: { _id: 1 } })
        .toArray(),
    ).toEqual([
      { _id: 'cake', price: 6 },
      { _id: 'coffee', price: 4 },
    ]);
    // The copied sales keep their versions: none was sent again.
    expect((await versions()).filter(([id]) => id !== 'after')).toEqual(copied);
  });

  it('asks for the backup before a first sync once central answers, before anything moves', async () => {
    cluster = await createCluster({ sites: 1, start: false });
    const [a] = cluster.sites;
    await cluster.headOffice.insert(cluster.dbName, 'products', { _id: 'tea', price: 3 });
    const seen: Record<string, unknown>[] = [];
    a!.options = {
      ...a!.options,
      onFirstSync: async (db) => {
        seen.push({
          db,
          siteSales: await a!.db.collection('sales').countDocuments(),
          siteProducts: await a!.db.collection('products').countDocuments(),
          centralSales: await cluster!.centralDb.collection('sales').countDocuments(),
          // The status says what sync waits for meanwhile.
          preparing: (await a!.engine.status()).preparing.map((p) => [p.db, p.step]),
        });
      },
    };
    a!.engine = createSyncEngine(a!.options);
    // The site starts offline and sells.
    a!.proxy.cut();
    await a!.engine.start();
    await a!.db
      .collection('sales')
      .insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: `sale-${i}`, total: i })) as never[]);
    await waitFor('the sales queued', async () => (await a!.engine.status()).outboxDepth === 5);
    expect(seen).toEqual([]);
    a!.proxy.restore();
    await waitFor(
      'first sync',
      async () =>
        (await idle(a!)) &&
        (await cluster!.centralDb.collection('sales').countDocuments()) === 5 &&
        (await a!.db.collection('products').countDocuments()) === 1,
    );
    // Asked once, with the day's sales in the database and nothing pulled or sent yet.
    expect(seen).toEqual([
      {
        db: cluster.dbName,
        siteSales: 5,
        siteProducts: 0,
        centralSales: 0,
        preparing: [[cluster.dbName, 'backup-before-first-sync']],
      },
    ]);
    expect((await a!.engine.status()).preparing).toEqual([]);
    await cluster.restart(a!);
    await a!.db.collection('sales').insertOne({ _id: 'next' as never, total: 1 });
    await waitFor(
      'the next sale',
      async () => (await cluster!.centralDb.collection('sales').countDocuments()) === 6,
    );
    expect(seen).toHaveLength(1);
  });

  it('takes bookkeeping from before identities for the central that knows the site', async () => {
    cluster = await createCluster({ sites: 1 });
    const [a] = cluster.sites;
    await a!.db.collection('sales').insertOne({ _id: 'one' as never, total: 1 });
    await waitFor(
      'first sync',
      async () =>
        (await idle(a!)) && (await cluster!.centralDb.collection('sales').countDocuments()) === 1,
    );
    await waitFor(
      'registered',
      async () =>
        (await cluster!.centralDb
          .collection('outpost_sites')
          .countDocuments({ _id: a!.instanceId as never })) === 1,
    );
    await a!.engine.stop();
    // As an Outpost from before identities left them: neither side has one.
    await a!.metaDb
      .collection('checkpoints')
      .deleteOne({ _id: `central:${cluster.dbName}` as never });
    await cluster.centralDb.collection('outpost_central').deleteMany({});
    const version = async () =>
      (
        (await cluster!.centralDb.collection('sales').findOne({ _id: 'one' as never }))?.[
          '_sync'
        ] as {
          v: string;
        }
      ).v;
    const sent = await version();
    await cluster.restart(a!);
    await a!.db.collection('sales').insertOne({ _id: 'two' as never, total: 2 });
    await waitFor(
      'the next sale',
      async () =>
        (await idle(a!)) && (await cluster!.centralDb.collection('sales').countDocuments()) === 2,
    );
    const identity = await cluster.centralDb
      .collection('outpost_central')
      .findOne({ _id: 'identity' as never });
    expect(
      (
        await a!.metaDb
          .collection('checkpoints')
          .findOne({ _id: `central:${cluster.dbName}` as never })
      )?.['centralId'],
    ).toBe(identity?.['id']);
    expect(await centralLog(a!)).toEqual([]);
    expect(await version()).toBe(sent);
  });
});
