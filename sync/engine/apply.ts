import {
  BSON,
  type AnyBulkWriteOperation,
  type ClientSession,
  type Document,
  type Timestamp,
} from 'mongodb';
import type { EngineContext } from './context.js';
import { contentHash, stripSync } from './hash.js';
import { syncKey, type MetaDoc, type OutboxDoc, type SyncKey } from './store.js';

export function idKey(id: unknown): string {
  return BSON.EJSON.stringify(id, { relaxed: false });
}

/** The central state of one document as this site will store it. */
export interface CentralVersion {
  /** Document as at central (with `_sync`), or null when deleted there. */
  doc: Document | null;
  v: string | null;
  ct?: Timestamp | null | undefined;
}

/**
 * Writes a central version into the local database and records it in `meta`, inside `session`'s
 * transaction. Callers have already checked that no unsynced local change is overwritten.
 */
export async function writeLocal(
  ctx: EngineContext,
  session: ClientSession,
  db: string,
  coll: string,
  id: unknown,
  version: CentralVersion,
  keepBaseDoc: boolean,
): Promise<void> {
  const collection = ctx.local.db(db).collection(coll);
  const key = syncKey(db, coll, id);
  let meta: Partial<MetaDoc>;
  if (version.doc) {
    const content = stripSync(version.doc);
    await collection.replaceOne({ _id: id as never }, content, { upsert: true, session });
    meta = {
      base: version.v,
      hash: contentHash(content),
      ct: version.ct ?? null,
      deleted: false,
      baseDoc: keepBaseDoc ? content : null,
    };
  } else {
    await collection.deleteOne({ _id: id as never }, { session });
    meta = { base: version.v, hash: null, ct: version.ct ?? null, deleted: true, baseDoc: null };
  }
  await ctx.store.meta.updateOne(
    { _id: key },
    { $set: { ...meta, behind: null } },
    { upsert: true, session },
  );
  ctx.clock.receive(version.v);
}

/**
 * The outbox write that queues a document for push from outside capture (verify's repair, a
 * set-aside change tried again, a database re-bound to a new central). Sequence 0 is never issued
 * by capture (it counts from 1), so an edit captured meanwhile keeps its own entry and sequence,
 * and push keeps the entry for that edit.
 */
export function queueUpsert(ctx: EngineContext, key: SyncKey, op: OutboxDoc['op']) {
  return {
    updateOne: {
      filter: { _id: key },
      update: {
        $setOnInsert: {
          seq: 0,
          v: ctx.clock.now(),
          op,
          firstAt: new Date(),
          nextAt: new Date(0),
          attempts: 0,
        },
      },
      upsert: true,
    },
  } satisfies AnyBulkWriteOperation<OutboxDoc>;
}

/** Queues a document for push (see queueUpsert) inside `session`'s transaction. */
export async function queueForPush(
  ctx: EngineContext,
  session: ClientSession,
  key: SyncKey,
  op: OutboxDoc['op'],
): Promise<void> {
  const { filter, update } = queueUpsert(ctx, key, op).updateOne;
  await ctx.store.outbox.updateOne(filter, update, { upsert: true, session });
}

/** Runs `work` in a local transaction (retried by the driver on transient transaction errors). */
export async function inLocalTransaction<T>(
  ctx: EngineContext,
  work: (session: ClientSession) => Promise<T>,
  reuse?: ClientSession,
): Promise<T> {
  const session = reuse ?? ctx.local.startSession();
  try {
    let result: T | undefined;
    await session.withTransaction(async () => {
      result = await work(session);
    });
    return result as T;
  } finally {
    if (!reuse) await session.endSession();
  }
}
