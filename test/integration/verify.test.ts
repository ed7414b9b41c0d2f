/**
 * Verify and repair against real mongods. Drift is injected "behind the engine's back": the
 * engine is stopped, the site's database written directly, and capture's start point moved past
 * those writes before a new engine starts, so capture never sees them (as after a restore from
 * backup or lost oplog history). A write made while the engine runs is a POS sale instead: capture
 * queues it, and verify must call it pending, never drift.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db, Document, Timestamp } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHandlers, type ApiHandlers } from '../../sync/api/handlers.js';
import {
  apiTokenFile,
  createApiServer,
  writeApiDiscovery,
  type ApiServer,
} from '../../sync/api/http-server.js';
import type { VerifyCollectionReport, VerifyReport } from '../../sync/api/views.js';
import { loadConfig } from '../../sync/config/index.js';
import { contentHash } from '../../sync/engine/hash.js';
import { silentLogger } from '../../sync/logging/logger.js';
import { waitForCapture } from '../../sync/verify/capture-barrier.js';
import { createVerifyService, startScheduledVerify } from '../../sync/verify/service.js';
import { verifyCollections } from '../../sync/verify/verify.js';
import {
  converged,
  createCluster,
  snapshot,
  waitFor,
  type TestCluster,
  type TestSite,
} from '../harness/sync-cluster.js';
import { runOutpost as outpost } from '../harness/run-outpost.js';

let cluster: TestCluster | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await cluster?.stop();
  cluster = undefined;
});

/** Stops the engine, runs `writes` on the site's database, hides them from capture, restarts. */
async function behindTheBack(
  c: TestCluster,
  site: TestSite,
  writes: (db: Db) => Promise<void>,
): Promise<void> {
  // Capture first takes in every write before the drift, and push sends it: a write it had still
  // to queue would come back after the restart, now carrying the drift, and push it to central.
  await waitForCapture(context(site), c.dbName);
  await waitFor('the outbox drained', async () => (await site.engine.status()).outboxDepth === 0);
  await site.engine.stop();
  await writes(site.db);
  const checkpoints = site.metaDb.collection('checkpoints');
  const id = `capture:${c.dbName}` as never;
  // A write after the drift, then its cluster time as capture's new start: the stream begins
  // strictly after the drift, with no resume token that would replay it.
  await checkpoints.updateOne({ _id: id }, { $set: { token: null } });
  const reply = await site.local.db('admin').command({ ping: 1 });
  await checkpoints.updateOne(
    { _id: id },
    { $set: { startAt: reply['operationTime'] as Timestamp } },
  );
  await c.restart(site);
}

function context(site: TestSite) {
  const ctx = site.engine.context;
  if (!ctx) throw new Error(`The engine of site ${site.name} is not started.`);
  return ctx;
}

function collection(report: VerifyReport, coll: string): VerifyCollectionReport {
  const found = report.collections.find((c) => c.coll === coll);
  if (!found) throw new Error(`No report for ${coll}: ${JSON.stringify(report.collections)}`);
  return found;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const sorted = (values: unknown[]) => [...values].map(String).sort();

/** The snapshot without the named ids. */
function without(map: Map<string, string>, ids: string[]): Map<string, string> {
  const out = new Map(map);
  for (const id of ids) out.delete(JSON.stringify(id));
  return out;
}

async function seedSales(c: TestCluster, site: TestSite, count: number): Promise<void> {
  const sales = Array.from({ length: count }, (_, i) => ({
    _id: `s${String(i + 1).padStart(2, '0')}`,
    total: (i + 1) * 10,
    lines: [{ sku: `sku-${i % 4}`, qty: 1 + (i % 3) }],
  }));
  await site.db.collection('sales').insertMany(sales as Document[]);
}

describe('verify and repair', () => {
  it('finds drift injected behind the engine’s back, repairs exactly it, and leaves pending sales alone', async () => {
    cluster = await createCluster({ sites: 1, collections: { products: { direction: 'pull' } } });
    const c = cluster;
    const site = c.sites[0]!;
    await seedSales(c, site, 30);
    for (let i = 1; i <= 10; i++)
      await c.headOffice.insert(c.dbName, 'sales', {
        _id: `h${String(i).padStart(2, '0')}`,
        total: i,
      });
    for (let i = 1; i <= 5; i++)
      await c.headOffice.insert(c.dbName, 'products', { _id: `p${i}`, price: i });
    await waitFor('seeded data everywhere', () => converged(c, ['sales', 'products']));
    const h05 = await site.db.collection('sales').findOne({ _id: 'h05' as never });
    await c.headOffice.delete(c.dbName, 'sales', 'h05');
    await waitFor(
      'the head-office delete at the site',
      async () => (await site.db.collection('sales').countDocuments({ _id: 'h05' as never })) === 0,
    );
    await waitFor('nothing pending', () => converged(c, ['sales', 'products']));

    // From here on capture takes a second to commit each batch: a sale rung up just before verify
    // is then not yet in the outbox when verify scans, and must still not be taken for drift.
    site.options.faults = {
      hit: (point) => (point === 'capture:before-commit' ? delay(1_000) : undefined),
    };
    await behindTheBack(c, site, async (db) => {
      await db.collection('sales').updateOne({ _id: 's03' as never }, { $set: { total: 999 } });
      await db.collection('sales').deleteOne({ _id: 's07' as never });
      await db
        .collection('sales')
        .insertOne({ _id: 'ghost-1' as never, total: 1, note: 'never synced' });
      await db.collection('sales').insertOne(h05!); // central deleted it; a restore brought it back
    });
    // A sale while sync is paused: capture queues it, push is held.
    await site.engine.pause();
    await site.db.collection('sales').updateOne({ _id: 's11' as never }, { $set: { total: 111 } });
    await waitFor(
      'the sale queued',
      async () =>
        (await site.metaDb
          .collection('outbox')
          .countDocuments({ '_id.coll': 'sales', '_id.id': 's11' })) === 1,
    );
    const ctx = context(site);
    expect(await site.metaDb.collection('outbox').countDocuments()).toBe(1); // the drift is invisible

    const involved = ['s03', 's07', 'ghost-1', 'h05', 's11', 's12'];
    const before = {
      local: await snapshot(site.db, 'sales'),
      central: await snapshot(c.centralDb, 'sales'),
      localProducts: await snapshot(site.db, 'products'),
    };

    const found = await verifyCollections(ctx, { bucketSize: 4 });
    const sales = collection(found, 'sales');
    expect(found.repair).toBe(false);
    expect(sorted(sales.ids)).toEqual(['ghost-1', 'h05', 's03', 's07']);
    expect(
      Object.fromEntries(
        sales.differences.map((d) => [String(d.id), [d.kind, d.action, d.repaired]]),
      ),
    ).toEqual({
      s03: ['changed', 'restore-from-central', false],
      s07: ['missing', 'restore-from-central', false],
      h05: ['extra', 'delete-local', false],
      'ghost-1': ['extra', 'queue-push', false],
    });
    expect(sales).toMatchObject({ differing: 4, repaired: 0, pending: 1, pendingIds: ['s11'] });
    // The 39 documents at central and the 2 only the site holds.
    expect(sales.compared).toBe(41);
    expect(collection(found, 'products')).toMatchObject({ compared: 5, differing: 0, pending: 0 });
    expect(found.totals).toMatchObject({ differing: 4, repaired: 0, pending: 1, remaining: 4 });
    // Report-only touches nothing.
    expect(await snapshot(site.db, 'sales')).toEqual(before.local);
    expect(await snapshot(c.centralDb, 'sales')).toEqual(before.central);

    // A sale right before the repair run, not waited for: verify waits for capture to take it.
    await site.db.collection('sales').updateOne({ _id: 's12' as never }, { $set: { total: 112 } });
    const repaired = await verifyCollections(ctx, { bucketSize: 4, repair: true });
    expect(repaired.totals).toMatchObject({ differing: 4, repaired: 4, pending: 2, remaining: 0 });
    expect(sorted(collection(repaired, 'sales').pendingIds)).toEqual(['s11', 's12']);
    expect(await site.db.collection('sales').findOne({ _id: 's12' as never })).toMatchObject({
      total: 112,
    });
    expect(collection(repaired, 'sales').differences.every((d) => d.repaired)).toBe(true);

    const local = site.db.collection('sales');
    const central = c.centralDb.collection('sales');
    const s03 = await central.findOne({ _id: 's03' as never });
    expect(await local.findOne({ _id: 's03' as never })).toEqual({
      _id: 's03',
      total: 30,
      lines: s03!['lines'] as unknown,
    });
    const meta = await site.metaDb
      .collection('meta')
      .findOne({ _id: { db: c.dbName, coll: 'sales', id: 's03' } as never });
    expect(meta).toMatchObject({
      base: (s03!['_sync'] as { v: string }).v,
      hash: contentHash(s03!),
      deleted: false,
    });
    expect(await local.countDocuments({ _id: 's07' as never })).toBe(1);
    expect(await local.countDocuments({ _id: 'h05' as never })).toBe(0);
    expect(await local.countDocuments({ _id: 'ghost-1' as never })).toBe(1);
    // The pending sale is untouched and still queued; the never-synced document is queued too.
    expect(await local.findOne({ _id: 's11' as never })).toMatchObject({ total: 111 });
    const queued = await site.metaDb
      .collection<{ _id: { id: string } }>('outbox')
      .find({ '_id.coll': 'sales' })
      .toArray();
    expect(sorted(queued.map((e) => e._id.id))).toEqual(expect.arrayContaining(['ghost-1', 's11']));
    // Nothing else changed, at the site or at central.
    const afterLocal = await snapshot(site.db, 'sales');
    expect(without(afterLocal, involved)).toEqual(without(before.local, involved));
    expect(afterLocal.get('"s07"')).toBe(before.central.get('"s07"'));
    expect(await snapshot(c.centralDb, 'sales')).toEqual(before.central);
    expect(await snapshot(site.db, 'products')).toEqual(before.localProducts);

    await site.engine.resume();
    await waitFor('the queued documents at central', async () => {
      const ghost = await central.countDocuments({ _id: 'ghost-1' as never });
      const sale = await central.findOne({ _id: 's11' as never });
      const later = await central.findOne({ _id: 's12' as never });
      return ghost === 1 && sale?.['total'] === 111 && later?.['total'] === 112;
    });
    await waitFor('convergence', () => converged(c, ['sales', 'products']));
    // The repair's own local writes went out as echoes: central still holds what it held.
    expect(without(await snapshot(c.centralDb, 'sales'), involved)).toEqual(
      without(before.central, involved),
    );
    expect((await central.findOne({ _id: 's03' as never }))?.['_sync']).toEqual(s03!['_sync']);
    expect(await central.countDocuments({ _id: 'h05' as never })).toBe(0);

    const again = await verifyCollections(ctx, { bucketSize: 4 });
    expect(again.totals).toMatchObject({ differing: 0, pending: 0, remaining: 0 });
    expect(collection(again, 'sales').compared).toBe(40); // ghost-1 now at central, h05 gone
  });

  it('compares only the site’s scope', async () => {
    cluster = await createCluster({
      sites: 1,
      siteIds: ['shop-1'],
      collections: { sales: { scope: { field: 'siteId', includeGlobal: false } } },
    });
    const c = cluster;
    const site = c.sites[0]!;
    for (let i = 1; i <= 6; i++) {
      await c.headOffice.insert(c.dbName, 'sales', { _id: `one-${i}`, siteId: 'shop-1', total: i });
      await c.headOffice.insert(c.dbName, 'sales', { _id: `two-${i}`, siteId: 'shop-2', total: i });
    }
    await site.db
      .collection('sales')
      .insertMany(
        [1, 2, 3].map((i) => ({ _id: `own-${i}`, siteId: 'shop-1', total: i })) as Document[],
      );
    await waitFor('the shop’s sales at both ends', async () => {
      const [local, central] = await Promise.all([
        site.db.collection('sales').countDocuments(),
        c.centralDb.collection('sales').countDocuments({ siteId: 'shop-1' }),
      ]);
      return local === 9 && central === 9;
    });

    const clean = await verifyCollections(context(site), { colls: ['sales'], bucketSize: 2 });
    // Central's other shop is not "missing" here.
    expect(clean.collections).toHaveLength(1);
    expect(collection(clean, 'sales')).toMatchObject({ compared: 9, differing: 0, pending: 0 });

    await behindTheBack(c, site, async (db) => {
      await db.collection('sales').updateOne({ _id: 'one-2' as never }, { $set: { total: -2 } });
      // Outside the scope: central keeps such documents but never sends them back, so there is
      // nothing in scope to compare it with.
      await db.collection('sales').insertOne({ _id: 'two-9' as never, siteId: 'shop-2', total: 9 });
    });
    const drift = await verifyCollections(context(site), { colls: ['sales'], bucketSize: 2 });
    expect(collection(drift, 'sales')).toMatchObject({ compared: 9, differing: 1, ids: ['one-2'] });
    const fixed = await verifyCollections(context(site), {
      colls: ['sales'],
      bucketSize: 2,
      repair: true,
    });
    expect(fixed.totals).toMatchObject({ differing: 1, repaired: 1, remaining: 0 });
    expect(await site.db.collection('sales').findOne({ _id: 'one-2' as never })).toMatchObject({
      total: 2,
    });
    expect(await site.db.collection('sales').countDocuments({ _id: 'two-9' as never })).toBe(1);
    await expect(verifyCollections(context(site), { colls: ['nope'] })).rejects.toMatchObject({
      code: 'INVALID_ARGS',
    });
  });
});

describe('verify of a push-only collection', () => {
  it('compares the site’s own documents with central’s and sends the site’s again', async () => {
    cluster = await createCluster({ sites: 1, collections: { receipts: { direction: 'push' } } });
    const c = cluster;
    const site = c.sites[0]!;
    const receipts = c.centralDb.collection('receipts');
    await site.db
      .collection('receipts')
      .insertMany([1, 2, 3, 4, 5, 6].map((i) => ({ _id: `r${i}`, total: i })) as Document[]);
    // Other sites' receipts, which this site never receives.
    for (let i = 1; i <= 3; i++)
      await c.headOffice.insert(c.dbName, 'receipts', { _id: `other-${i}`, total: i });
    await waitFor('the receipts at central', async () => (await receipts.countDocuments()) === 9);

    const clean = await verifyCollections(context(site), { colls: ['receipts'], bucketSize: 4 });
    expect(collection(clean, 'receipts')).toMatchObject({ compared: 6, differing: 0 });

    // Central loses one receipt and another is changed there under the version the site sent.
    await receipts.deleteOne({ _id: 'r2' as never });
    await receipts.updateOne({ _id: 'r3' as never }, { $set: { total: -3 } });
    // A sale rung up meanwhile is the site's own change, never drift.
    await site.db.collection('receipts').insertOne({ _id: 'r7' as never, total: 7 });
    const drift = await verifyCollections(context(site), { colls: ['receipts'], bucketSize: 4 });
    expect(collection(drift, 'receipts')).toMatchObject({ differing: 2, repaired: 0 });
    expect(collection(drift, 'receipts').differences).toEqual([
      { id: 'r2', kind: 'extra', action: 'queue-push', repaired: false },
      { id: 'r3', kind: 'changed', action: 'queue-push', repaired: false },
    ]);

    const fixed = await verifyCollections(context(site), {
      colls: ['receipts'],
      bucketSize: 4,
      repair: true,
    });
    expect(fixed.totals).toMatchObject({ differing: 2, repaired: 2, remaining: 0 });
    await waitFor('the site’s receipts at central again', async () => {
      const [r2, r3] = await Promise.all([
        receipts.findOne({ _id: 'r2' as never }),
        receipts.findOne({ _id: 'r3' as never }),
      ]);
      return r2?.['total'] === 2 && r3?.['total'] === 3;
    });
    // Nothing else at central was touched, and nothing came to the site.
    expect(await receipts.countDocuments()).toBe(10);
    expect(await site.db.collection('receipts').countDocuments()).toBe(7);
    const after = await verifyCollections(context(site), { colls: ['receipts'] });
    expect(collection(after, 'receipts')).toMatchObject({ compared: 7, differing: 0 });
  });
});

describe('outpost verify', () => {
  it('exits 1 while differences remain and 0 once repaired', async () => {
    cluster = await createCluster({ sites: 1 });
    const c = cluster;
    const site = c.sites[0]!;
    await seedSales(c, site, 12);
    await waitFor('seeded', () => converged(c, ['sales']));
    await behindTheBack(c, site, async (db) => {
      await db.collection('sales').updateOne({ _id: 's02' as never }, { $set: { total: 0 } });
      await db.collection('sales').deleteOne({ _id: 's09' as never });
    });

    const dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-verify-'));
    const configFile = path.join(dir, 'outpost.json');
    await writeFile(configFile, JSON.stringify({ dataDir: dir }));
    const handlers: ApiHandlers = createApiHandlers({
      engine: site.engine,
      config: await loadConfig({ file: configFile }),
      instanceId: site.instanceId,
      verify: createVerifyService(site.engine),
    });
    const server: ApiServer = await createApiServer({
      handlers,
      host: '127.0.0.1',
      port: 0,
      tokenFile: apiTokenFile(dir),
    });
    cleanups.push(async () => {
      await server.close();
      handlers.close();
      await rm(dir, { recursive: true, force: true });
    });
    await writeApiDiscovery(dir, server.url);

    const report = await outpost(['verify', '--json', '-d', dir]);
    expect(report.code).toBe(1);
    expect(report.json<VerifyReport>().totals).toMatchObject({
      differing: 2,
      repaired: 0,
      remaining: 2,
    });
    expect(sorted(collection(report.json<VerifyReport>(), 'sales').ids)).toEqual(['s02', 's09']);

    const human = await outpost(['verify', '--coll', 'sales', '-d', dir]);
    expect(human.code).toBe(1);
    expect(human.out).toMatch(/^COLLECTION\s+COMPARED\s+DIFFERING\s+REPAIRED\s+PENDING$/m);
    expect(human.out).toMatch(/^pos_\w+\.sales\s+12\s+2\s+0\s+0$/m);
    expect(human.out).toMatch(/^pos_\w+\.sales\s+s09\s+missing\s+restore-from-central$/m);
    expect(human.out).toContain('2 documents differ. Run "outpost verify --repair"');

    const repair = await outpost(['verify', '--repair', '--json', '-d', dir]);
    expect(repair.code).toBe(0);
    expect(repair.json<VerifyReport>().totals).toMatchObject({
      differing: 2,
      repaired: 2,
      remaining: 0,
    });
    await waitFor('convergence', () => converged(c, ['sales']));

    const clean = await outpost(['verify', '-d', dir]);
    expect(clean.code).toBe(0);
    expect(clean.out).toContain('No differences in 12 documents.');
    const unknown = await outpost(['verify', '--coll', 'nope', '--json', '-d', dir]);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.out)).toMatchObject({ error: { code: 'INVALID_ARGS' } });

    // Every run is in the sync log with its counts.
    const runs = await site.metaDb
      .collection('log')
      .find({ event: 'verify.completed' })
      .sort({ $natural: 1 })
      .toArray();
    expect(
      runs.map((r): unknown[] => [r['repair'], r['differing'], r['repaired'], r['remaining']]),
    ).toEqual([
      [false, 2, 0, 2],
      [false, 2, 0, 2],
      [true, 2, 2, 0],
      [false, 0, 0, 0],
    ]);

    // Scheduled verify: report-only runs recorded in the same log, until stopped.
    const stop = startScheduledVerify(site.engine, 200, silentLogger());
    try {
      await waitFor(
        'two scheduled runs in the sync log',
        async () =>
          (await site.metaDb
            .collection('log')
            .countDocuments({ event: 'verify.completed', scheduled: true, repair: false })) >= 2,
      );
    } finally {
      await stop();
    }
    const scheduled = await site.metaDb
      .collection('log')
      .findOne({ event: 'verify.completed', scheduled: true });
    expect(scheduled).toMatchObject({ level: 'info', differing: 0, remaining: 0, compared: 12 });
  });
});
