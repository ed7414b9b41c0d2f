/**
 * From "these documents looked different during the scan" to a verdict per document, and with
 * repair, to the fix. Two things make that safe on a live site:
 *
 * 1. A capture barrier. A POS write that capture has not turned into an outbox entry yet looks
 *    exactly like drift (local differs, no outbox entry). So before judging, verify waits until
 *    capture's checkpoint has passed a local cluster time taken after the scan: every local write
 *    the scan could have seen is then in the outbox (pending) or already pushed (and no longer
 *    differs). Only what capture never saw is left: drift behind the engine's back.
 * 2. Compare-and-swap repair. Each fix runs in a local transaction that re-reads the document, its
 *    `meta` and its outbox entry, and acts only if all three are still what the verdict was based
 *    on. A sale rung up meanwhile (write conflict, then a retry that sees it) or a pull applied
 *    meanwhile leaves the document alone; it is reported as not repaired.
 *
 * Fixes are written with writeLocal (engine/apply.ts), the primitive behind every engine write of
 * a central version, so `meta` records the document as synced at central's version, exactly as
 * after a pull. Not through applyInbound itself: it skips a document whose local content differs
 * from `meta` (an unsynced change, as far as pull can tell), which is precisely what drift is, and
 * it runs on pull's own apply session, which a second caller must not share mid-transaction.
 * Capture sees these writes and push drops them as echoes (their hash is the one in `meta`).
 */
import type { ClientSession, Document, Timestamp } from 'mongodb';
import { idKey, inLocalTransaction, queueForPush, writeLocal } from '../engine/apply.js';
import type { EngineContext } from '../engine/context.js';
import { contentHash } from '../engine/hash.js';
import { TOMBSTONES, storesBaseDoc } from '../engine/rules.js';
import { syncKey, type MetaDoc } from '../engine/store.js';
import type { TombstoneDoc } from '../push/central-ops.js';
import { verifyCheckpointId, waitForCapture } from './capture-barrier.js';
import { classify, type RepairAction, type Verdict } from './classify.js';

/** A document that differed during the scan. */
export interface Candidate {
  coll: string;
  id: unknown;
}

export interface Settled {
  coll: string;
  id: unknown;
  verdict: Exclude<Verdict, { kind: 'same' }>;
  repaired: boolean;
}

/** What a verdict was based on: repair acts only if the site still holds exactly this. */
interface Observed {
  coll: string;
  id: unknown;
  verdict: Verdict;
  localHash: string | null;
  meta: MetaDoc | null;
  central: { doc: Document | null; v: string | null; ct: Timestamp | null };
}

/**
 * Judges the candidates of one database (after the capture barrier) and, with `repair`, fixes
 * the drift. Returns one entry per document that still differs.
 */
export async function settle(
  ctx: EngineContext,
  db: string,
  candidates: readonly Candidate[],
  options: { repair: boolean; signal?: AbortSignal | undefined },
): Promise<Settled[]> {
  if (candidates.length === 0) return [];
  await waitForCapture(ctx, db, options.signal);
  const byColl = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const group = byColl.get(candidate.coll);
    if (group) group.push(candidate);
    else byColl.set(candidate.coll, [candidate]);
  }
  const out: Settled[] = [];
  for (const [coll, group] of byColl) {
    const observed = await observe(ctx, db, coll, group);
    const drift = observed.filter((o) => o.verdict.kind === 'drift');
    const repaired = options.repair ? await repairAll(ctx, db, coll, drift) : new Set<string>();
    for (const o of observed) {
      if (o.verdict.kind === 'same') continue;
      out.push({ coll, id: o.id, verdict: o.verdict, repaired: repaired.has(idKey(o.id)) });
    }
  }
  return out;
}

/** Both sides, meta, outbox entries and tombstones of `group`, keyed by idKey of `_id`. */
interface GroupState {
  local: Map<string, Document>;
  central: Map<string, Document>;
  metas: Map<string, MetaDoc>;
  queued: Map<string, unknown>;
  tombstones: Map<string, TombstoneDoc>;
}

async function readGroup(
  ctx: EngineContext,
  db: string,
  coll: string,
  group: readonly Candidate[],
): Promise<GroupState> {
  const ids = group.map((c) => c.id) as never[];
  const keys = group.map((c) => syncKey(db, coll, c.id));
  const scope = ctx.rules.scopeFilter(db, coll);
  const byKey = <T>(items: T[], id: (item: T) => unknown) =>
    new Map(items.map((item) => [idKey(id(item)), item]));
  const inScope = async (client: EngineContext['local']) =>
    byKey(
      await client
        .db(db)
        .collection(coll)
        .find({ ...scope, _id: { $in: ids } })
        .toArray(),
      (doc) => doc['_id'],
    );
  const local = await inScope(ctx.local);
  const central = await inScope(ctx.central);
  const gone = group.filter((c) => !central.has(idKey(c.id)));
  return {
    local,
    central,
    metas: byKey(await ctx.store.meta.find({ _id: { $in: keys } }).toArray(), (m) => m._id.id),
    queued: byKey(
      await ctx.store.outbox.find({ _id: { $in: keys } }, { projection: { _id: 1 } }).toArray(),
      (entry) => entry._id.id,
    ),
    tombstones: byKey(
      gone.length === 0
        ? []
        : await ctx.central
            .db(db)
            .collection<TombstoneDoc>(TOMBSTONES)
            .find({ _id: { $in: gone.map((c) => ({ coll, id: c.id })) } })
            .toArray(),
      (t) => t._id.id,
    ),
  };
}

/** Reads both sides, meta and the outbox for `group`, and classifies each document. */
async function observe(
  ctx: EngineContext,
  db: string,
  coll: string,
  group: readonly Candidate[],
): Promise<Observed[]> {
  const state = await readGroup(ctx, db, coll, group);
  return group.map((candidate) => {
    const key = idKey(candidate.id);
    const localDoc = state.local.get(key);
    const centralDoc = state.central.get(key) ?? null;
    const meta = state.metas.get(key) ?? null;
    const sync = (centralDoc ? centralDoc['_sync'] : state.tombstones.get(key)) as
      { v?: string; ct?: Timestamp } | undefined;
    const localHash = localDoc ? contentHash(localDoc) : null;
    return {
      coll,
      id: candidate.id,
      localHash,
      meta,
      central: {
        doc: centralDoc,
        // A document central deleted: the tombstone's version, else the last one this site saw.
        v: sync?.v ?? (centralDoc ? null : (meta?.base ?? null)),
        ct: sync?.ct ?? null,
      },
      verdict: classify(
        {
          local: localHash,
          central: centralDoc ? contentHash(centralDoc) : null,
          base: meta?.base ?? null,
          queued: state.queued.has(key),
        },
        ctx.rules.pulls(db, coll) ? 'central' : 'site',
      ),
    };
  });
}

/** Fixes `drift` in transactions of `batchSize`; returns the keys of what was fixed. */
async function repairAll(
  ctx: EngineContext,
  db: string,
  coll: string,
  drift: readonly Observed[],
): Promise<Set<string>> {
  const fixed = new Set<string>();
  const size = Math.max(1, ctx.tunables.batchSize);
  let queuedForPush = false;
  for (let start = 0; start < drift.length; start += size) {
    const chunk = drift.slice(start, start + size);
    const done = await inLocalTransaction(ctx, (session) =>
      repairChunk(ctx, db, coll, chunk, session),
    );
    for (const o of done) {
      fixed.add(idKey(o.id));
      if (o.verdict.kind === 'drift' && o.verdict.action === 'queue-push') queuedForPush = true;
    }
  }
  if (queuedForPush) ctx.notifyPush();
  if (fixed.size > 0) ctx.logger.info({ event: 'verify.repaired', db, coll, count: fixed.size });
  return fixed;
}

/** One transaction: re-reads, checks nothing moved, fixes. Retried whole by the driver. */
async function repairChunk(
  ctx: EngineContext,
  db: string,
  coll: string,
  chunk: readonly Observed[],
  session: ClientSession,
): Promise<Observed[]> {
  const collection = ctx.local.db(db).collection(coll);
  const keys = chunk.map((o) => syncKey(db, coll, o.id));
  // One after the other: two operations started together in a new transaction both try to start
  // it (server error 117).
  const docs = await collection
    .find({ _id: { $in: chunk.map((o) => o.id) as never[] } }, { session })
    .toArray();
  const metas = await ctx.store.meta.find({ _id: { $in: keys } }, { session }).toArray();
  const queued = await ctx.store.outbox
    .find({ _id: { $in: keys } }, { session, projection: { _id: 1 } })
    .toArray();
  const localNow = new Map(docs.map((doc) => [idKey(doc['_id']), contentHash(doc)]));
  const metaNow = new Map(metas.map((meta) => [idKey(meta._id.id), meta]));
  const queuedNow = new Set(queued.map((entry) => idKey(entry._id.id)));
  const rule = ctx.rules.ruleFor(db, coll);
  const keepBase = storesBaseDoc(rule);
  const done: Observed[] = [];
  for (const o of chunk) {
    const key = idKey(o.id);
    const unchanged =
      (localNow.get(key) ?? null) === o.localHash &&
      sameMeta(metaNow.get(key) ?? null, o.meta) &&
      !queuedNow.has(key);
    if (!unchanged || o.verdict.kind !== 'drift') continue;
    await fix(ctx, session, db, coll, o, o.verdict.action, keepBase);
    done.push(o);
  }
  await ctx.store.checkpoints.updateOne(
    { _id: 'hlc' },
    { $max: { l: ctx.clock.state.l } },
    { upsert: true, session },
  );
  await ctx.store.checkpoints.updateOne(
    { _id: verifyCheckpointId(db) },
    { $set: { updatedAt: new Date() } },
    { upsert: true, session },
  );
  return done;
}

/** One fix, inside the repair transaction. */
async function fix(
  ctx: EngineContext,
  session: ClientSession,
  db: string,
  coll: string,
  o: Observed,
  action: RepairAction,
  keepBase: boolean,
): Promise<void> {
  if (action !== 'queue-push') {
    const doc = action === 'restore-from-central' ? o.central.doc : null;
    await writeLocal(ctx, session, db, coll, o.id, { ...o.central, doc }, keepBase);
    return;
  }
  const key = syncKey(db, coll, o.id);
  await queueForPush(ctx, session, key, o.localHash === null ? 'delete' : 'upsert');
  // Push skips a document whose `meta` says central has this content (an echo). Central does
  // not have it (a push-only collection's document lost or changed there): forget that, so push
  // sends it, against the base version it last saw.
  if (o.meta && (o.meta.hash !== null || o.meta.deleted))
    await ctx.store.meta.updateOne(
      { _id: key },
      { $set: { hash: null, deleted: false } },
      { session },
    );
}

function sameMeta(a: MetaDoc | null, b: MetaDoc | null): boolean {
  if (a === null || b === null) return a === b;
  return a.base === b.base && a.hash === b.hash && (a.deleted ?? false) === (b.deleted ?? false);
}
