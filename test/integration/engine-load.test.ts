/**
 * What the engine costs the mongods it reads: how often capture and pull read their change
 * streams, and how many writes a sale makes at central. An awaiting stream is woken by every
 * write to its mongod's oplog; with a fleet, every write at central wakes every site's stream.
 */
import type {
  CommandStartedEvent,
  CommandSucceededEvent,
  Document,
  MongoClient,
  Timestamp,
} from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createCluster,
  waitFor,
  type CentralSync,
  type ClusterOptions,
  type TestCluster,
} from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

interface StreamRead {
  at: number;
  maxTimeMS: unknown;
}

/** The getMores a client sends on change streams, with how long each may wait. */
function watchStreamReads(client: MongoClient): StreamRead[] {
  const seen: StreamRead[] = [];
  client.on('commandStarted', (event: CommandStartedEvent) => {
    if (event.commandName === 'getMore' && event.command['collection'] === '$cmd.aggregate')
      seen.push({ at: Date.now(), maxTimeMS: event.command['maxTimeMS'] });
  });
  return seen;
}

/** Polled reads return at once and come at most once per interval (nothing to read here). */
function expectPolled(reads: StreamRead[], intervalMs: number, seconds: number): void {
  expect(reads.length).toBeGreaterThan(0);
  // 0, not 1: given 1 ms, the server still arms its wait for new oplog entries, at twice the
  // CPU per empty read.
  expect(reads.every((read) => read.maxTimeMS === 0)).toBe(true);
  expect(reads.length).toBeLessThanOrEqual(Math.ceil((seconds * 1000) / intervalMs) + 3);
  const gaps = reads.slice(1).map((read, i) => read.at - reads[i]!.at);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(intervalMs * 0.8);
}

/** One site whose stream reads are recorded, once both streams are being read. */
async function startWatched(options: ClusterOptions) {
  cluster = await createCluster({
    ...options,
    sites: 1,
    centralClientOptions: { monitorCommands: true },
    localClientOptions: { monitorCommands: true },
  });
  const site = cluster.sites[0]!;
  const central = watchStreamReads(site.centralClient);
  const local = watchStreamReads(site.local);
  await waitFor('both streams read', () => central.length > 0 && local.length > 0);
  return { site, central, local };
}

/** A head office sale reaches the (first) site, and a sale rung up there reaches central. */
async function syncsBothWays(cluster: TestCluster, fields: Document): Promise<void> {
  const site = cluster.sites[0]!;
  await cluster.headOffice.insert(cluster.dbName, 'sales', { _id: 'hq', ...fields });
  await site.db.collection('sales').insertOne({ _id: 'rung' as never, ...fields });
  await waitFor('the head office sale at the site and the site sale at central', async () => {
    const [pulled, pushed] = await Promise.all([
      site.db.collection('sales').findOne({ _id: 'hq' as never }),
      cluster.centralDb.collection('sales').findOne({ _id: 'rung' as never }),
    ]);
    return pulled !== null && pushed !== null;
  });
}

describe('engine load on the mongods', () => {
  it('reads both change streams at its own pace, however busy the mongods are', async () => {
    const { site, central, local } = await startWatched({
      siteIds: ['here'],
      collections: { sales: { scope: { field: 'siteId', includeGlobal: true } } },
      tunables: { pullPollMs: 300, capturePollMs: 200, maxAwaitTimeMs: 1_000 },
    });
    central.length = 0;
    local.length = 0;
    const captured: Document[] = [];
    site.local.on('commandSucceeded', (event: CommandSucceededEvent) => {
      const reply = event.reply as { cursor?: { ns?: string; nextBatch?: Document[] } };
      if (event.commandName === 'getMore' && reply.cursor?.ns?.endsWith('.$cmd.aggregate'))
        captured.push(...(reply.cursor.nextBatch ?? []));
    });
    // Mostly writes nobody here receives (other sites' sales at central, another database
    // locally), and every tenth time one each stream carries: a poll that found changes is not
    // followed by another read at once either.
    const started = Date.now();
    const elsewhere = site.local.db(`${cluster!.dbName}_other`).collection('notes');
    for (let i = 0; i < 150; i++) {
      await cluster!.headOffice.insert(cluster!.dbName, 'sales', {
        _id: `other-${i}`,
        siteId: i % 10 === 0 ? 'here' : 'elsewhere',
      });
      await elsewhere.insertOne({ i });
      if (i % 10 === 0)
        await site.db.collection('sales').insertOne({ _id: `rung-${i}` as never, siteId: 'here' });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const seconds = (Date.now() - started) / 1000;
    await elsewhere.drop();
    expectPolled(central, 300, seconds);
    expectPolled(local, 200, seconds);
    await waitFor('the site sales at central and the head office ones here', async () => {
      const [pushed, pulled] = await Promise.all([
        cluster!.centralDb.collection('sales').countDocuments({ _id: /^rung-/ as never }),
        site.db.collection('sales').countDocuments({ _id: /^other-/ as never }),
      ]);
      return pushed === 15 && pulled === 15;
    });
    // Capture reads of each event only what it needs: push reads the document when it sends.
    expect(captured.length).toBeGreaterThanOrEqual(15);
    expect(captured.filter((event) => 'fullDocument' in event)).toEqual([]);

    await syncsBothWays(cluster!, { siteId: 'here' });
  });

  it('polls a quiet central less often, and at its pace again once a change comes', async () => {
    const { site, central } = await startWatched({
      siteIds: ['here'],
      collections: { sales: { scope: { field: 'siteId', includeGlobal: true } } },
      tunables: { pullPollMs: 100, pullIdlePollMs: 600, pullIdleAfterMs: 1_000 },
    });
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // Quiet for over a second (nothing for this site: another site's sale is filtered out at
    // central and does not count), then three seconds of slow polls.
    await cluster!.headOffice.insert(cluster!.dbName, 'sales', { _id: 'x', siteId: 'elsewhere' });
    await pause(1_500);
    central.length = 0;
    await pause(3_000);
    expectPolled([...central], 600, 3);
    // A change for this site is read at the next slow poll; from then on, polls come each 100 ms.
    await cluster!.headOffice.insert(cluster!.dbName, 'sales', { _id: 'hq', siteId: 'here' });
    await waitFor('the head office sale at the site', async () =>
      Boolean(await site.db.collection('sales').findOne({ _id: 'hq' as never })),
    );
    central.length = 0;
    await pause(1_000);
    // About 9 at 100 ms (fewer on a busy machine); at most 2 at the quiet pace.
    expect(central.length).toBeGreaterThanOrEqual(4);
  });

  it('polls central at once on "sync now", however quiet it has been', async () => {
    const { site, central } = await startWatched({
      tunables: { pullPollMs: 100, pullIdlePollMs: 5_000, pullIdleAfterMs: 300 },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // A quiet poll has just been made: the next one is 5 s away.
    central.length = 0;
    await waitFor('a quiet poll', () => central.length > 0);
    site.engine.syncNow();
    await waitFor('a poll right after "sync now"', () => central.length > 1, 1_500);
    await syncsBothWays(cluster!, { total: 1 });
  });

  it('waits on the mongods instead when polling is off, and still syncs', async () => {
    const { central, local } = await startWatched({
      tunables: { pullPollMs: 0, capturePollMs: 0, maxAwaitTimeMs: 700 },
    });
    expect([...central, ...local].every((read) => read.maxTimeMS === 700)).toBe(true);
    await syncsBothWays(cluster!, { total: 1 });
  });

  it('inserts new documents in one write each, dated no later than their commit and close to it', async () => {
    cluster = await createCluster({ sites: 1 });
    const site = cluster.sites[0]!;
    const events: Document[] = [];
    const stream = cluster.centralDb
      .collection('sales')
      .watch([], { fullDocument: 'updateLookup' });
    await stream.tryNext(); // opened now
    const reader = (async () => {
      while (!stream.closed) {
        const event = await stream.tryNext().catch(() => null);
        if (event) events.push(event);
      }
    })();
    const centralHas = async (n: number) =>
      (await cluster!.centralDb.collection('sales').countDocuments()) >= n;

    await site.db.collection('sales').insertMany([
      { _id: 'few-1' as never, total: 1 },
      { _id: 'few-2' as never, total: 2 },
    ]);
    await waitFor('the two sales at central', () => centralHas(2));
    // Twenty queued while paused leave in one batch, and central has been idle meanwhile.
    await site.engine.pause();
    await site.db
      .collection('sales')
      .insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: `bulk-${i}` as never, total: i })));
    await waitFor(
      'twenty entries queued',
      async () => (await site.engine.status()).outboxDepth === 20,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await site.engine.resume();
    await waitFor('the bulk at central', () => centralHas(22));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stream.close();
    await reader;

    expect(events.map((e) => e['operationType'] as string)).toEqual(Array(22).fill('insert'));
    for (const event of events) {
      const ct = (event['fullDocument'] as { _sync: CentralSync })._sync.ct!;
      const committed = event['clusterTime'] as Timestamp;
      expect(ct._bsontype).toBe('Timestamp');
      expect(ct.lessThanOrEqual(committed), `${ct.inspect()} after ${committed.inspect()}`).toBe(
        true,
      );
      // Within the age of the bound (1 s), the margin below central's clock (1 s) and the write.
      expect(committed.t - ct.t).toBeLessThanOrEqual(3);
    }
  });
});
