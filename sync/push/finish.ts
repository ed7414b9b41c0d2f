import type { EngineContext } from '../engine/context.js';
import type { PushPlan } from './push.js';

/**
 * Records what central now holds for each plan and removes the outbox entries that did not change
 * meanwhile (same capture sequence). Safe to repeat: a crash before it only causes an echo later.
 */
export async function finishPushed(ctx: EngineContext, plans: PushPlan[]): Promise<void> {
  if (plans.length === 0) return;
  const { store } = ctx;
  const keepBase = (p: PushPlan) => {
    const rule = ctx.rules.ruleFor(p.db, p.coll);
    return rule?.strategy === 'merge' || (rule?.counters.length ?? 0) > 0;
  };
  const metaWrites = plans
    .filter((p) => p.kind !== 'echo' && p.kind !== 'drop')
    .map((p) => ({
      updateOne: {
        filter: { _id: p.entry._id },
        update: {
          $set: {
            base: p.v,
            hash: p.kind === 'delete' ? null : p.hash,
            deleted: p.kind === 'delete',
            ct: null,
            baseDoc: p.doc && keepBase(p) ? p.doc : null,
            behind: null,
            inflight: null,
          },
        },
        upsert: true,
      },
    }));
  if (metaWrites.length > 0) await store.meta.bulkWrite(metaWrites, { ordered: false });
  await ctx.faults?.hit('push:after-meta');
  await store.outbox.bulkWrite(
    plans.map((p) => ({ deleteOne: { filter: { _id: p.entry._id, seq: p.entry.seq } } })),
    { ordered: false },
  );
  await store.checkpoints.updateOne(
    { _id: 'hlc' },
    { $max: { l: ctx.clock.state.l } },
    { upsert: true },
  );
  ctx.metrics.lastPushAt = new Date();
}
