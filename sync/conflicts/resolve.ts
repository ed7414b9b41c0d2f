import type { AnyBulkWriteOperation, Document, Filter } from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import { inLocalTransaction, writeLocal } from '../engine/apply.js';
import { contentHash } from '../engine/hash.js';
import { compareVersions } from '../engine/hlc.js';
import { TOMBSTONES, type CollectionRule } from '../engine/rules.js';
import type { PushPlan } from '../push/push.js';
import { deleteOp, insertOp, tombstoneOp } from '../push/central-ops.js';
import { finishPushed } from '../push/finish.js';

export type ConflictKind =
  'update-update' | 'insert-insert' | 'delete-update' | 'update-delete' | 'unique';
export type Winner = 'site' | 'central';

interface CentralState {
  doc: Document | null;
  v: string | null;
  origin: string | null;
}

/**
 * A compare-and-swap missed (or an insert hit an existing _id): central changed since this site
 * last saw the document. Decides the winner by the collection's strategy, records the conflict,
 * and carries out the outcome. Returns true when the site's version ended up at central.
 */
export async function resolvePushConflict(ctx: EngineContext, plan: PushPlan): Promise<boolean> {
  const central = await readCentral(ctx, plan);
  if (central.origin === ctx.instanceId && central.v) {
    // Central holds this site's own earlier write (its bookkeeping was cut short by a crash):
    // the local state descends from it, so this is no conflict. Same content: done. Otherwise
    // push the newer local state over it, with compare-and-swap on that version.
    if (central.doc && plan.hash !== null && contentHash(central.doc) === plan.hash) {
      await finishAs(ctx, plan, central.v);
      return true;
    }
    if (!central.doc && plan.kind === 'delete') {
      await finishAs(ctx, plan, central.v);
      return true;
    }
    ctx.clock.receive(central.v);
    const v = compareVersions(plan.v, central.v) > 0 ? plan.v : ctx.clock.now();
    return writeSiteVersion(ctx, { ...plan, v }, central);
  }
  if (!central.doc && plan.kind === 'delete') {
    await finishAs(ctx, plan, plan.v);
    return true;
  }
  const rule = ctx.rules.ruleFor(plan.db, plan.coll);
  const kind = conflictKind(plan, central);
  const winner = decideWinner(rule, kind, plan.v, central.v);
  await recordConflict(ctx, plan, central, kind, rule?.strategy ?? 'lww', winner);
  if (winner === 'site') return writeSiteVersion(ctx, plan, central);
  await acceptCentral(ctx, plan, central);
  return false;
}

async function readCentral(ctx: EngineContext, plan: PushPlan): Promise<CentralState> {
  const db = ctx.central.db(plan.db);
  const doc = await db.collection(plan.coll).findOne({ _id: plan.id as never });
  if (doc) {
    const sync = doc['_sync'] as { v?: string; o?: string } | undefined;
    return { doc, v: sync?.v ?? null, origin: sync?.o ?? null };
  }
  const tombstone = await db
    .collection(TOMBSTONES)
    .findOne({ _id: { coll: plan.coll, id: plan.id } as never });
  return {
    doc: null,
    v: (tombstone?.['v'] as string | undefined) ?? null,
    origin: (tombstone?.['o'] as string | undefined) ?? null,
  };
}

function conflictKind(plan: PushPlan, central: CentralState): ConflictKind {
  if (plan.kind === 'delete') return 'delete-update';
  if (!central.doc) return 'update-delete';
  return plan.kind === 'insert' && !plan.meta ? 'insert-insert' : 'update-update';
}

/**
 * lww: the larger HLC version wins; versions end with the instance ID, so ties are broken by it.
 * central-wins / site-wins: as named. Delete against update follows `deleteVsUpdate`
 * (default update-wins: a sale edited at one place is never lost to a delete elsewhere).
 */
export function decideWinner(
  rule: CollectionRule | undefined,
  kind: ConflictKind,
  siteVersion: string,
  centralVersion: string | null,
): Winner {
  const strategy = rule?.strategy ?? 'lww';
  if (strategy === 'site-wins') return 'site';
  if (strategy === 'central-wins') return 'central';
  if (kind === 'delete-update') return rule?.deleteVsUpdate === 'delete-wins' ? 'site' : 'central';
  if (kind === 'update-delete') return rule?.deleteVsUpdate === 'delete-wins' ? 'central' : 'site';
  return compareVersions(siteVersion, centralVersion) > 0 ? 'site' : 'central';
}

async function recordConflict(
  ctx: EngineContext,
  plan: PushPlan,
  central: CentralState,
  kind: ConflictKind,
  strategy: string,
  winner: Winner,
): Promise<void> {
  const at = new Date();
  await ctx.store.conflicts.insertOne({
    key: plan.entry._id,
    kind,
    strategy,
    state: 'resolved',
    outcome: winner,
    site: { doc: plan.doc, v: plan.v, deleted: plan.kind === 'delete' },
    central: { doc: central.doc, v: central.v, origin: central.origin, deleted: !central.doc },
    base: { v: plan.meta?.base ?? null, doc: plan.meta?.baseDoc ?? null },
    instanceId: ctx.instanceId,
    at,
  });
  await ctx.store.log.insertOne({
    at,
    event: 'conflict.resolved',
    level: 'info',
    key: plan.entry._id,
    kind,
    strategy,
    outcome: winner,
  });
  ctx.logger.info({
    event: 'conflict.resolved',
    db: plan.db,
    coll: plan.coll,
    id: plan.id,
    kind,
    strategy,
    outcome: winner,
  });
}

/** Writes the site's version over the central one it lost to, with compare-and-swap on it. */
async function writeSiteVersion(
  ctx: EngineContext,
  plan: PushPlan,
  central: CentralState,
): Promise<boolean> {
  const collection = ctx.central.db(plan.db).collection(plan.coll);
  if (plan.kind === 'delete') {
    const filter: AnyBulkWriteOperation = central.v
      ? deleteOp(plan.id, central.v)
      : { deleteOne: { filter: { _id: plan.id, _sync: { $exists: false } } as Filter<Document> } };
    const result = await collection.bulkWrite([filter]);
    if (result.deletedCount !== 1) return false;
    await ctx.central
      .db(plan.db)
      .collection(TOMBSTONES)
      .bulkWrite([tombstoneOp(plan.coll, plan.id, plan.v, ctx.instanceId)] as never[]);
    await finishAs(ctx, plan, plan.v);
    return true;
  }
  let matched: boolean;
  if (!central.doc) {
    const result = await collection
      .bulkWrite([insertOp(plan.id, plan.doc!, plan.v, ctx.instanceId)])
      .catch(() => undefined);
    matched = (result?.upsertedCount ?? 0) === 1;
  } else {
    const filter = (
      central.v
        ? { _id: plan.id, '_sync.v': central.v }
        : { _id: plan.id, _sync: { $exists: false } }
    ) as Filter<Document>;
    const result = await collection.bulkWrite([
      {
        updateOne: {
          filter,
          update: [
            {
              $replaceWith: {
                $literal: { ...withoutSync(plan.doc!), _sync: { v: plan.v, o: ctx.instanceId } },
              },
            },
            { $set: { '_sync.ct': '$$CLUSTER_TIME' } },
          ],
        },
      },
    ]);
    matched = result.matchedCount === 1;
  }
  if (!matched) return false; // central moved again: the entry stays and is retried next round
  await finishAs(ctx, plan, plan.v);
  return true;
}

function withoutSync(doc: Document): Document {
  const { _sync: _ignored, ...content } = doc;
  return content;
}

/** Central won: its version replaces the local one, unless the document changed again locally. */
async function acceptCentral(
  ctx: EngineContext,
  plan: PushPlan,
  central: CentralState,
): Promise<void> {
  const keepBase = ctx.rules.ruleFor(plan.db, plan.coll)?.strategy === 'merge';
  await inLocalTransaction(ctx, async (session) => {
    const entry = await ctx.store.outbox.findOne({ _id: plan.entry._id }, { session });
    if (entry && entry.seq !== plan.entry.seq) return; // a newer local edit: push it next round
    await writeLocal(
      ctx,
      session,
      plan.db,
      plan.coll,
      plan.id,
      { doc: central.doc, v: central.v },
      keepBase,
    );
    await ctx.store.outbox.deleteOne({ _id: plan.entry._id, seq: plan.entry.seq }, { session });
  });
}

/** Bookkeeping for a plan whose effect is at central with version `v`. */
function finishAs(ctx: EngineContext, plan: PushPlan, v: string): Promise<void> {
  return finishPushed(ctx, [{ ...plan, v }]);
}
