import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, waitFor, type TestCluster } from '../harness/sync-cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('sites registry', () => {
  it('registers each site and keeps a tombstone until every registered site has passed it', async () => {
    cluster = await createCluster({ sites: 2 });
    const [a, b] = cluster.sites;
    const sites = cluster.centralDb.collection('outpost_sites');
    await waitFor('both sites registered', async () => (await sites.countDocuments()) === 2);
    const registered = await sites.findOne({ _id: a!.instanceId as never });
    expect(registered).toMatchObject({
      hostname: expect.any(String) as unknown,
      version: expect.any(String) as unknown,
      machineHash: expect.any(String) as unknown,
    });
    expect(registered?.['lastSeen']).toBeInstanceOf(Date);

    await a!.db.collection('sales').insertOne({ _id: 'gone' as never, total: 1 });
    await waitFor(
      'sale at b',
      async () => (await b!.db.collection('sales').countDocuments()) === 1,
    );
    // b is away: it has not passed the delete, so the tombstone must stay.
    b!.proxy.cut();
    await a!.db.collection('sales').deleteOne({ _id: 'gone' as never });
    const tombstones = cluster.centralDb.collection('outpost_tombstones');
    await waitFor('tombstone written', async () => (await tombstones.countDocuments()) === 1);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // several collection rounds by a
    expect(await tombstones.countDocuments(), 'kept while b has not passed it').toBe(1);

    b!.proxy.restore();
    await waitFor(
      'delete reaches b',
      async () => (await b!.db.collection('sales').countDocuments()) === 0,
    );
    await waitFor(
      'tombstone collected once both passed it',
      async () => (await tombstones.countDocuments()) === 0,
      30_000,
    );
  });

  it('reports two live engines using one instance ID, to both', async () => {
    cluster = await createCluster({ sites: 2, instanceIds: ['cloned-disk', 'cloned-disk'] });
    const [a, b] = cluster.sites;
    await waitFor(
      'both report the duplicate',
      async () => {
        const [sa, sb] = await Promise.all([a!.engine.status(), b!.engine.status()]);
        return sa.duplicateInstance !== null && sb.duplicateInstance !== null;
      },
      30_000,
    );
    expect((await a!.engine.status()).duplicateInstance).toMatchObject({
      instanceId: 'cloned-disk',
    });
  });
});
