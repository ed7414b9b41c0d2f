import type { Filter } from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import type { OutboxDoc } from '../engine/store.js';
import type { PushPlan } from './push.js';
import { storesBaseDoc } from '../engine/rules.js';

/**
 * Records what central now holds for each plan and removes the outbox entries that did not change
 * meanwhile (same capture sequence). Safe to repeat: a crash before it only causes an echo later.
 */
export async function finishPushed(ctx: EngineContext, plans: PushPlan[]): Promise<void> {
  if (plans.length === 0) return;
  const { store } = ctx;
  const keepBase = (p: PushPlan) => storesBaseDoc(ctx.rules.ruleFor(p.db, p.coll));
  // A write to central moves the base; an echo, a drop or a refresh wrote nothing there (a
  // refresh has already recorded the version it fetched: recording the plan's version over it
  // paired the fetched document with a base central never had, and the site stopped syncing it).
  const wrote = (p: PushPlan) => p.kind === 'insert' || p.kind === 'update' || p.kind === 'delete';
  const written = plans.filter(wrote);
  // A document seen for the first time has no meta yet: a plain insert records it, several times
  // faster than the pipeline below. One that exists by now (pull created it meanwhile) fails
  // with a duplicate key and goes through the pipeline like the others.
  const fresh = written.filter((p) => p.kind === 'insert' && !p.meta);
  const again = new Set<PushPlan>(written.filter((p) => !fresh.includes(p)));
  if (fresh.length > 0) {
    await store.meta
      .insertMany(
        fresh.map((p) => ({
          _id: p.entry._id,
          base: p.v,
          hash: p.hash,
          deleted: false,
          ct: null,
          baseDoc: p.doc && keepBase(p) ? p.doc : null,
          inflight: null,
          behind: null,
        })),
        { ordered: false },
      )
      .catch((error: unknown) => {
        const reported = (error as { writeErrors?: unknown }).writeErrors;
        const failed = (Array.isArray(reported) ? reported : reported ? [reported] : []) as {
          index: number;
          code: number;
        }[];
        if (failed.length === 0 || failed.some((e) => e.code !== 11000)) throw error;
        for (const e of failed) again.add(fresh[e.index]!);
      });
  }
  const metaWrites = [...again].map((p) => ({
    updateOne: {
      filter: { _id: p.entry._id },
      // A pipeline, so that `behind` (a newer central version pull had to skip while this
      // push was in flight) survives: clearing it here lost that version for good.
      update: unlessNewer(p.v, {
        base: { $literal: p.v },
        hash: { $literal: p.kind === 'delete' ? null : p.hash },
        deleted: { $literal: p.kind === 'delete' },
        ct: null,
        baseDoc: { $literal: p.doc && keepBase(p) ? p.doc : null },
        inflight: null,
        behind: keepNewer(p.v),
      }),
      upsert: true,
    },
  }));
  if (metaWrites.length > 0) await store.meta.bulkWrite(metaWrites, { ordered: false });
  await ctx.faults?.hit('push:after-meta');
  // A write keeps an entry pull flagged meanwhile (a newer central version to fetch next round);
  // an echo, a refresh or a drop settles it.
  await store.outbox.deleteMany({
    $or: [
      ...unchanged(written, { refresh: { $ne: true } }),
      ...unchanged(plans.filter((p) => !wrote(p))),
    ],
  });
  await store.saveHlc(ctx.clock.state.l);
  ctx.metrics.lastPushAt = new Date();
}

/**
 * Filters for the outbox entries of `plans` that capture has not changed since push read them
 * (same sequence). Capture issues each sequence once per database, counting up, so an entry whose
 * sequence is still among the batch's has that of its own read: one `$in` on ids and one on
 * sequences does it, five times faster than an `$or` of (id, sequence) pairs for a batch of 1,000.
 * Verify's repair queues entries with sequence 0, the one number issued more than once: those
 * keep the exact pair.
 */
function unchanged(plans: PushPlan[], also: Filter<OutboxDoc> = {}): Filter<OutboxDoc>[] {
  const captured = plans.filter((p) => p.entry.seq !== 0);
  const repairs = plans.filter((p) => p.entry.seq === 0);
  return [
    ...(captured.length > 0
      ? [
          {
            _id: { $in: captured.map((p) => p.entry._id) },
            seq: { $in: captured.map((p) => p.entry.seq) },
            ...also,
          },
        ]
      : []),
    ...repairs.map((p) => ({ _id: p.entry._id, seq: 0, ...also })),
  ];
}

/**
 * Pipeline update that sets `fields` on a meta document unless it is already based on a version
 * newer than `v`: pull may apply the version after this one (another site's write on top of it)
 * before this bookkeeping runs, and going back to `v` would pair the newer local document with
 * an older base, so the next counter merge would count the other site's delta twice.
 */
export function unlessNewer(v: string | null, fields: Record<string, unknown>) {
  return [
    {
      $replaceWith: {
        $cond: [
          { $gt: [{ $ifNull: ['$base', ''] }, { $literal: v ?? '' }] },
          '$$ROOT',
          { $mergeObjects: ['$$ROOT', fields] },
        ],
      },
    },
  ];
}

/** Pipeline expression: keep `behind` only if it is newer than the version now based on. */
export function keepNewer(v: string | null) {
  return {
    $cond: [{ $gt: [{ $ifNull: ['$behind', ''] }, { $literal: v ?? '' }] }, '$behind', null],
  };
}
