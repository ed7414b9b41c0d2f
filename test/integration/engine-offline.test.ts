import { afterEach, describe, expect, it } from 'vitest';
import { converged, createCluster, waitFor, type TestCluster } from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('offline', () => {
  it('keeps selling while central is unreachable, notices it, and drains by itself when it returns', async () => {
    cluster = await createCluster({ sites: 2 });
    const [a, b] = cluster.sites;
    await a!.db.collection('sales').insertOne({ _id: 'before' as never, total: 1 });
    await waitFor(
      'first sale at b',
      async () => (await b!.db.collection('sales').countDocuments()) === 1,
    );

    a!.proxy.cut();
    await waitFor(
      'site a offline',
      async () => (await a!.engine.status()).state.name === 'offline',
      20_000,
    );
    for (let i = 0; i < 120; i++)
      await a!.db.collection('sales').insertOne({ _id: `offline-${i}` as never, total: i });
    await a!.db.collection('sales').updateOne({ _id: 'before' as never }, { $set: { total: 99 } });
    await waitFor(
      'outbox holds the offline sales',
      async () => (await a!.engine.status()).outboxDepth === 121,
    );
    const offline = await a!.engine.status();
    expect(offline.state.name).toBe('offline');
    expect(offline.oldestUnsyncedAgeMs).toBeGreaterThan(0);
    expect(await cluster.centralDb.collection('sales').countDocuments()).toBe(1);

    a!.proxy.restore();
    await waitFor(
      'convergence after central returns',
      () => converged(cluster!, ['sales']),
      60_000,
    );
    expect(await b!.db.collection('sales').countDocuments()).toBe(121);
    expect((await b!.db.collection('sales').findOne({ _id: 'before' as never }))?.['total']).toBe(
      99,
    );
    await waitFor('site a back to idle', async () =>
      ['idle', 'syncing'].includes((await a!.engine.status()).state.name),
    );
  });

  it('shows offline only when central keeps failing for offlineAfterMs, not on a blip', async () => {
    cluster = await createCluster({ sites: 1, tunables: { offlineAfterMs: 1_500 } });
    const [a] = cluster.sites;
    await a!.db.collection('sales').insertOne({ _id: 'before' as never, total: 1 });
    await waitFor(
      'first sale at central',
      async () => (await cluster!.centralDb.collection('sales').countDocuments()) === 1,
    );
    const states: { name: string; at: number }[] = [];
    a!.engine.onStateChange((state) => states.push({ name: state.name, at: Date.now() }));
    // A blip: the next few calls at central fail once, then it answers again.
    await cluster.central.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: { times: 2 },
      data: {
        failCommands: ['getMore', 'insert', 'find'],
        closeConnection: true,
        appName: a!.instanceId,
      },
    });
    await a!.db.collection('sales').insertOne({ _id: 'blip' as never, total: 2 });
    await waitFor(
      'the sale made during the blip at central',
      async () => (await cluster!.centralDb.collection('sales').countDocuments()) === 2,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(states.map((s) => s.name)).not.toContain('offline');

    // An outage: offline, but not before offlineAfterMs.
    const cutAt = Date.now();
    a!.proxy.cut();
    await waitFor(
      'site a offline',
      async () => (await a!.engine.status()).state.name === 'offline',
      20_000,
    );
    const offlineAt = states.find((s) => s.name === 'offline')!.at;
    expect(offlineAt - cutAt).toBeGreaterThanOrEqual(1_400);
    // The outage is dated from the first failure, not from the end of the grace period.
    const since = Date.parse((await a!.engine.status()).state.since);
    expect(since).toBeGreaterThanOrEqual(cutAt - 50);
    expect(since).toBeLessThan(offlineAt - 1_000);
    a!.proxy.restore();
    await waitFor('site a back', async () =>
      ['idle', 'syncing'].includes((await a!.engine.status()).state.name),
    );
  });

  it('starts while central is down and syncs once it is reachable', async () => {
    cluster = await createCluster({ sites: 1, start: false });
    const [a] = cluster.sites;
    a!.proxy.cut();
    const states: string[] = [];
    a!.engine.onStateChange((state) => states.push(state.name));
    await a!.engine.start();
    await a!.db.collection('sales').insertOne({ _id: 'cold-start' as never, total: 3 });
    await waitFor(
      'offline reported',
      async () => (await a!.engine.status()).state.name === 'offline',
      20_000,
    );
    // Never "idle" (shown as in sync) before central has answered once.
    expect(states).not.toContain('idle');
    a!.proxy.restore();
    await waitFor(
      'sale at central',
      async () => (await cluster!.centralDb.collection('sales').countDocuments()) === 1,
      60_000,
    );
    await waitFor('idle', async () => (await a!.engine.status()).state.name === 'idle');
  });
});

describe('pause', () => {
  it('lasts across a restart of the engine, and a resume sends what was sold meanwhile', async () => {
    cluster = await createCluster({ sites: 1 });
    const [a] = cluster.sites;
    await a!.engine.pause();
    await a!.db.collection('sales').insertOne({ _id: 'while-paused' as never, total: 5 });
    await waitFor('the sale queued', async () => (await a!.engine.status()).outboxDepth === 1);

    await cluster.restart(a!);
    expect((await a!.engine.status()).state.name).toBe('paused');
    await a!.db.collection('sales').insertOne({ _id: 'after-restart' as never, total: 6 });
    await waitFor('both sales queued', async () => (await a!.engine.status()).outboxDepth === 2);
    // Paused: nothing leaves, however long it waits.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await cluster.centralDb.collection('sales').countDocuments()).toBe(0);

    await a!.engine.resume();
    await waitFor(
      'both sales at central',
      async () => (await cluster!.centralDb.collection('sales').countDocuments()) === 2,
    );
    // Resumed for good: the next start syncs.
    await cluster.restart(a!);
    expect((await a!.engine.status()).state.name).not.toBe('paused');
    await a!.db.collection('sales').insertOne({ _id: 'after-resume' as never, total: 7 });
    await waitFor(
      'the next sale at central',
      async () => (await cluster!.centralDb.collection('sales').countDocuments()) === 3,
    );
  });
});
