/**
 * A central and N sites for one test: each site is an engine on one of the harness's site
 * mongods, talking to central through its own TcpProxy. Database names are unique per test.
 */
import { inspect } from 'node:util';
import {
  MongoClient,
  type Db,
  type Document,
  type MongoClientOptions,
  type Timestamp,
} from 'mongodb';
import { inject } from 'vitest';
import { createCentralWriter, type CentralWriter } from '../../sync/central/writer.js';
import {
  createSyncEngine,
  type SyncEngine,
  type SyncEngineOptions,
} from '../../sync/engine/create-engine.js';
import { contentHash, stripSync } from '../../sync/engine/hash.js';
import type { DatabaseRules, RulesInput } from '../../sync/engine/rules.js';
import { createLogger, type LogLevel } from '../../sync/logging/logger.js';
import type { Faults } from '../../sync/engine/context.js';
import { CENTRAL_OWN, uniqueDbName } from './db-names.js';
import { FAST_TUNABLES } from './tunables.js';

export { FAST_TUNABLES };
import { TcpProxy } from './tcp-proxy.js';

export interface TestSite {
  name: string;
  instanceId: string;
  engine: SyncEngine;
  /** Direct client of the site's mongod: what the POS software uses. */
  local: MongoClient;
  db: Db;
  metaDb: Db;
  proxy: TcpProxy;
  centralClient: MongoClient;
  options: SyncEngineOptions;
}

export interface TestCluster {
  dbName: string;
  central: MongoClient;
  centralDb: Db;
  headOffice: CentralWriter;
  sites: TestSite[];
  /** Stops a site's engine and starts a new one on the same data (a restart). */
  restart(site: TestSite): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  sites?: number;
  collections?: DatabaseRules['collections'];
  exclude?: string[];
  siteIds?: (string | undefined)[];
  /** Override instance IDs (to make two sites share one). */
  instanceIds?: (string | undefined)[];
  clocks?: ((() => number) | undefined)[];
  /** Fault hooks per site (see FaultPoint). */
  faults?: (Faults | undefined)[];
  tunables?: SyncEngineOptions['tunables'];
  /** Extra options of each site's clients of central and of its mongod (monitorCommands...). */
  centralClientOptions?: MongoClientOptions;
  localClientOptions?: MongoClientOptions;
  start?: boolean;
}

export async function createCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const mongo = inject('mongo');
  const dbName = uniqueDbName('pos');
  const central = new MongoClient(mongo.central);
  const sites: TestSite[] = [];
  const centralPort = Number(new URL(mongo.central).port);
  const count = options.sites ?? 2;
  if (count > mongo.sites.length)
    throw new Error(
      `A cluster of ${count} sites needs ${count} site mongods; the harness has ${mongo.sites.length}.`,
    );
  for (let i = 0; i < count; i++) {
    const siteUri = mongo.sites[i]!;
    const local = new MongoClient(siteUri, options.localClientOptions);
    const proxy = new TcpProxy(centralPort);
    const port = await proxy.start();
    const name = String.fromCharCode(97 + i);
    const instanceId = options.instanceIds?.[i] ?? `site-${name}-${dbName.slice(-8)}`;
    const centralClient = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, {
      appName: instanceId,
      serverSelectionTimeoutMS: 1_500,
      connectTimeoutMS: 1_500,
      heartbeatFrequencyMS: 500,
      ...options.centralClientOptions,
    });
    const rules: RulesInput = {
      databases: [{ name: dbName, collections: options.collections ?? {} }],
      exclude: options.exclude ?? [],
      siteId: options.siteIds?.[i],
    };
    const metaDatabase = `outpost_${dbName.slice(-8)}_${name}`;
    const engineOptions: SyncEngineOptions = {
      instanceId,
      local,
      localUri: siteUri,
      central: centralClient,
      rules,
      metaDatabase,
      tunables: { ...FAST_TUNABLES, ...options.tunables },
      ...(process.env['OUTPOST_TEST_LOG']
        ? { logger: createLogger({ level: process.env['OUTPOST_TEST_LOG'] as LogLevel, name }) }
        : {}),
      ...(options.clocks?.[i] ? { clock: options.clocks[i] } : {}),
      ...(options.faults?.[i] ? { faults: options.faults[i] } : {}),
    };
    sites.push({
      name,
      instanceId: engineOptions.instanceId,
      engine: createSyncEngine(engineOptions),
      local,
      db: local.db(dbName),
      metaDb: local.db(metaDatabase),
      proxy,
      centralClient,
      options: engineOptions,
    });
  }
  await precreate(central.db(dbName), [...PRECREATED, ...CENTRAL_OWN]);
  for (const site of sites) await precreate(site.db, PRECREATED);
  if (options.start !== false) await Promise.all(sites.map((site) => site.engine.start()));
  return {
    dbName,
    central,
    centralDb: central.db(dbName),
    headOffice: createCentralWriter(central, 'head-office'),
    sites,
    async restart(site) {
      await site.engine.stop();
      site.engine = createSyncEngine(site.options);
      await site.engine.start();
    },
    async stop() {
      // Central is shared by the whole run: a test's failpoint must not outlive it.
      await central
        .db('admin')
        .command({ configureFailPoint: 'failCommand', mode: 'off' })
        .catch(() => undefined);
      await Promise.allSettled(sites.map((site) => site.engine.stop()));
      await Promise.allSettled(sites.map((site) => site.proxy.stop()));
      // The mongods are shared by the whole run: each cluster's databases go with it, or their
      // files pile up until a Windows mongod under Wine fails with "Too many open files".
      if (!process.env['OUTPOST_KEEP_TEST_DATA']) {
        for (const db of [central.db(dbName), ...sites.flatMap((s) => [s.db, s.metaDb])])
          await db.dropDatabase().catch(() => undefined);
      }
      await Promise.allSettled([
        ...sites.flatMap((site) => [site.local.close(), site.centralClient.close()]),
        central.close(),
      ]);
    },
  };
}

/**
 * Collections are created before engines start. Two writers implicitly creating one collection at
 * the same moment is a catalog race that native mongod retries internally; the Windows mongod
 * under Wine instead hits an access violation and hangs (seen on 7.0.15). Production runs native.
 */
export const PRECREATED = [
  'sales',
  'products',
  'stock',
  'orders',
  'items',
  'customers',
  'local_notes',
];

async function precreate(db: Db, names: string[]): Promise<void> {
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  for (const name of names) if (!existing.has(name)) await db.createCollection(name);
}

/** The `_sync` field central's documents carry: version, origin site and commit cluster time. */
export interface CentralSync {
  v: string;
  o: string;
  ct?: Timestamp;
}

/** Polls `check` until it returns true, or fails with `what` after the timeout. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const cause =
    lastError === undefined
      ? ''
      : `: ${lastError instanceof Error ? String(lastError) : inspect(lastError)}`;
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}

/** id -> content hash of every document of a collection (central's `_sync` removed). */
export async function snapshot(db: Db, coll: string): Promise<Map<string, string>> {
  const docs = await db.collection(coll).find({}).toArray();
  return new Map(
    docs.map((doc: Document) => [JSON.stringify(doc._id), contentHash(stripSync(doc))]),
  );
}

export async function sameContent(a: Db, b: Db, coll: string): Promise<boolean> {
  const [left, right] = await Promise.all([snapshot(a, coll), snapshot(b, coll)]);
  if (left.size !== right.size) return false;
  for (const [id, hash] of left) if (right.get(id) !== hash) return false;
  return true;
}

/** All sites and central hold identical content in each collection, and nothing is pending. */
export async function converged(cluster: TestCluster, collections: string[]): Promise<boolean> {
  for (const site of cluster.sites) {
    const status = await site.engine.status();
    if (status.outboxDepth > 0) return false;
    for (const coll of collections)
      if (!(await sameContent(site.db, cluster.centralDb, coll))) return false;
  }
  return true;
}
