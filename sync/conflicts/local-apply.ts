import type { Document, Filter } from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import { inLocalTransaction } from '../engine/apply.js';
import { contentHash, stripSync } from '../engine/hash.js';
import { syncKey } from '../engine/store.js';
import { mergeDocuments } from './merge.js';
import { keepNewer } from '../push/finish.js';
import { compareVersions } from '../engine/hlc.js';
import { storesBaseDoc } from '../engine/rules.js';

/**
 * Makes the site hold a resolved version that is now at central (version `v`). `pushed` is the
 * local document as push read it; if the document changed locally since (a newer sale), that
 * change is merged onto the resolved version and stays queued, based on `v`, so it is pushed next
 * and neither side's work is lost.
 */
export async function applyResolvedLocally(
  ctx: EngineContext,
  key: { db: string; coll: string; id: unknown },
  resolved: Document | null,
  v: string | null,
  pushed: { doc: Document | null; seq: number | null },
): Promise<void> {
  const rule = ctx.rules.ruleFor(key.db, key.coll);
  const keepBase = storesBaseDoc(rule);
  const content = resolved ? stripSync(resolved) : null;
  await inLocalTransaction(ctx, async (session) => {
    const collection = ctx.local.db(key.db).collection(key.coll);
    const id = { _id: key.id } as Filter<Document>;
    const entry = await ctx.store.outbox.findOne(
      { _id: syncKey(key.db, key.coll, key.id) },
      { session },
    );
    const local = await collection.findOne(id, { session });
    const meta = await ctx.store.meta.findOne(
      { _id: syncKey(key.db, key.coll, key.id) },
      { session },
    );
    if (compareVersions(meta?.base, v) > 0) {
      // Pull already applied a newer central version, which descends from this one: the site
      // holds that (plus any change of its own, still queued). Going back would lose it.
      if (entry)
        await ctx.store.outbox.updateOne(
          { _id: entry._id },
          { $set: { parked: false, nextAt: new Date(0) } },
          { session },
        );
      return;
    }
    const changedSince = movedOn(entry, local, {
      hash: pushed.doc ? contentHash(pushed.doc) : null,
      seq: pushed.seq,
    });
    let target = content;
    if (changedSince) {
      if (local && content) {
        const base = pushed.doc ?? {};
        target = mergeDocuments({
          base,
          site: local,
          central: content,
          counters: rule?.counters ?? [],
          newer: 'site',
        }).merged;
      } else {
        target = local; // re-created or deleted again locally after the push read it: keep that
      }
    }
    if (target === null) {
      if (local) await collection.deleteOne(id, { session });
    } else if (!local || contentHash(local) !== contentHash(target)) {
      await collection.replaceOne(id, target, { upsert: true, session });
    }
    await ctx.store.meta.updateOne(
      { _id: syncKey(key.db, key.coll, key.id) },
      [
        {
          $set: {
            base: { $literal: v },
            hash: { $literal: content ? contentHash(content) : null },
            deleted: { $literal: content === null },
            ct: null,
            baseDoc: { $literal: keepBase ? content : null },
            behind: keepNewer(v),
            inflight: null,
          },
        },
      ],
      { upsert: true, session },
    );
    // An entry pull flagged meanwhile stays: the next round fetches the newer central version.
    if (entry && !changedSince && !entry.refresh)
      await ctx.store.outbox.deleteOne({ _id: entry._id, seq: entry.seq }, { session });
    else if (entry)
      await ctx.store.outbox.updateOne(
        { _id: entry._id },
        { $set: { parked: false, nextAt: new Date(0) } },
        { session },
      );
  });
  ctx.clock.receive(v);
}

/**
 * Whether the site moved on since push read a document (content hash `hash`, capture sequence
 * `seq`): a newer capture, or a write capture has not seen yet (compare content, never the
 * sequence alone, or that sale would be overwritten).
 */
export function movedOn(
  entry: { seq: number } | null,
  local: Document | null,
  pushed: { hash: string | null; seq: number | null },
): boolean {
  if (entry !== null && pushed.seq !== null && entry.seq !== pushed.seq) return true;
  return (local ? contentHash(local) : null) !== pushed.hash;
}
