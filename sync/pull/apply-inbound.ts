import {
  BSON,
  type AnyBulkWriteOperation,
  type ClientSession,
  type Document,
  type Filter,
  type Timestamp,
} from 'mongodb';
import { idKey, inLocalTransaction } from '../engine/apply.js';
import { countFor, type EngineContext } from '../engine/context.js';
import { contentHash, stripSync } from '../engine/hash.js';
import { compareVersions } from '../engine/hlc.js';
import { syncKey, type CheckpointDoc, type MetaDoc } from '../engine/store.js';
import { storesBaseDoc } from '../engine/rules.js';
import { documentWriteErrors } from '../errors.js';
import { groupBy } from '../util/group.js';
import { adoptWrites } from './adopt.js';

/** One change from central: a document version, or a delete (doc null). */
export interface Inbound {
  coll: string;
  id: unknown;
  doc: Document | null;
  /** `_sync.v` of the document or tombstone; null for a raw delete or a document never stamped. */
  v: string | null;
  ct?: Timestamp | null | undefined;
}

export interface ApplyResult {
  applied: number;
  skippedStale: number;
  skippedUnsynced: number;
  quarantined: number;
}

const MAX_DOC_BYTES = 16 * 1024 * 1024;

/**
 * Applies central changes to the local database of `db` in one local transaction together with
 * `checkpoint`. Idempotent: versions at or below what this site has are skipped. Never overwrites
 * a document with an unsynced local change (its hash differs from meta): push resolves that one.
 * A document the local database refuses (its validator, a unique index) is quarantined and the
 * rest applied without it, so one document cannot hold up every other change from central.
 */
export async function applyInbound(
  ctx: EngineContext,
  db: string,
  items: Inbound[],
  checkpoint: { id: string; set: Partial<CheckpointDoc> },
): Promise<ApplyResult> {
  const latest = new Map<string, Inbound>();
  for (const item of items) latest.set(`${item.coll}\u0000${idKey(item.id)}`, item);
  let refused = 0;
  for (;;) {
    try {
      const result = await applyLatest(ctx, db, latest, checkpoint);
      result.quarantined += refused;
      ctx.metrics.quarantined += refused;
      return result;
    } catch (error) {
      if (!(error instanceof RefusedLocally)) throw error;
      const { item, code, message } = error;
      await quarantineInbound(ctx, db, item, {
        reason: `The site's database refused the document from central (${message}). Fix the site's validator or unique index, or the document at central: its next version is applied as usual.`,
        code,
      });
      latest.delete(`${item.coll}\u0000${idKey(item.id)}`);
      refused += 1;
    }
  }
}

/** A document the local database refuses for good, found by the apply transaction. */
class RefusedLocally extends Error {
  constructor(
    readonly item: Inbound,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

async function applyLatest(
  ctx: EngineContext,
  db: string,
  latest: Map<string, Inbound>,
  checkpoint: { id: string; set: Partial<CheckpointDoc> },
): Promise<ApplyResult> {
  const result: ApplyResult = { applied: 0, skippedStale: 0, skippedUnsynced: 0, quarantined: 0 };
  const byColl = groupBy(latest.values(), (item) => item.coll);
  let changed: Inbound[] = [];
  let appliedByColl = new Map<string, number>();
  await ctx.faults?.hit('pull:before-apply');
  await inLocalTransaction(
    ctx,
    async (session) => {
      Object.assign(result, { applied: 0, skippedStale: 0, skippedUnsynced: 0, quarantined: 0 });
      changed = [];
      appliedByColl = new Map();
      const metaOps: AnyBulkWriteOperation<MetaDoc>[] = [];
      const outboxBumps: MetaDoc['_id'][] = [];
      for (const [coll, group] of byColl) {
        const collection = ctx.apply.client.db(db).collection(coll);
        const ids = group.map((item) => item.id) as never[];
        // One after the other: two operations started together in a new transaction both try to
        // start it (server error 117).
        const docs = await collection.find({ _id: { $in: ids } }, { session }).toArray();
        const metaKeys = group.map((item) => syncKey(db, coll, item.id));
        const metas = await ctx.apply.store.meta
          .find({ _id: { $in: metaKeys } }, { session })
          .toArray();
        const docById = new Map(docs.map((doc) => [idKey(doc._id), doc]));
        const metaById = new Map(metas.map((meta) => [idKey(meta._id.id), meta]));
        const rule = ctx.rules.ruleFor(db, coll);
        const counters = (rule?.counters.length ?? 0) > 0;
        const keepBase = storesBaseDoc(rule);
        const appOps: AnyBulkWriteOperation[] = [];
        const appItems: Inbound[] = [];
        for (const item of group) {
          const local = docById.get(idKey(item.id));
          const meta = metaById.get(idKey(item.id));
          if (item.v && meta?.base && compareVersions(meta.base, item.v) >= 0) {
            if (changedWithoutVersion(item, meta)) changed.push(item);
            result.skippedStale += 1;
            continue;
          }
          const content = item.doc ? stripSync(item.doc) : null;
          const incomingHash = content ? contentHash(content) : null;
          const localHash = local ? contentHash(local) : null;
          const synced = meta
            ? meta.deleted
              ? local === undefined
              : meta.hash === localHash
            : local === undefined;
          // Same content as the incoming version settles an unsynced change, except with
          // counters: two sites that each sold 3 from 9982 both hold 9979, and taking one for
          // the other would lose a sale. Push merges those.
          if (!synced && (localHash !== incomingHash || counters)) {
            result.skippedUnsynced += 1;
            if (meta) {
              metaOps.push({
                updateOne: {
                  filter: { _id: meta._id },
                  update: { $set: { behind: item.v ?? 'unversioned' } },
                },
              });
            }
            // A push of this document may be in flight: flag its entry so that finishing that
            // push keeps it, and the next round fetches this version. Not the sequence: that
            // would read as a new local change to conflict resolution. Also without a meta: a
            // first push that landed at central, and not yet recorded here, would otherwise leave
            // this site on its own version of a document another writer has since changed.
            outboxBumps.push(syncKey(db, coll, item.id));
            continue;
          }
          if (content && !isApplicable(content, item.id)) {
            await quarantineInbound(
              ctx,
              db,
              item,
              { reason: 'Inbound document failed the shape or size check' },
              session,
            );
            result.quarantined += 1;
            continue;
          }
          // A document new to this site is a plain insert, several times faster than an
          // upserting replace. Both reads are in this transaction, so a write of the same _id
          // meanwhile (the POS, or push's meta) is a write conflict that retries it, never a
          // duplicate key.
          if (content && local === undefined) {
            appOps.push({ insertOne: { document: content } });
            appItems.push(item);
          } else if (content && localHash !== incomingHash) {
            appItems.push(item);
            appOps.push({
              replaceOne: {
                filter: { _id: item.id } as Filter<Document>,
                replacement: content,
                upsert: true,
              },
            });
          } else if (!content && local) {
            appOps.push({ deleteOne: { filter: { _id: item.id } as Filter<Document> } });
            appItems.push(item);
          }
          const record: Omit<MetaDoc, '_id'> = {
            base: item.v ?? meta?.base ?? null,
            hash: incomingHash,
            ct: item.ct ?? null,
            deleted: content === null,
            behind: null,
            inflight: null,
            baseDoc: keepBase ? content : null,
          };
          const key = syncKey(db, coll, item.id);
          metaOps.push(
            meta
              ? { updateOne: { filter: { _id: key }, update: { $set: record }, upsert: true } }
              : { insertOne: { document: { _id: key, ...record } } },
          );
          ctx.clock.receive(item.v);
          result.applied += 1;
          appliedByColl.set(coll, (appliedByColl.get(coll) ?? 0) + 1);
        }
        if (appOps.length > 0)
          await collection.bulkWrite(appOps, { session, ordered: true }).catch((error: unknown) => {
            throw refusedLocally(error, appItems) ?? error;
          });
      }
      if (outboxBumps.length > 0)
        await ctx.apply.store.outbox.updateMany(
          { _id: { $in: outboxBumps } },
          { $set: { refresh: true } },
          { session },
        );
      if (metaOps.length > 0)
        await ctx.apply.store.meta.bulkWrite(metaOps, { session, ordered: true });
      await ctx.apply.store.checkpoints.updateOne(
        { _id: checkpoint.id },
        { $set: { ...checkpoint.set, updatedAt: new Date() } },
        { upsert: true, session },
      );
    },
    ctx.apply.sessions.get(db),
  );
  // Outside the transaction, as in capture: a shared document every loop writes.
  await ctx.apply.store.saveHlc(ctx.clock.state.l);
  await adoptChanged(ctx, db, changed);
  await ctx.faults?.hit('pull:after-apply');
  ctx.metrics.pulled += result.applied;
  for (const [coll, pulled] of appliedByColl) countFor(ctx.metrics, db, coll, { pulled });
  ctx.metrics.localApplies += result.applied;
  ctx.metrics.quarantined += result.quarantined;
  if (result.applied > 0) ctx.metrics.lastPullAt = new Date();
  return result;
}

/**
 * A version this site has, with other content: changed at central by another application, read
 * by a scan (the stream routes such changes to adoption before they get here).
 */
function changedWithoutVersion(item: Inbound, meta: MetaDoc): boolean {
  return (
    item.doc !== null &&
    !meta.deleted &&
    meta.base === item.v &&
    meta.hash !== contentHash(stripSync(item.doc))
  );
}

/**
 * Stamps what changedWithoutVersion found, so that it reaches this site and every other as a
 * version of its own. Best effort: the local apply has committed, and a write left unstamped is
 * still found by verify.
 */
async function adoptChanged(ctx: EngineContext, db: string, changed: Inbound[]): Promise<void> {
  if (changed.length === 0) return;
  const now = Date.now();
  try {
    await adoptWrites(
      ctx,
      db,
      changed.map((item) => ({ item, wallTime: now })),
    );
  } catch (error) {
    ctx.logger.warn({
      event: 'pull.adopt-failed',
      db,
      count: changed.length,
      error: String(error),
    });
  }
}

/** Inbound documents are size- and shape-checked before they reach the POS database. */
function isApplicable(content: Document, id: unknown): boolean {
  if (idKey(content['_id']) !== idKey(id)) return false;
  try {
    return BSON.calculateObjectSize(content) < MAX_DOC_BYTES;
  } catch {
    return false;
  }
}

/**
 * The local database refusing one document of the batch for good: a validator (121) or a unique
 * index other than `_id` (11000). Other failures are not the document's: they fail the batch.
 */
function refusedLocally(error: unknown, items: Inbound[]): RefusedLocally | undefined {
  const first = documentWriteErrors(error)?.[0];
  const item = first ? items[first.index] : undefined;
  if (!first || !item) return undefined;
  const keyPattern = (first.err as { keyPattern?: Document } | undefined)?.keyPattern;
  const uniqueClash =
    first.code === 11000 && !(keyPattern && Object.keys(keyPattern).join() === '_id');
  if (first.code !== 121 && !uniqueClash) return undefined;
  return new RefusedLocally(item, first.code, first.errmsg ?? `code ${first.code}`);
}

async function quarantineInbound(
  ctx: EngineContext,
  db: string,
  item: Inbound,
  why: { reason: string; code?: number },
  session?: ClientSession,
) {
  const key = syncKey(db, item.coll, item.id);
  ctx.logger.warn({ event: 'pull.quarantined', db, coll: item.coll, id: item.id, ...why });
  await ctx.apply.store.quarantine.updateOne(
    { _id: key },
    {
      $set: {
        ...why,
        direction: 'pull',
        doc: item.doc,
        v: item.v ?? undefined,
        at: new Date(),
      },
    },
    { upsert: true, session },
  );
  await ctx.apply.store.log.insertOne(
    { at: new Date(), event: 'pull.quarantined', level: 'warn', key, ...why },
    { session },
  );
}
