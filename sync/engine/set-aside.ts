import { BSON, type Document, type Filter, type Timestamp } from 'mongodb';
import { applyInbound } from '../pull/apply-inbound.js';
import { inLocalTransaction, queueForPush } from './apply.js';
import type { EngineContext } from './context.js';
import type { QuarantineDoc } from './store.js';
import type { RetrySetAsideArgs } from '../api/contract.js';
import type { RetrySetAsideResult } from '../api/views.js';

const MAX_RETRIED = 1_000;

/**
 * "Try again" for changes set aside (quarantine), once the operator has fixed the cause: a
 * validator at central, the site's own validator or unique index. A change this site made is
 * queued again with the document as it is now, in the same transaction that takes it out of
 * quarantine; push sets it aside again if central still refuses it. A change from central is
 * read from central again and applied; it stays set aside if the site still refuses it.
 */
export async function retrySetAside(
  ctx: EngineContext,
  args: RetrySetAsideArgs,
): Promise<RetrySetAsideResult> {
  const filter: Document = {};
  if (args.db !== undefined) filter['_id.db'] = args.db;
  if (args.coll !== undefined) filter['_id.coll'] = args.coll;
  if (args.docId !== undefined)
    filter['_id.id'] = (
      BSON.EJSON.deserialize({ value: args.docId }, { relaxed: true }) as { value: unknown }
    ).value;
  const records = await ctx.store.quarantine
    .find(filter as Filter<QuarantineDoc>)
    .sort({ at: 1 })
    .limit(MAX_RETRIED)
    .toArray();
  const result: RetrySetAsideResult = { queued: 0, applied: 0, refusedAgain: 0 };
  for (const record of records) {
    if (record.direction === 'push') {
      await requeue(ctx, record);
      result.queued += 1;
    } else if (await reapply(ctx, record)) result.applied += 1;
    else result.refusedAgain += 1;
  }
  if (result.queued > 0) ctx.notifyPush();
  ctx.logger.info({ event: 'quarantine.retried', ...args, ...result });
  return result;
}

async function requeue(ctx: EngineContext, record: QuarantineDoc): Promise<void> {
  const { db, coll, id } = record._id;
  await inLocalTransaction(ctx, async (session) => {
    const exists = await ctx.local
      .db(db)
      .collection(coll)
      .countDocuments({ _id: id } as Filter<Document>, { session, limit: 1 });
    await queueForPush(ctx, session, record._id, exists > 0 ? 'upsert' : 'delete');
    await ctx.store.quarantine.deleteOne({ _id: record._id }, { session });
  });
}

/** Applies central's document now; false when the site's database refuses it again. */
async function reapply(ctx: EngineContext, record: QuarantineDoc): Promise<boolean> {
  const { db, coll, id } = record._id;
  const doc = await ctx.central
    .db(db)
    .collection(coll)
    .findOne({ _id: id } as Filter<Document>);
  const sync = doc?.['_sync'] as { v?: string; ct?: Timestamp } | undefined;
  const outcome = await applyInbound(
    ctx,
    db,
    [{ coll, id, doc, v: sync?.v ?? null, ct: sync?.ct ?? null }],
    { id: `refresh:${db}`, set: {} },
  );
  if (outcome.quarantined > 0) return false;
  await ctx.store.quarantine.deleteOne({ _id: record._id, at: record.at });
  return true;
}
