/**
 * kill -9 of the engine at each fault point of capture, push, pull and bootstrap: after a restart
 * nothing is lost, every change is at central exactly once in effect, nothing is applied twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCentralWriter } from '../../sync/central/writer.js';
import type { FaultPoint } from '../../sync/engine/context.js';
import { CENTRAL_OWN, uniqueDbName } from '../harness/db-names.js';
import type { EngineProcessSpec } from '../harness/engine-process.js';
import { PRECREATED, snapshot, waitFor, type CentralSync } from '../harness/sync-cluster.js';

const mongo = inject('mongo');
let central: MongoClient;
let local: MongoClient;
const children = new Set<ChildProcess>();

beforeAll(() => {
  central = new MongoClient(mongo.central);
  local = new MongoClient(mongo.sites[0]!);
});
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});
afterAll(async () => {
  await Promise.all([central.close(), local.close()]);
});

async function startEngine(spec: EngineProcessSpec): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/harness/engine-process.ts', JSON.stringify(spec)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code, signal) =>
      reject(new Error(`engine exited before ready (${code ?? signal})`)),
    );
  });
  return child;
}

async function expectKilled(child: ChildProcess): Promise<void> {
  const [, signal] = (
    child.exitCode !== null || child.signalCode !== null
      ? [child.exitCode, child.signalCode]
      : await Promise.race([
          once(child, 'exit'),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error('the fault point was never reached')), 60_000),
          ),
        ])
  ) as [number | null, string | null];
  expect(signal, 'the engine was killed at the fault point').toBe('SIGKILL');
}

async function stopEngine(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

async function setUp(
  name: string,
): Promise<{ dbName: string; spec: EngineProcessSpec; siteDb: Db; centralDb: Db }> {
  const dbName = uniqueDbName(name);
  const centralDb = central.db(dbName);
  const siteDb = local.db(dbName);
  for (const coll of [...PRECREATED, ...CENTRAL_OWN]) await centralDb.createCollection(coll);
  for (const coll of PRECREATED) await siteDb.createCollection(coll);
  const spec: EngineProcessSpec = {
    instanceId: `crash-${dbName.slice(-8)}`,
    localUri: mongo.sites[0]!,
    centralUri: mongo.central,
    dbName,
    metaDatabase: `outpost_${dbName.slice(-8)}`,
  };
  return { dbName, spec, siteDb, centralDb };
}

/** Counts writes per document id in a local collection (inserts, replaces, updates). */
async function watchWrites(db: Db, coll: string) {
  const counts = new Map<string, number>();
  const stream = db.collection(coll).watch([], {});
  await stream.tryNext(); // opens the cursor now, so nothing after this point is missed
  const pump = (async () => {
    for await (const event of stream) {
      if (event.operationType === 'delete') continue;
      const id = String((event as { documentKey: { _id: unknown } }).documentKey._id);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  })().catch(() => undefined);
  return { counts, stop: async () => (await stream.close(), await pump) };
}

const PUSH_POINTS: [FaultPoint, number][] = [
  ['capture:before-commit', 2],
  ['capture:after-commit', 2],
  ['push:before-central-write', 2],
  ['push:after-central-write', 2],
  ['push:after-tombstones', 1],
  ['push:after-meta', 2],
];

describe('kill -9 of the engine', () => {
  it.each(PUSH_POINTS)(
    'at %s (hit %i): every site change reaches central exactly once in effect',
    async (point, nth) => {
      const { spec, siteDb, centralDb } = await setUp('crash_push');
      const first = await startEngine({ ...spec, crash: { point, nth } });
      const sales = siteDb.collection('sales');
      for (let i = 0; i < 120; i++) await sales.insertOne({ _id: `s${i}` as never, total: i });
      for (let i = 0; i < 30; i++)
        await sales.updateOne(
          { _id: `s${i}` as never },
          { $set: { total: 1000 + i, edited: true } },
        );
      await new Promise((resolve) => setTimeout(resolve, 300)); // let the inserts reach central first
      for (let i = 100; i < 120; i++) await sales.deleteOne({ _id: `s${i}` as never });
      await expectKilled(first);

      const second = await startEngine(spec);
      const outbox = local.db(spec.metaDatabase).collection('outbox');
      await waitFor(
        'central equals the site',
        async () => {
          const [site, hub] = await Promise.all([
            snapshot(siteDb, 'sales'),
            snapshot(centralDb, 'sales'),
          ]);
          return (
            (await outbox.countDocuments()) === 0 &&
            site.size === 100 &&
            JSON.stringify([...site].sort()) === JSON.stringify([...hub].sort())
          );
        },
        90_000,
      );
      const atCentral = await centralDb.collection('sales').find().toArray();
      expect(atCentral.every((doc) => (doc['_sync'] as CentralSync).o === spec.instanceId)).toBe(
        true,
      );
      expect(atCentral.filter((doc) => doc['edited'] === true)).toHaveLength(30);
      // A sale deleted before its insert ever reached central needs no tombstone; every tombstone
      // is for a deleted sale, and no deleted sale is at central.
      const tombstones = await centralDb
        .collection('outpost_tombstones')
        .find({ '_id.coll': 'sales' })
        .toArray();
      const deleted = new Set(Array.from({ length: 20 }, (_, i) => `s${100 + i}`));
      expect(tombstones.every((t) => deleted.has((t['_id'] as unknown as { id: string }).id))).toBe(
        true,
      );
      expect(atCentral.some((doc) => deleted.has(doc['_id'] as unknown as string))).toBe(false);
      await stopEngine(second);
    },
  );

  it.each([
    ['pull:before-apply', 2],
    ['pull:after-apply', 2],
  ] as [FaultPoint, number][])(
    'at %s (hit %i): every central change is applied at the site once',
    async (point, nth) => {
      const { spec, siteDb, centralDb, dbName } = await setUp('crash_pull');
      const writes = await watchWrites(siteDb, 'products');
      const first = await startEngine({ ...spec, crash: { point, nth } });
      const headOffice = createCentralWriter(central, 'head-office');
      for (let i = 0; i < 150; i++)
        await headOffice.insert(dbName, 'products', { _id: `p${i}`, price: i });
      for (let i = 140; i < 150; i++) await headOffice.delete(dbName, 'products', `p${i}`);
      await expectKilled(first);
      const second = await startEngine(spec);
      await waitFor(
        'the site equals central',
        async () => {
          const [site, hub] = await Promise.all([
            snapshot(siteDb, 'products'),
            snapshot(centralDb, 'products'),
          ]);
          return (
            hub.size === 140 && JSON.stringify([...site].sort()) === JSON.stringify([...hub].sort())
          );
        },
        90_000,
      );
      await stopEngine(second);
      await writes.stop();
      expect(
        [...writes.counts.values()].filter((n) => n > 1),
        'documents applied more than once',
      ).toEqual([]);
      // Every product still at central was applied once; one inserted and deleted at central before
      // the site saw it may never be written locally at all.
      for (let i = 0; i < 140; i++) expect(writes.counts.get(`p${i}`), `p${i}`).toBe(1);
    },
  );

  it('while re-binding to a new central (central:after-forget): the restart sends everything once', async () => {
    const { spec, siteDb, centralDb } = await setUp('crash_central');
    const sales = siteDb.collection('sales');
    await sales.insertMany(
      Array.from({ length: 50 }, (_, i) => ({ _id: `s${i}`, total: i })) as never[],
    );
    const first = await startEngine(spec);
    await waitFor(
      'the sales at central',
      async () => (await centralDb.collection('sales').countDocuments()) === 50,
    );
    await stopEngine(first);
    // Central is restored empty (its identity gone with it).
    await centralDb.dropDatabase();
    for (const coll of [...PRECREATED, ...CENTRAL_OWN]) await centralDb.createCollection(coll);
    const second = await startEngine({ ...spec, crash: { point: 'central:after-forget', nth: 1 } });
    await expectKilled(second);
    const third = await startEngine(spec);
    await waitFor(
      'the sales at the new central',
      async () =>
        (await local.db(spec.metaDatabase).collection('outbox').countDocuments()) === 0 &&
        (await centralDb.collection('sales').countDocuments()) === 50,
      90_000,
    );
    await stopEngine(third);
    expect(JSON.stringify([...(await snapshot(centralDb, 'sales'))].sort())).toBe(
      JSON.stringify([...(await snapshot(siteDb, 'sales'))].sort()),
    );
    expect(await sales.countDocuments()).toBe(50);
    const changed = await local
      .db(spec.metaDatabase)
      .collection('log')
      .find({ event: 'central.changed' })
      .toArray();
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ queued: 50 });
  });

  it('during bootstrap (hit 2): the restarted bootstrap resumes where it stopped', async () => {
    const { spec, siteDb, centralDb, dbName } = await setUp('crash_boot');
    const headOffice = createCentralWriter(central, 'head-office');
    await centralDb
      .collection('products')
      .insertMany(Array.from({ length: 400 }, (_, i) => ({ _id: `b${i}` as never, price: i })));
    await headOffice.insert(dbName, 'products', { _id: 'stamped', price: 1 });
    const writes = await watchWrites(siteDb, 'products');
    const first = await startEngine({ ...spec, crash: { point: 'bootstrap:after-batch', nth: 2 } });
    await expectKilled(first);
    // Two batches of 50 were committed before the kill.
    await waitFor('the first batches seen', () => writes.counts.size >= 100, 10_000);
    const second = await startEngine(spec);
    await waitFor(
      'all documents at the site',
      async () => (await siteDb.collection('products').countDocuments()) === 401,
      90_000,
    );
    await stopEngine(second);
    await writes.stop();
    expect(
      [...writes.counts.values()].filter((n) => n > 1),
      'documents applied more than once',
    ).toEqual([]);
    expect(writes.counts.size).toBe(401);
  });
});
