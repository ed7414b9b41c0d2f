import type { Document, Timestamp } from 'mongodb';
import { idKey } from '../engine/apply.js';
import type { EngineContext } from '../engine/context.js';
import { TOMBSTONES } from '../engine/rules.js';
import { applyInbound, type Inbound } from './apply-inbound.js';

export async function centralOperationTime(ctx: EngineContext): Promise<Timestamp> {
  const reply = await ctx.central.db('admin').command({ ping: 1 });
  return reply['operationTime'] as Timestamp;
}

/** Central collections of `db` this site pulls. */
export async function pulledCollections(ctx: EngineContext, db: string): Promise<string[]> {
  const all = await ctx.central
    .db(db)
    .listCollections({ type: 'collection' }, { nameOnly: true })
    .toArray();
  return all
    .map((c) => c.name)
    .filter((name) => ctx.rules.pulls(db, name))
    .sort();
}

function toInbound(coll: string, doc: Document): Inbound {
  const sync = doc['_sync'] as { v?: string; ct?: Timestamp } | undefined;
  return { coll, id: doc['_id'], doc, v: sync?.v ?? null, ct: sync?.ct ?? null };
}

/**
 * First sync of a site: copies central's documents in scope, collection by collection in `_id`
 * order, resumable after a crash (the last `_id` is checkpointed with each batch). The stream then
 * starts at the cluster time taken before the scan, so nothing written meanwhile is missed.
 * Every later start copies the collections pulled now and not at the start before (a rule that
 * turned one on), while the stream goes on from its token.
 */
export async function bootstrap(
  ctx: EngineContext,
  db: string,
  checkpointId: string,
  signal: AbortSignal,
  onProgress?: (progress: { db: string; done: number; total: number }) => void,
): Promise<void> {
  const { store } = ctx;
  const checkpoint = await store.checkpoints.findOne({ _id: checkpointId });
  if (!checkpoint?.startAt) {
    const startAt = await centralOperationTime(ctx);
    await store.checkpoints.updateOne(
      { _id: checkpointId },
      { $set: { startAt, ct: startAt } },
      { upsert: true },
    );
  }
  const later = checkpoint?.bootstrapped === true;
  const pulled = await pulledCollections(ctx, db);
  const progressId = (coll: string) => `bootstrap:${db}:${coll}`;
  let collections = pulled;
  if (later) {
    // Pulled now and not at the last start (a rule turned them on, or central created them):
    // their documents from before are copied, resumably, as the stream goes on from its token.
    // A checkpoint from before this record counts what is pulled now as copied.
    const known = checkpoint.pulled ?? pulled;
    const fresh = pulled.filter((coll) => !known.includes(coll));
    if (fresh.length > 0)
      await store.checkpoints.bulkWrite(
        fresh.map((coll) => ({
          replaceOne: {
            filter: { _id: progressId(coll) },
            replacement: { _id: progressId(coll), bootstrapped: false },
            upsert: true,
          },
        })),
      );
    if (known.join() !== pulled.join())
      await store.checkpoints.updateOne({ _id: checkpointId }, { $set: { pulled } });
    const unfinished = new Set(
      (
        await store.checkpoints
          .find({ _id: { $in: pulled.map(progressId) }, bootstrapped: false })
          .toArray()
      ).map((progress) => progress._id),
    );
    collections = pulled.filter((coll) => unfinished.has(progressId(coll)));
    if (collections.length === 0) return;
  }
  const totals = await Promise.all(
    collections.map((coll) =>
      ctx.central.db(db).collection(coll).countDocuments(ctx.rules.scopeFilter(db, coll)),
    ),
  );
  const total = totals.reduce((a, b) => a + b, 0);
  let done = 0;
  ctx.logger.info({ event: 'bootstrap.started', db, collections, total });
  if (later)
    await store.log.insertOne({
      at: new Date(),
      event: 'bootstrap.collections',
      level: 'info',
      db,
      collections,
      total,
    });
  for (const coll of collections) {
    const progress = await store.checkpoints.findOne({ _id: progressId(coll) });
    if (progress?.bootstrapped) {
      done += totals[collections.indexOf(coll)] ?? 0;
      continue;
    }
    // `min` with an _id hint resumes across BSON types; `$gt` would only compare within one type.
    let cursor = ctx.central
      .db(db)
      .collection(coll)
      .find(ctx.rules.scopeFilter(db, coll))
      .hint({ _id: 1 })
      .batchSize(ctx.tunables.pullBatchSize);
    const resumeAfter = progress?.bootstrap?.['last'];
    if (resumeAfter) {
      cursor = cursor.min({ _id: resumeAfter.lastId });
      done += await ctx.central
        .db(db)
        .collection(coll)
        .countDocuments({
          ...ctx.rules.scopeFilter(db, coll),
          _id: { $lte: resumeAfter.lastId as never },
        });
      const resumed = { event: 'bootstrap.resumed', db, coll, after: resumeAfter.lastId, done };
      ctx.logger.info(resumed);
      await store.log.insertOne({ at: new Date(), level: 'info', ...resumed });
    }
    let batch: Inbound[] = [];
    const flush = async (last: boolean) => {
      if (batch.length > 0 || last) {
        const lastId = batch.length > 0 ? batch[batch.length - 1]!.id : resumeAfter?.lastId;
        await applyInbound(ctx, db, batch, {
          id: progressId(coll),
          set: { bootstrap: { last: { lastId } }, ...(last ? { bootstrapped: true } : {}) },
        });
        const applied = batch.length;
        done += applied;
        batch = [];
        onProgress?.({ db, done, total });
        if (applied > 0) await ctx.faults?.hit('bootstrap:after-batch');
      }
    };
    for await (const doc of cursor) {
      if (signal.aborted) return;
      if (resumeAfter && idKey(doc['_id']) === idKey(resumeAfter.lastId)) continue;
      batch.push(toInbound(coll, doc));
      if (batch.length >= ctx.tunables.pullBatchSize) await flush(false);
    }
    await flush(true);
  }
  await store.checkpoints.updateOne(
    { _id: checkpointId },
    { $set: { bootstrapped: true, ...(later ? {} : { pulled }) } },
  );
  ctx.logger.info({ event: 'bootstrap.finished', db, total: done });
}

/**
 * Catch-up after a lost resume token: every document and tombstone whose central commit time is
 * at or after `from` (index on `_sync.ct`), applied idempotently.
 */
export async function scanSince(
  ctx: EngineContext,
  db: string,
  from: Timestamp,
  checkpointId: string,
): Promise<number> {
  let scanned = 0;
  const apply = async (items: Inbound[]) => {
    if (items.length === 0) return;
    await applyInbound(ctx, db, items, { id: checkpointId, set: {} });
    scanned += items.length;
  };
  for (const coll of await pulledCollections(ctx, db)) {
    const cursor = ctx.central
      .db(db)
      .collection(coll)
      .find({
        $and: [
          ctx.rules.scopeFilter(db, coll),
          // Committed since `from`, or with no commit time: earlier builds inserted first and
          // stamped after, and one that stopped in between left none.
          {
            $or: [
              { '_sync.ct': { $gte: from } },
              { '_sync.ct': { $exists: false }, '_sync.v': { $exists: true } },
            ],
          },
        ],
      })
      .sort({ '_sync.ct': 1 })
      .batchSize(ctx.tunables.pullBatchSize);
    let batch: Inbound[] = [];
    for await (const doc of cursor) {
      // This site's own writes too: another application may have changed one since, leaving
      // its version as it was (applyInbound adopts those).
      batch.push(toInbound(coll, doc));
      if (batch.length >= ctx.tunables.pullBatchSize) {
        await apply(batch);
        batch = [];
      }
    }
    await apply(batch);
  }
  const tombstones = await ctx.central
    .db(db)
    .collection(TOMBSTONES)
    .find({ ct: { $gte: from }, o: { $ne: ctx.instanceId } })
    .sort({ ct: 1 })
    .toArray();
  await apply(
    tombstones
      .map((t) => ({ t, key: t['_id'] as unknown as { coll: string; id: unknown } }))
      .filter(
        ({ t, key }) => ctx.rules.pulls(db, key.coll) && tombstoneInScope(ctx, db, key.coll, t),
      )
      .map(({ t, key }) => ({
        coll: key.coll,
        id: key.id,
        doc: null,
        v: t['v'] as string,
        ct: t['ct'] as Timestamp,
      })),
  );
  return scanned;
}

/** Indexes central needs for the checkpoint scan; best effort (the user may lack the privilege). */
export async function ensureCentralIndexes(ctx: EngineContext, db: string): Promise<void> {
  const central = ctx.central.db(db);
  try {
    await central.collection(TOMBSTONES).createIndex({ ct: 1 });
    for (const coll of await pulledCollections(ctx, db))
      await central.collection(coll).createIndex({ '_sync.ct': 1 });
  } catch (error) {
    ctx.logger.warn({ event: 'central.index-failed', db, error });
  }
}

/** Tombstones carry the scope value of the deleted document (`s`); others' deletes stay theirs. */
export function tombstoneInScope(
  ctx: EngineContext,
  db: string,
  coll: string,
  tombstone: Document,
): boolean {
  const scope = ctx.rules.ruleFor(db, coll)?.scope;
  if (!scope || !('s' in tombstone)) return true;
  const value: unknown = tombstone['s'];
  return (
    value === ctx.rules.input.siteId ||
    (scope.includeGlobal && (value === null || value === undefined))
  );
}
