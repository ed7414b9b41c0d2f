import type { Document, Filter } from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import { contentHash, stripSync } from '../engine/hash.js';
import { compareVersions } from '../engine/hlc.js';
import { DEFAULT_RULE, keepsBase } from '../engine/rules.js';
import type { PushPlan } from '../push/push.js';
import { versionsOf } from '../push/central-ops.js';
import { finishPushed } from '../push/finish.js';
import {
  readCentral,
  sameContent,
  writeCentralVersion,
  type CentralState,
} from './central-state.js';
import { decide, type ConflictKind } from './decide.js';
import { applyResolvedLocally, movedOn } from './local-apply.js';
import { mergeDocuments } from './merge.js';
import { recordOpen, recordResolved, type NewConflict } from './record.js';
import { syncKey } from '../engine/store.js';

/** A unique index other than _id refused the site's document. */
export interface UniqueClash {
  index: string;
  keyValue: Document | null;
}

/**
 * A compare-and-swap missed, an insert hit an existing _id, or a unique index refused the write:
 * central changed since this site last saw the document. Decides by the collection's strategy,
 * records the conflict (every one, auto-resolved or not), and carries the outcome to central and
 * to the site. Returns true when the site's version (or a merge of it) is now at central.
 */
export async function resolvePushConflict(
  ctx: EngineContext,
  plan: PushPlan,
  clash?: UniqueClash,
): Promise<boolean> {
  const central = await readCentral(ctx, plan.db, plan.coll, plan.id);
  if (!clash && central.origin === ctx.instanceId && central.v)
    return rebaseOnOwnWrite(ctx, plan, central);
  if (!clash && sameNewDocument(ctx, plan, central)) {
    await finishPushed(ctx, [{ ...plan, v: central.v! }]);
    return true;
  }
  if (!clash && !central.doc && plan.kind === 'delete') {
    await finishPushed(ctx, [plan]);
    return true;
  }
  const rule = ctx.rules.ruleFor(plan.db, plan.coll) ?? DEFAULT_RULE;
  const kind: ConflictKind = clash ? 'unique' : conflictKind(plan, central);
  const base = mergeBase(plan, central);
  const conflict: NewConflict = {
    key: plan.entry._id,
    kind,
    strategy: rule.strategy,
    site: { doc: plan.doc, v: plan.v, deleted: plan.doc === null },
    central: {
      doc: central.doc,
      v: central.v,
      deleted: central.doc === null,
      origin: central.origin,
    },
    base: { doc: base, v: plan.meta?.base ?? null },
    ...(clash ? { unique: clash } : {}),
  };
  const decision = decide(rule, {
    kind,
    site: plan.doc,
    siteVersion: plan.v,
    central: central.doc,
    centralVersion: central.v,
    base: base,
  });
  if (decision.outcome === 'manual') {
    // The site changed the document since push read it (a newer sale, or the operator's own
    // fix of an earlier conflict): this one is about a version the site no longer has. The
    // entry stays queued, and the newer version meets central in a later round.
    if (await changedSincePlanned(ctx, plan)) return false;
    if (clash) conflict.central = await clashingCentral(ctx, plan, clash);
    await recordOpen(ctx, { ...conflict, fields: decision.conflictingFields }, plan.entry.seq);
    return false;
  }
  const v = await writeResolution(
    ctx,
    plan,
    central,
    decision.doc,
    decision.outcome === 'site' ? plan.v : undefined,
    plan.doc,
  );
  if (v === undefined) return false; // central moved again: the entry stays and is retried
  await recordResolved(
    ctx,
    { ...conflict, fields: decision.conflictingFields },
    { outcome: decision.outcome, by: 'engine', doc: decision.doc, v, at: new Date() },
  );
  await applyResolvedLocally(ctx, plan.entry._id, decision.doc, v, {
    doc: plan.doc,
    seq: plan.entry.seq,
  });
  return decision.outcome !== 'central';
}

/**
 * The site sends a document it never synced, and central holds the same content under another
 * version: both made it (a first sync, or a new central that holds a copy of the data). Nothing
 * to settle but the site's record of it, as pull does; except with counters, as in pull (two
 * sites that each sold 3 from the same stock hold the same document, and both sales count).
 */
function sameNewDocument(ctx: EngineContext, plan: PushPlan, central: CentralState): boolean {
  if (plan.kind !== 'insert' || plan.meta || plan.hash === null || !central.doc || !central.v)
    return false;
  if ((ctx.rules.ruleFor(plan.db, plan.coll)?.counters.length ?? 0) > 0) return false;
  return contentHash(stripSync(central.doc)) === plan.hash;
}

/**
 * The last version both sides share. Normally the stored base; but if a push of this document
 * reached central and only its acknowledgement was lost (central's version history holds the
 * version sent: this round's, or an earlier one recorded in flight before a crash), the document
 * sent is the base, or its counter deltas would count twice.
 */
function mergeBase(plan: PushPlan, central: CentralState): Document | null {
  const history = central.doc ? versionsOf(central.doc) : [];
  for (const sent of [{ v: plan.v, doc: plan.doc }, plan.meta?.inflight]) {
    if (sent && history.includes(sent.v)) return sent.doc;
  }
  return plan.meta?.baseDoc ?? null;
}

function conflictKind(plan: PushPlan, central: CentralState): ConflictKind {
  if (plan.kind === 'delete') return 'delete-update';
  if (!central.doc) return 'update-delete';
  return plan.kind === 'insert' && !plan.meta ? 'insert-insert' : 'update-update';
}

/**
 * Puts `doc` at central over `central` unless it already is what central holds. Returns the
 * version central now has, or undefined when central moved again meanwhile. `siteDoc`, the local
 * document merged in, is recorded in flight first (for counter and merge collections): if the
 * site stops before applying the resolution, its next push finds that version at central and
 * merges its later changes from that document, not from the older base. `preferredVersion`, the
 * version `siteDoc` was sent under, is kept only when `doc` is that document unchanged: a version
 * names one content, so a merge or a counted outcome gets a fresh one.
 */
export async function writeResolution(
  ctx: EngineContext,
  key: { db: string; coll: string; id: unknown },
  central: CentralState,
  doc: Document | null,
  preferredVersion?: string,
  siteDoc?: Document | null,
): Promise<string | null | undefined> {
  if (sameContent(doc, central.doc)) return central.v;
  ctx.clock.receive(central.v);
  const v =
    preferredVersion &&
    siteDoc !== undefined &&
    sameContent(doc, siteDoc) &&
    compareVersions(preferredVersion, central.v) > 0
      ? preferredVersion
      : ctx.clock.now();
  if (siteDoc !== undefined && keepsBase(ctx.rules.ruleFor(key.db, key.coll)))
    await ctx.store.meta.updateOne(
      { _id: syncKey(key.db, key.coll, key.id), base: { $exists: true } },
      { $set: { inflight: { v, doc: siteDoc } } },
    );
  const written = await writeCentralVersion(ctx, key.db, key.coll, key.id, central, doc, v);
  return written ? v : undefined;
}

/**
 * Central holds this site's own earlier write (its bookkeeping was cut short by a crash): the
 * local state descends from it, so this is no conflict. Same content: done. Otherwise the newer
 * local state goes over it, with compare-and-swap on that version. For counter and merge
 * collections the local changes since the document that write was made from are merged onto it
 * instead: that write may have been a resolution that also carries another site's changes.
 */
async function rebaseOnOwnWrite(
  ctx: EngineContext,
  plan: PushPlan,
  central: CentralState,
): Promise<boolean> {
  const same = central.doc
    ? plan.hash !== null && contentHash(stripSync(central.doc)) === plan.hash
    : plan.kind === 'delete';
  if (same) {
    await finishPushed(ctx, [{ ...plan, v: central.v! }]);
    return true;
  }
  let doc = plan.doc;
  if (doc && central.doc && keepsBase(ctx.rules.ruleFor(plan.db, plan.coll))) {
    const rule = ctx.rules.ruleFor(plan.db, plan.coll);
    const base = mergeBase(plan, central);
    doc = mergeDocuments({
      base,
      site: doc,
      central: stripSync(central.doc),
      counters: rule?.counters ?? [],
      newer: 'site',
    }).merged;
  }
  const v = await writeResolution(ctx, plan, central, doc, plan.v, plan.doc);
  if (v === undefined) return false;
  if (doc !== plan.doc) {
    await applyResolvedLocally(ctx, plan, doc, v, { doc: plan.doc, seq: plan.entry.seq });
    return true;
  }
  await finishPushed(ctx, [{ ...plan, v: v! }]);
  return true;
}

/** Whether the local document, or its outbox entry, moved on since `plan` was read. */
async function changedSincePlanned(ctx: EngineContext, plan: PushPlan): Promise<boolean> {
  const entry = await ctx.store.outbox.findOne({ _id: plan.entry._id }, { projection: { seq: 1 } });
  const local = await ctx.local
    .db(plan.db)
    .collection(plan.coll)
    .findOne({ _id: plan.id } as Filter<Document>);
  return movedOn(entry, local, { hash: plan.hash, seq: plan.entry.seq });
}

/**
 * For a unique clash, the central document that holds the clashing value. The key value comes
 * from the server when it sends one, else from the index's key pattern applied to the site's doc.
 */
async function clashingCentral(ctx: EngineContext, plan: PushPlan, clash: UniqueClash) {
  const collection = ctx.central.db(plan.db).collection(plan.coll);
  if (!clash.keyValue && plan.doc) {
    const index = (await collection.indexes()).find((spec) => spec.name === clash.index);
    if (index) {
      clash.keyValue = Object.fromEntries(
        Object.keys(index.key).map((path) => [path, valueAt(plan.doc!, path)]),
      );
    }
  }
  const doc = clash.keyValue ? await collection.findOne(clash.keyValue) : null;
  const sync = doc?.['_sync'] as { v?: string; o?: string } | undefined;
  return { doc, v: sync?.v ?? null, deleted: doc === null, origin: sync?.o ?? null };
}

function valueAt(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) value = (value as Document | null | undefined)?.[part];
  return value ?? null;
}
