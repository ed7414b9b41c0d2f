import type {
  AnyBulkWriteOperation,
  BulkWriteResult,
  Document,
  Filter,
  MongoBulkWriteError,
} from 'mongodb';
import { documentWriteErrors, isRetryable } from '../errors.js';
import { idKey } from '../engine/apply.js';
import { countFor, type EngineContext } from '../engine/context.js';
import { contentHash } from '../engine/hash.js';
import { compareVersions, parseVersion } from '../engine/hlc.js';
import { TOMBSTONES, keepsBase } from '../engine/rules.js';
import { UNPARKED, type MetaDoc, type OutboxDoc, type SyncKey } from '../engine/store.js';
import { backoffDelay } from '../util/backoff.js';
import { groupBy } from '../util/group.js';
import { resolvePushConflict, type UniqueClash } from '../conflicts/resolve.js';
import { deleteOp, insertDocOp, tombstoneOp, updateOp, versionsOf } from './central-ops.js';
import { CentralTime } from './central-time.js';
import { finishPushed } from './finish.js';
import { readCentral } from '../conflicts/central-state.js';
import { applyInbound, type Inbound } from '../pull/apply-inbound.js';

/** What push decided for one outbox entry after reading the local document and its meta. */
export interface PushPlan {
  entry: OutboxDoc;
  db: string;
  coll: string;
  id: unknown;
  kind: 'echo' | 'refresh' | 'drop' | 'insert' | 'update' | 'delete';
  doc: Document | null;
  hash: string | null;
  meta: MetaDoc | undefined;
  v: string;
}

export interface PushRound {
  attempted: number;
  pushed: number;
  echoes: number;
  conflicts: number;
  quarantined: number;
  failed: number;
}

/**
 * Outbox -> central. Each round takes a batch of due entries, reads the current local documents,
 * drops echoes and no-ops by content hash, and writes the rest with compare-and-swap on the
 * version this site last saw. Transient failures back off the batch; poison goes to quarantine.
 */
export class Push {
  private readonly centralTime: CentralTime;
  /**
   * Whether an entry may be waiting out a back-off: unknown at start (a previous run may have
   * left some), so true until the outbox is seen empty, and true again after each backOff.
   */
  private backedOff = true;
  /**
   * The last round's bookkeeping at the site (meta, then the outbox entries' removal), left
   * running while the next round reads and sends: local and central work overlap instead of
   * taking turns. Its entries are kept out of that next round. Never rejects: a failure is
   * carried to `settle`.
   */
  private finishing:
    { keys: SyncKey[]; outcome: Promise<{ error: unknown } | undefined> } | undefined;

  constructor(private readonly ctx: EngineContext) {
    this.centralTime = new CentralTime(ctx.central);
  }

  /**
   * Takes a batch of due entries and sends it. What went through is recorded by the time the
   * next round has sent (or `settle` returns), not when this returns.
   */
  async runOnce(): Promise<PushRound> {
    const { store, tunables } = this.ctx;
    const now = new Date(Date.now());
    const inFlight = this.finishing?.keys ?? [];
    const entries = await store.outbox
      .find(inFlight.length > 0 ? { ...dueFilter(now), _id: { $nin: inFlight } } : dueFilter(now))
      .sort(DUE_ORDER)
      .limit(tunables.batchSize)
      .toArray();
    const round: PushRound = {
      attempted: entries.length,
      pushed: 0,
      echoes: 0,
      conflicts: 0,
      quarantined: 0,
      failed: 0,
    };
    const groups = groupBy(entries, (entry) => `${entry._id.db}\u0000${entry._id.coll}`);
    const done: PushPlan[] = [];
    try {
      for (const group of groups.values()) {
        try {
          done.push(...(await this.pushGroup(group, round)));
        } catch (error) {
          if (!isRetryable(error)) throw error;
          this.ctx.reportCentral(false, error);
          await this.backOff(group, error);
          round.failed += group.length;
        }
      }
    } finally {
      // Also when a later group failed for good: what the earlier ones sent is recorded.
      await this.finishLater(done);
    }
    return round;
  }

  /** Starts recording `done` once the previous round's recording has ended (one at a time). */
  private async finishLater(done: PushPlan[]): Promise<void> {
    await this.settle();
    if (done.length > 0) {
      this.finishing = {
        keys: done.map((plan) => plan.entry._id),
        outcome: finishPushed(this.ctx, done).then(
          () => undefined,
          (error: unknown) => ({ error }),
        ),
      };
    }
  }

  /** Waits until what the last round sent is recorded, and throws if recording it failed. */
  async settle(): Promise<void> {
    const finishing = this.finishing;
    if (!finishing) return;
    const failed = await finishing.outcome;
    if (this.finishing === finishing) this.finishing = undefined;
    if (failed) throw failed.error;
  }

  /**
   * How long an idle push loop may sleep: until the next entry is due, at most `capMs`. With no
   * entry backed off, nothing comes due by itself: capture wakes the loop for new ones, and the
   * outbox is not read (at a steady trickle of sales, one read less per round).
   */
  async idleWaitMs(capMs: number): Promise<number> {
    if (!this.backedOff) return capMs;
    const next = await this.ctx.store.outbox
      .find(UNPARKED, { projection: { nextAt: 1 } })
      .sort(DUE_ORDER)
      .limit(1)
      .next();
    if (!next) {
      this.backedOff = false;
      return capMs;
    }
    return Math.min(capMs, Math.max(0, next.nextAt.getTime() - Date.now()));
  }

  private async plan(entries: OutboxDoc[]): Promise<PushPlan[]> {
    const { db, coll } = entries[0]!._id;
    const ids = entries.map((entry) => entry._id.id);
    // Documents and their meta from one snapshot. Read apart, a pull applied in between pairs a
    // document with another version's base: pushing the old document over the pulled version
    // loses that version's counter deltas, and merging the pulled document against the old base
    // counts them twice.
    const session = this.ctx.local.startSession({ snapshot: true });
    let docs: Document[];
    let metas: MetaDoc[];
    try {
      docs = await this.ctx.local
        .db(db)
        .collection(coll)
        .find({ _id: { $in: ids as never[] } }, { session })
        .toArray();
      metas = await this.ctx.store.meta
        .find({ _id: { $in: entries.map((entry) => entry._id) } }, { session })
        .toArray();
    } finally {
      await session.endSession();
    }
    const docById = new Map(docs.map((doc) => [idKey(doc._id), doc]));
    const metaById = new Map(metas.map((meta) => [idKey(meta._id.id), meta]));
    const plans = entries.map((entry): PushPlan => {
      const doc = docById.get(idKey(entry._id.id)) ?? null;
      const meta = metaById.get(idKey(entry._id.id));
      const hash = doc ? contentHash(doc) : null;
      // A version at or below the base would lose to what this site already saw.
      const base = meta?.base ?? null;
      const v =
        compareVersions(entry.v, base) > 0
          ? contentVersion(entry.v, hash)
          : (this.ctx.clock.receive(base), this.ctx.clock.now());
      const plan = { entry, db, coll, id: entry._id.id, doc, hash, meta, v };
      if (doc) {
        // Nothing to send; a newer central version pull had to skip (in `behind`, or flagged on
        // the entry while the first push of the document was on its way) is fetched instead.
        if (meta && !meta.deleted && meta.hash === hash)
          return { ...plan, kind: meta.behind || entry.refresh ? 'refresh' : 'echo' };
        return { ...plan, kind: meta && !meta.deleted && meta.base ? 'update' : 'insert' };
      }
      if (!meta || meta.deleted || !meta.base) return { ...plan, kind: 'drop' };
      return { ...plan, kind: 'delete' };
    });
    return this.unrecordedSends(plans);
  }

  /**
   * A document deleted here that this site never recorded at central may be there all the same:
   * a send whose acknowledgement was lost (or a crash before push recorded it) landed it. Its
   * version history at central tells: a version this site wrote, newer than the recorded base,
   * makes the drop a delete of that version (a conflict if another site wrote on top since).
   */
  private async unrecordedSends(plans: PushPlan[]): Promise<PushPlan[]> {
    const drops = plans.filter((p) => p.kind === 'drop');
    if (drops.length === 0) return plans;
    const { db, coll } = drops[0]!;
    const found = await this.ctx.central
      .db(db)
      .collection(coll)
      .find(
        { _id: { $in: drops.map((p) => p.id) as never[] } },
        { projection: { '_sync.v': 1, '_sync.h': 1 } },
      )
      .toArray();
    const sent = new Map<string, string>();
    for (const doc of found) {
      const own = versionsOf(doc).filter((v) => sentBy(v, this.ctx.instanceId));
      const newest = own.sort(compareVersions).at(-1);
      if (newest) sent.set(idKey(doc._id), newest);
    }
    return plans.map((p) => {
      const landed = p.kind === 'drop' ? sent.get(idKey(p.id)) : undefined;
      if (!landed || compareVersions(landed, p.meta?.base) <= 0) return p;
      const meta: MetaDoc = {
        ...(p.meta ?? { _id: p.entry._id, hash: null }),
        base: landed,
        deleted: false,
      };
      const v =
        compareVersions(p.v, landed) > 0
          ? p.v
          : (this.ctx.clock.receive(landed), this.ctx.clock.now());
      return { ...p, meta, v, kind: 'delete' };
    });
  }

  /** Sends one collection's entries; returns the plans whose bookkeeping is left to do. */
  private async pushGroup(entries: OutboxDoc[], round: PushRound): Promise<PushPlan[]> {
    const { ctx } = this;
    await ctx.centralBinding.ready(entries[0]!._id.db);
    const plans = await this.plan(entries);
    // Nothing to push, but central has a newer version pull had to skip: fetch it now.
    await this.refresh(plans.filter((p) => p.kind === 'refresh'));
    const done: PushPlan[] = plans.filter(
      (p) => p.kind === 'echo' || p.kind === 'drop' || p.kind === 'refresh',
    );
    round.echoes += done.length;
    ctx.metrics.echoesDropped += done.length;
    const writes = plans.filter(
      (p) => p.kind === 'insert' || p.kind === 'update' || p.kind === 'delete',
    );
    if (writes.length > 0) {
      const outcome = await this.writeCentral(writes);
      done.push(...outcome.succeeded);
      for (const { plan, code, message } of outcome.poisoned)
        await this.quarantine(plan, code, message, round);
      for (const { plan, clash } of outcome.conflicted) {
        round.conflicts += 1;
        ctx.metrics.conflicts += 1;
        countFor(ctx.metrics, plan.db, plan.coll, { conflicts: 1 });
        if (await resolvePushConflict(ctx, plan, clash)) round.pushed += 1;
      }
      round.pushed += outcome.succeeded.length;
      ctx.metrics.pushed += outcome.succeeded.length;
      // One collection's entries: counted once for the group.
      countFor(ctx.metrics, writes[0]!.db, writes[0]!.coll, { pushed: outcome.succeeded.length });
    }
    return done;
  }

  private async writeCentral(plans: PushPlan[]) {
    const { ctx } = this;
    const { db, coll } = plans[0]!;
    const central = ctx.central.db(db).collection(coll);
    const inserts = plans.filter((p) => p.kind === 'insert').length;
    await this.recordInflight(plans);
    await ctx.faults?.hit('push:before-central-write');
    const ct = inserts > 0 ? await this.centralTime.floor() : undefined;
    const ops: AnyBulkWriteOperation[] = plans.map((p) => {
      if (p.kind === 'insert') return insertDocOp(p.id, p.doc!, p.v, ctx.instanceId, ct!);
      if (p.kind === 'update') return updateOp(p.id, p.meta!.base!, p.doc!, p.v, ctx.instanceId);
      return deleteOp(p.id, p.meta!.base!);
    });
    const errors = new Map<
      number,
      { code: number; message: string; clash: UniqueClash | undefined }
    >();
    let result: BulkWriteResult | undefined;
    try {
      result = await central.bulkWrite(ops, { ordered: false });
    } catch (error) {
      // Only per-document errors are outcomes. A bulk error without them (the driver raises
      // "MongoBulkWriteError: Topology is closed") means the batch failed as a whole.
      const writeErrors = documentWriteErrors(error);
      if (!writeErrors) throw error;
      result = (error as MongoBulkWriteError).result;
      for (const writeError of writeErrors) {
        errors.set(writeError.index, {
          code: writeError.code,
          message: writeError.errmsg ?? 'write error',
          clash: uniqueClash(
            writeError.code,
            writeError.errmsg,
            (writeError.err as { keyValue?: Document } | undefined)?.keyValue,
          ),
        });
      }
    }
    ctx.reportCentral(true);
    ctx.metrics.centralWrites += ops.length;
    await ctx.faults?.hit('push:after-central-write');
    const succeeded: PushPlan[] = [];
    const conflicted: { plan: PushPlan; clash?: UniqueClash | undefined }[] = [];
    const poisoned: { plan: PushPlan; code: number; message: string }[] = [];
    const unsure: PushPlan[] = [];
    // Inserts are done when the server's count of them adds up; otherwise each is checked below.
    const insertErrors = [...errors.keys()].filter((i) => plans[i]!.kind === 'insert').length;
    const insertsCounted = (result?.insertedCount ?? 0) === inserts - insertErrors;
    plans.forEach((plan, index) => {
      const error = errors.get(index);
      if (!error && plan.kind === 'insert')
        return void (insertsCounted ? succeeded : unsure).push(plan);
      if (!error) return void unsure.push(plan);
      // A duplicate key is a conflict (same _id inserted elsewhere, or a unique-index clash);
      // a transient code is retried next round; anything else can never be written as it is.
      if (error.code === 11000) conflicted.push({ plan, clash: error.clash });
      else if (isRetryable({ code: error.code })) return;
      else poisoned.push({ plan, code: error.code, message: error.message });
    });
    const updates = unsure.filter((p) => p.kind === 'update').length;
    const deletes = unsure.filter((p) => p.kind === 'delete').length;
    if (
      unsure.length === updates + deletes &&
      (result?.matchedCount ?? 0) >= updates &&
      (result?.deletedCount ?? 0) >= deletes
    ) {
      succeeded.push(...unsure);
    } else {
      // The matched count fell short: one read of the batch's versions tells which ones. A
      // write that landed may already be overwritten by another site's write on top of it, so
      // the version history decides, not the current version: taken for a conflict, its counter
      // deltas would be merged in a second time.
      const found = await central
        .find(
          { _id: { $in: unsure.map((p) => p.id) as never[] } },
          { projection: { '_sync.v': 1, '_sync.h': 1 } },
        )
        .toArray();
      const landed = new Map(found.map((doc) => [idKey(doc._id), versionsOf(doc)]));
      for (const plan of unsure) {
        const versions = landed.get(idKey(plan.id));
        const ok = plan.kind === 'delete' ? !versions : (versions?.includes(plan.v) ?? false);
        if (ok) succeeded.push(plan);
        else conflicted.push({ plan });
      }
    }
    await this.writeTombstones(succeeded.filter((p) => p.kind === 'delete'));
    return { succeeded, conflicted, poisoned };
  }

  private async writeTombstones(deleted: PushPlan[]): Promise<void> {
    if (deleted.length === 0) return;
    const { db } = deleted[0]!;
    const ops = deleted.map((p) =>
      tombstoneOp(p.coll, p.id, p.v, this.ctx.instanceId, this.scopeValue(p)),
    );
    await this.ctx.central
      .db(db)
      .collection(TOMBSTONES)
      .bulkWrite(ops as AnyBulkWriteOperation[], { ordered: false });
    await this.ctx.faults?.hit('push:after-tombstones');
  }

  private scopeValue(plan: PushPlan): unknown {
    const field = this.ctx.rules.ruleFor(plan.db, plan.coll)?.scope?.field;
    return field ? (plan.meta?.baseDoc?.[field] ?? this.ctx.rules.input.siteId) : undefined;
  }

  /** Write-ahead of what is sent, for collections whose merges need the right base (see MetaDoc). */
  private async recordInflight(plans: PushPlan[]): Promise<void> {
    const { db, coll } = plans[0]!;
    const rule = this.ctx.rules.ruleFor(db, coll);
    if (!keepsBase(rule)) return;
    const writes = plans
      .filter((p) => p.meta)
      .map((p) => ({
        updateOne: {
          filter: { _id: p.entry._id },
          update: { $set: { inflight: { v: p.v, doc: p.doc } } },
        },
      }));
    if (writes.length > 0) await this.ctx.store.meta.bulkWrite(writes, { ordered: false });
  }

  private async refresh(plans: PushPlan[]): Promise<void> {
    if (plans.length === 0) return;
    const { db, coll } = plans[0]!;
    const items: Inbound[] = [];
    for (const plan of plans) {
      const central = await readCentral(this.ctx, db, coll, plan.id);
      items.push({ coll, id: plan.id, doc: central.doc, v: central.v });
    }
    await applyInbound(this.ctx, db, items, { id: `refresh:${db}`, set: {} });
  }

  private async quarantine(
    plan: PushPlan,
    code: number,
    message: string,
    round: PushRound,
  ): Promise<void> {
    const { store, logger } = this.ctx;
    logger.warn({
      event: 'push.quarantined',
      db: plan.db,
      coll: plan.coll,
      id: plan.id,
      code,
      reason: message,
    });
    await store.quarantine.updateOne(
      { _id: plan.entry._id },
      {
        $set: {
          reason: message,
          code,
          direction: 'push',
          doc: plan.doc,
          v: plan.v,
          at: new Date(),
        },
      },
      { upsert: true },
    );
    await store.outbox.deleteOne({ _id: plan.entry._id, seq: plan.entry.seq });
    await store.log.insertOne({
      at: new Date(),
      event: 'push.quarantined',
      level: 'warn',
      key: plan.entry._id,
      code,
      reason: message,
    });
    round.quarantined += 1;
    this.ctx.metrics.quarantined += 1;
  }

  private async backOff(entries: OutboxDoc[], error: unknown): Promise<void> {
    const { store, tunables } = this.ctx;
    this.backedOff = true;
    this.ctx.logger.debug({ event: 'push.backed-off', entries: entries.length, error });
    this.ctx.metrics.pushFailures += entries.length;
    this.ctx.metrics.retries += 1;
    const message = error instanceof Error ? error.message : String(error);
    await store.outbox.bulkWrite(
      entries.map((entry) => ({
        updateOne: {
          filter: { _id: entry._id },
          update: {
            $inc: { attempts: 1 },
            $set: {
              lastError: message,
              nextAt: new Date(Date.now() + backoffDelay(tunables.backoff, entry.attempts)),
            },
          },
        },
      })),
      { ordered: false },
    );
  }
}

/** The outbox entries a push round may take at `now`, oldest due first (see UNPARKED). */
export function dueFilter(now: Date): Filter<OutboxDoc> {
  return { ...UNPARKED, nextAt: { $lte: now } };
}

export const DUE_ORDER = { nextAt: 1 } as const;

/**
 * The version a push sends for the document as it is now. Capture stamps the outbox entry when
 * it sees a change, and push reads the document later: if a send fails as a whole after central
 * applied it (a lost acknowledgement, a crash) and the POS edits the document again before
 * capture records that edit, the retry would send other content under the same version, and
 * central's version history would vouch for content it never received. A suffix from the content
 * hash makes a reused capture version name exactly one content. It sorts right after the captured
 * version and before any later one.
 */
export function contentVersion(captured: string, hash: string | null): string {
  return hash ? `${captured}~${hash.slice(0, 12)}` : captured;
}

/** Whether this instance wrote `version` (content versions carry a `~hash` suffix). */
function sentBy(version: string, instanceId: string): boolean {
  const origin = parseVersion(version)?.origin;
  return origin === instanceId || origin?.startsWith(`${instanceId}~`) === true;
}

/**
 * A duplicate key on an index other than _id is a unique clash (never a stuck queue): the server
 * names the index in the message ("... index: sku_1 dup key: { sku: \"A1\" }") and, since 4.2,
 * returns the clashing key value.
 */
export function uniqueClash(
  code: number,
  message: string | undefined,
  keyValue: Document | undefined,
): UniqueClash | undefined {
  if (code !== 11000) return undefined;
  const index = /index: (\S+) dup key/.exec(message ?? '')?.[1];
  if (!index || index === '_id_') return undefined;
  return { index, keyValue: keyValue ?? null };
}
