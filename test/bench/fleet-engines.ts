/**
 * A share of the fleet benchmark's sites in a process of their own: each site of a fleet is its
 * own machine with its own engine process, and fifty engines on one event loop measure that loop's
 * queue, not sync. Starts one engine per site, says `started`, and on `stop` stops them and
 * replies with the process's peak resident memory.
 */
import { MongoClient } from 'mongodb';
import { withCentralNames } from '../../sync/engine/central-names.js';
import { createSyncEngine, type SyncEngine } from '../../sync/engine/create-engine.js';

export interface FleetShare {
  centralUri: string;
  /** Central's database; each site's local database is mapped onto it. */
  db: string;
  sites: { name: string; uri: string; localDb: string }[];
}

export type FleetReply = { started: true } | { peakRssMb: number };

async function run(share: FleetShare): Promise<void> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const central = new MongoClient(share.centralUri, { serverSelectionTimeoutMS: 10_000 });
  const locals = new Map<string, MongoClient>();
  for (const site of share.sites)
    if (!locals.has(site.uri)) locals.set(site.uri, new MongoClient(site.uri));
  const engines: SyncEngine[] = [];
  for (const site of share.sites) {
    const engine = createSyncEngine({
      instanceId: `fleet-${site.name}`,
      local: locals.get(site.uri)!,
      localUri: site.uri,
      // Many simulated sites share two site mongods, so each has its own local database name,
      // all mapped onto central's one database.
      central: withCentralNames(central, new Map([[site.localDb, share.db]])),
      rules: {
        databases: [
          {
            name: site.localDb,
            collections: { sales: { scope: { field: 'siteId', includeGlobal: false } } },
          },
        ],
        exclude: [],
        siteId: site.name,
      },
      metaDatabase: `outpost_fleet_${site.name}_${share.db.slice(-6)}`,
      tunables: { heartbeatMs: 5_000 },
    });
    await engine.start();
    engines.push(engine);
  }
  process.send!({ started: true } satisfies FleetReply);
  await new Promise((resolve) => process.once('message', resolve));
  await Promise.allSettled(engines.map((engine) => engine.stop()));
  await Promise.allSettled([central.close(), ...[...locals.values()].map((l) => l.close())]);
  clearInterval(sampler);
  process.send!({ peakRssMb: Math.round(peak / 1024 / 1024) } satisfies FleetReply, () =>
    process.exit(0),
  );
}

// The benchmark gone (killed, or failed before stopping its shares): nothing is left running.
process.once('disconnect', () => process.exit(1));
process.once('message', (share: FleetShare) => {
  run(share).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
