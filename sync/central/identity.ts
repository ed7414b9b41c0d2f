/**
 * Which central a site's database syncs with. Everything the site records about central (the
 * version of each document it last saw, pull's resume token and bootstrap progress) is only true
 * of the central it was recorded against. Pointed at another one (a move to Atlas, a central
 * restored empty, a test cluster by mistake), a site that trusted it would never send the
 * documents it believes central already holds, and verify would take the missing ones for deletes
 * made at central and delete them at the site.
 *
 * So each synced database at central carries an identity, `<db>.outpost_central` `{_id:
 * 'identity', id}`, made by the first site to reach it, and each site records the identity its
 * bookkeeping belongs to (checkpoint `central:<db>`). A copy of the database made with its
 * collections (mongodump and mongorestore, a live migration) keeps the identity: documents keep
 * their versions, and the site goes on where it was. Only pull's position (resume token, start and
 * commit times) is another cluster's: the times of two clusters do not compare, and a stream
 * started at one on the other misses what was written in between, with no error. So the site also
 * records the cluster it bound to (replica set name and members, or a mongos's addresses); on
 * another one pull copies central's documents again, keeping what it knew (each is applied only
 * if newer), and scans the deletes since its last position.
 *
 * Another identity, or none where one was recorded, is a new central: the site backs the database
 * up (the runtime's hook), forgets what it knew of the old central, and syncs with the new one as
 * on a first start over existing data: every document queued for push and central's copied in,
 * settled by each collection's strategy.
 */
import { randomUUID } from 'node:crypto';
import { Timestamp, type Collection, type Document, type MongoClient } from 'mongodb';
import type { PreparingStep } from '../api/views.js';
import type { EngineContext } from '../engine/context.js';
import { CENTRAL_IDENTITY, SITES } from '../engine/rules.js';
import { queueUpsert } from '../engine/apply.js';
import { syncKey } from '../engine/store.js';
import { scanSince } from '../pull/scan.js';

export interface CentralIdentityDoc {
  _id: 'identity';
  id: string;
  createdAt: Date;
  /** The instance that made it. */
  createdBy: string;
}

/**
 * - `first`: the database never synced: the owner backs it up, and its identity is recorded.
 * - `same`: the central the site's bookkeeping belongs to.
 * - `adopted`: bookkeeping from before identities, and central knows this site (it is registered
 *   there): the same central, whose identity is recorded now.
 * - `changed`: another central. The bookkeeping is dropped and the database syncs anew.
 */
export type Binding = 'first' | 'same' | 'adopted' | 'changed';

/** The cluster serving central, as a client without special privileges can tell it. */
export interface ClusterFacts {
  /** The replica set's name; null for a mongos (sharded cluster) or a standalone. */
  setName: string | null;
  /** The replica set's members as it lists them, or the addresses the client was given. */
  hosts: string[];
}

/**
 * Whether two sightings are of the same cluster: a replica set keeps its name, and keeps a member
 * across any reconfiguration Outpost can see between two starts (addresses only added or
 * removed). A false "another" costs a copy of central's documents; nothing is lost either way.
 */
export function sameCluster(a: ClusterFacts, b: ClusterFacts): boolean {
  return a.setName === b.setName && a.hosts.some((host) => b.hosts.includes(host));
}

export interface BindingFacts {
  /** The identity the site recorded, if any. */
  recorded: string | null;
  /** The identity central holds, if any. */
  central: string | null;
  /** The site holds bookkeeping of a central for the database (a pull checkpoint, or meta). */
  synced: boolean;
  /** Central's registry of sites holds this one. */
  registered: boolean;
}

export function decideBinding(facts: BindingFacts): Binding {
  if (facts.recorded) return facts.central === facts.recorded ? 'same' : 'changed';
  if (!facts.synced) return 'first';
  return facts.registered ? 'adopted' : 'changed';
}

export interface NewCentral {
  db: string;
  /** The identity the site's bookkeeping belonged to (null: from before identities). */
  from: string | null;
  to: string;
}

/** What the engine tells its owner before it resets a database's bookkeeping for a new central. */
export type OnNewCentral = (change: NewCentral) => Promise<void>;

/** What the engine tells its owner before a database first syncs (nothing changed it yet). */
export type OnFirstSync = (db: string) => Promise<void>;

/** The owner's hooks: both back the database up (see backup/first-sync.ts). */
export interface BindingHooks {
  onNewCentral?: OnNewCentral | undefined;
  onFirstSync?: OnFirstSync | undefined;
  /** What the check is doing for a database that takes a while (null: done), for the status. */
  onStep?: ((db: string, step: BindingStep | null) => void) | undefined;
}

/** The long steps of a check, each before anything is pulled or sent for the database. */
export type BindingStep = PreparingStep;

export interface CentralBinding {
  /**
   * Resolves once the database's bookkeeping belongs to the central the engine talks to: checked
   * on the first call of an engine's run (re-bound first when central is another one), at once
   * after. A failure (central unreachable) is thrown, and the next call checks again.
   */
  ready(db: string): Promise<void>;
}

export function centralBinding(ctx: EngineContext, hooks: BindingHooks = {}): CentralBinding {
  const checks = new Map<string, Promise<void>>();
  return {
    ready(db) {
      let check = checks.get(db);
      if (!check) {
        check = bind(ctx, db, hooks).finally(() => hooks.onStep?.(db, null));
        checks.set(db, check);
        check.catch(() => checks.delete(db));
      }
      return check;
    },
  };
}

const checkpointId = (db: string) => `central:${db}`;

async function bind(ctx: EngineContext, db: string, hooks: BindingHooks): Promise<void> {
  const { store } = ctx;
  const bound = await store.checkpoints.findOne({ _id: checkpointId(db) });
  const recorded = bound?.centralId;
  const cluster = await clusterFacts(ctx);
  // Central answered: a backup below may take minutes, and the site is not "connecting" then.
  ctx.reportCentral(true);
  const identities = ctx.central.db(db).collection<CentralIdentityDoc>(CENTRAL_IDENTITY);
  const found = await identities.findOne({ _id: 'identity' });
  const facts: BindingFacts = {
    recorded: recorded ?? null,
    central: found?.id ?? null,
    synced: false,
    registered: false,
  };
  if (!recorded) {
    facts.synced =
      (await store.checkpoints.countDocuments({ _id: `pull:${db}` }, { limit: 1 })) > 0 ||
      (await store.meta.countDocuments({ '_id.db': db }, { limit: 1 })) > 0;
    facts.registered =
      facts.synced &&
      (await ctx.central
        .db(db)
        .collection(SITES)
        .countDocuments({ _id: ctx.instanceId as never }, { limit: 1 })) > 0;
  }
  const binding = decideBinding(facts);
  const moved = binding === 'same' && bound?.cluster && !sameCluster(bound.cluster, cluster);
  if (binding === 'same' && !moved) return;
  const id = found?.id ?? (await createIdentity(ctx, identities));
  if (moved) {
    const move = { db, from: bound.cluster, to: cluster };
    ctx.logger.warn(
      { event: 'central.moved', ...move },
      `Central's copy of ${db} is on another cluster: copying its documents again.`,
    );
    hooks.onStep?.(db, 'reading-moved-central');
    await forgetPosition(ctx, db);
    await store.log.insertOne({ at: new Date(), event: 'central.moved', level: 'warn', ...move });
  }
  if (binding === 'changed') {
    const change = { db, from: recorded ?? null, to: id };
    ctx.logger.warn(
      { event: 'central.changed', ...change },
      `Central's copy of ${db} is not the one this site synced with: syncing ${db} with it anew.`,
    );
    hooks.onStep?.(db, 'backup-before-new-central');
    await hooks.onNewCentral?.(change);
    hooks.onStep?.(db, 'queueing-for-new-central');
    const queued = await forgetCentral(ctx, db);
    await store.log.insertOne({
      at: new Date(),
      event: 'central.changed',
      level: 'warn',
      ...change,
      queued,
    });
  }
  // Recorded after the backup: a site stopped during it backs up again at its next start.
  if (binding === 'first' && hooks.onFirstSync) {
    hooks.onStep?.(db, 'backup-before-first-sync');
    await hooks.onFirstSync(db);
  }
  await store.checkpoints.updateOne(
    { _id: checkpointId(db) },
    { $set: { centralId: id, cluster, updatedAt: new Date() } },
    { upsert: true },
  );
  ctx.logger.info({ event: 'central.bound', db, binding, moved, centralId: id });
}

async function clusterFacts(ctx: EngineContext): Promise<ClusterFacts> {
  const hello = await ctx.central.db('admin').command({ hello: 1 });
  return clusterFactsFrom(
    hello,
    ctx.central.options.hosts.map((host) => host.toString()),
  );
}

/** The cluster a `hello` reply describes; `seedHosts` where it lists no members (a mongos). */
export function clusterFactsFrom(hello: Document, seedHosts: string[]): ClusterFacts {
  const listed = hello['hosts'] as string[] | undefined;
  return {
    setName: (hello['setName'] as string | undefined) ?? null,
    hosts: [...(listed ?? seedHosts)].sort(),
  };
}

/** What a site recorded of the central a database synced with (checkpoint `central:<db>`). */
export interface BoundDatabase {
  db: string;
  /** Its name at central. */
  centralName: string;
  centralId: string;
  cluster?: ClusterFacts | undefined;
}

/**
 * What pointing the site at `central` (a client of a connection string not yet saved) would do
 * to databases that synced before, in sentences for the operator: sync anew with another
 * central, or copy central's documents again on another cluster. Empty when nothing changes (or
 * central's identity cannot be read: nothing is claimed then).
 */
export async function whatMovingDoes(
  central: MongoClient,
  hello: Document,
  bound: readonly BoundDatabase[],
): Promise<string[]> {
  const cluster = clusterFactsFrom(
    hello,
    central.options.hosts.map((host) => host.toString()),
  );
  const anew: string[] = [];
  const copied: string[] = [];
  for (const database of bound) {
    let found: CentralIdentityDoc | null;
    try {
      found = await central
        .db(database.centralName)
        .collection<CentralIdentityDoc>(CENTRAL_IDENTITY)
        .findOne({ _id: 'identity' });
    } catch {
      continue;
    }
    if (found?.id !== database.centralId) anew.push(database.db);
    else if (database.cluster && !sameCluster(database.cluster, cluster)) copied.push(database.db);
  }
  const notes: string[] = [];
  if (anew.length > 0)
    notes.push(
      `This is not the central this site has synced ${listed(anew)} with. Saving it makes the ` +
        `site back up ${listed(anew)} on this computer first, then send everything it holds to ` +
        "this central and take what this central has, settled by each collection's rule.",
    );
  if (copied.length > 0)
    notes.push(
      `This central holds a copy of the one this site has synced ${listed(copied)} with, on ` +
        'another cluster. Saving it makes the site read its records again once; nothing is sent ' +
        'twice.',
    );
  return notes;
}

function listed(names: string[]): string {
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * Pull's position is the old cluster's: drops it, so that pull copies central's documents again
 * (each applied only if newer than what the site has, as bootstrap does), after applying the
 * deletes recorded since that position less the lookback, which a copy of documents cannot show.
 */
async function forgetPosition(ctx: EngineContext, db: string): Promise<void> {
  const { store } = ctx;
  const pull = await store.checkpoints.findOne({ _id: `pull:${db}` });
  const last = pull?.ct ?? pull?.startAt;
  if (last) {
    const from = new Timestamp({
      t: Math.max(0, last.t - Math.ceil(ctx.tunables.lookbackMs / 1000)),
      i: 0,
    });
    await scanSince(ctx, db, from, `moved:${db}`);
  }
  await dropPullCheckpoints(ctx, db);
}

async function dropPullCheckpoints(ctx: EngineContext, db: string): Promise<void> {
  await ctx.store.checkpoints.deleteMany({
    _id: { $in: [`pull:${db}`, `refresh:${db}`, `moved:${db}`] },
  });
  await ctx.store.checkpoints.deleteMany({
    _id: { $regex: `^bootstrap:${escapeRegex(db)}:` } as never,
  });
}

/** Makes central's identity for the database; another site's, made first, wins. */
async function createIdentity(
  ctx: EngineContext,
  identities: Collection<CentralIdentityDoc>,
): Promise<string> {
  const mine: CentralIdentityDoc = {
    _id: 'identity',
    id: randomUUID(),
    createdAt: new Date(),
    createdBy: ctx.instanceId,
  };
  try {
    await identities.insertOne(mine);
    return mine.id;
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
    const theirs = await identities.findOne({ _id: 'identity' });
    if (!theirs) throw error;
    return theirs.id;
  }
}

/**
 * Drops what the site knew of the old central for `db` (meta, pull's checkpoints) and queues every
 * document of its pushed collections, as at a first start over existing data. Entries already
 * queued keep their capture sequence. Safe to repeat: the new identity is recorded only after it.
 * Conflicts waiting for the operator stay open; resolving one reads the new central.
 */
async function forgetCentral(ctx: EngineContext, db: string): Promise<number> {
  const { store, local, rules } = ctx;
  await store.meta.deleteMany({ '_id.db': db });
  await dropPullCheckpoints(ctx, db);
  // The most exposed moment: the site has forgotten central and queued nothing yet.
  await ctx.faults?.hit('central:after-forget');
  const collections = (
    await local.db(db).listCollections({ type: 'collection' }, { nameOnly: true }).toArray()
  )
    .map((c) => c.name)
    .filter((name) => rules.pushes(db, name));
  let queued = 0;
  for (const coll of collections) {
    let ids: unknown[] = [];
    const flush = async () => {
      if (ids.length === 0) return;
      // As verify's repair queues: an entry capture made keeps its own sequence and version.
      await store.outbox.bulkWrite(
        ids.map((id) => queueUpsert(ctx, syncKey(db, coll, id), 'upsert')),
        { ordered: false },
      );
      queued += ids.length;
      ids = [];
    };
    for await (const doc of local
      .db(db)
      .collection(coll)
      .find({}, { projection: { _id: 1 } })) {
      ids.push(doc._id);
      if (ids.length >= ctx.tunables.batchSize) await flush();
    }
    await flush();
  }
  if (queued > 0) ctx.notifyPush();
  return queued;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
