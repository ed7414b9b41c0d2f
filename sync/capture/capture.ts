import {
  BSON,
  type AnyBulkWriteOperation,
  type ChangeStreamDocument,
  type ChangeStreamOptions,
  type ClientSession,
  type Document,
  type ResumeToken,
  type Timestamp,
} from 'mongodb';
import { streamAwaitMs, type EngineContext } from '../engine/context.js';
import { idKey } from '../engine/apply.js';
import { contentHash } from '../engine/hash.js';
import { syncKey, type CheckpointDoc, type OutboxDoc } from '../engine/store.js';
import { sleep } from '../util/backoff.js';
import { unlessStalled } from '../util/stall.js';

type Event = ChangeStreamDocument & {
  ns?: { db: string; coll?: string };
  documentKey?: { _id: unknown };
  wallTime?: Date;
};

/**
 * What capture reads of an event: push reads the document itself when it sends, so an insert's
 * or replace's full document and an update's description only cost the wire and the decoding.
 * Projected away, the push bench (20,000 small sales) went from 2,776 and 2,823 docs/s to 3,017
 * and 2,898 in two runs each.
 */
const CAPTURED_FIELDS = { operationType: 1, ns: 1, documentKey: 1, wallTime: 1 } as const;

/**
 * When a local change was made, on the engine's clock (`now`): the event's wallTime (set by the
 * mongod on this machine, since MongoDB 6.0) rather than the moment capture read it, which a
 * polled stream does up to capturePollMs later. A head office edit made in between must win.
 */
export function changedAt(event: { wallTime?: Date }, now: number): number {
  if (!(event.wallTime instanceof Date)) return now;
  return now - Math.max(0, Date.now() - event.wallTime.getTime());
}

/**
 * Local change stream of one database -> coalesced outbox entries. Each batch of events and the
 * resume token after it are written in one local transaction, so a crash loses or repeats nothing.
 * Capture never reads documents: push reads them when it sends.
 */
export class Capture {
  private seq = 0;
  private lastSavedToken: string | undefined;
  private lastSaveAt = 0;

  constructor(
    private readonly ctx: EngineContext,
    private readonly db: string,
  ) {}

  private get checkpointId() {
    return `capture:${this.db}`;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { store, local, tunables } = this.ctx;
    let checkpoint = await store.checkpoints.findOne({ _id: this.checkpointId });
    if (!checkpoint?.token && !checkpoint?.startAt) {
      // First start: remember where the stream begins before anything else, then enqueue the
      // documents that already exist (central may lack them). Writes in between are seen twice
      // at worst, and the outbox coalesces them.
      const startAt = await operationTime(this.ctx);
      await store.checkpoints.updateOne(
        { _id: this.checkpointId },
        { $set: { startAt, seq: 0 } },
        { upsert: true },
      );
      checkpoint = await store.checkpoints.findOne({ _id: this.checkpointId });
    }
    this.seq = checkpoint?.seq ?? 0;
    await this.enqueueNewCollections(checkpoint);
    const { capturePollMs } = tunables;
    const options: ChangeStreamOptions = {
      batchSize: tunables.batchSize,
      maxAwaitTimeMS: streamAwaitMs(capturePollMs, tunables),
    };
    if (checkpoint?.token) options.startAfter = checkpoint.token;
    else if (checkpoint?.startAt) options.startAtOperationTime = checkpoint.startAt;
    const stream = local.db(this.db).watch<Document, Event>(
      [
        {
          $match: this.ctx.rules.captureMatch(this.db, this.ctx.apply.sessionIds),
        },
        { $project: CAPTURED_FIELDS },
      ],
      options,
    );
    const close = () => void stream.close().catch(() => undefined);
    signal.addEventListener('abort', close, { once: true });
    try {
      // Each event with the wall-clock time it was made: its version is that moment, not the
      // end of the batch (a later head office edit made meanwhile must still win).
      let pending: { event: Event; at: number }[] = [];
      let openedAt = 0;
      let next: Promise<Event | null> | undefined;
      while (!signal.aborted) {
        // As in pull: a stream that neither answers nor fails for a minute is restarted.
        next ??= unlessStalled(stream.tryNext(), 60_000, 'The local change stream', close);
        // A read still waiting when the linger ends is kept for the next turn, not repeated.
        const event =
          pending.length > 0
            ? await within(next, Math.max(0, openedAt + tunables.captureLingerMs - Date.now()))
            : await next;
        if (event !== LINGERED) next = undefined;
        if (event && event !== LINGERED) {
          if (pending.length === 0) openedAt = Date.now();
          pending.push({ event, at: changedAt(event, this.ctx.wallClock()) });
          // Polled, a read takes everything written since the last one: the batch ends with it.
          const open =
            stream.bufferedCount() > 0 ||
            (capturePollMs === 0 && Date.now() - openedAt < tunables.captureLingerMs);
          if (pending.length < tunables.batchSize && open) continue;
        }
        const full = pending.length >= tunables.batchSize;
        if (pending.length > 0) {
          await this.flush(pending, stream.resumeToken);
          pending = [];
        } else if (stream.resumeToken && Date.now() - this.lastSaveAt > tunables.idleTokenSaveMs) {
          await this.saveIdleToken(stream.resumeToken);
        }
        // Only a full batch may have left changes behind; anything else waits for the next poll
        // (reading again at once made a second, smaller transaction per poll at a steady trickle).
        if (capturePollMs > 0 && !full) await sleep(capturePollMs, signal);
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    } finally {
      signal.removeEventListener('abort', close);
      await stream.close().catch(() => undefined);
    }
  }

  private async flush(events: { event: Event; at: number }[], token: ResumeToken): Promise<void> {
    const { store, local, clock } = this.ctx;
    const now = new Date(this.ctx.wallClock());
    // The last event of each document in the batch makes its entry.
    const latest = new Map<string, OutboxDoc>();
    let captured = 0;
    for (const { event, at } of events) {
      if (!event.ns?.coll || !event.documentKey) continue;
      if (!this.ctx.rules.pushes(this.db, event.ns.coll)) continue;
      this.seq += 1;
      captured += 1;
      const _id = syncKey(this.db, event.ns.coll, event.documentKey._id);
      latest.set(idKey(_id), {
        _id,
        seq: this.seq,
        v: clock.at(at),
        op: event.operationType === 'delete' ? 'delete' : 'upsert',
        firstAt: now,
        nextAt: new Date(0),
        attempts: 0,
      });
    }
    const entries = [...latest.values()];
    const session = local.startSession();
    try {
      await session.withTransaction(async () => {
        if (entries.length > 0)
          await store.outbox.bulkWrite(await this.outboxWrites(entries, session), {
            session,
            ordered: false,
          });
        await store.checkpoints.updateOne(
          { _id: this.checkpointId },
          { $set: { token, seq: this.seq, updatedAt: now } },
          { upsert: true, session },
        );
        await this.ctx.faults?.hit('capture:before-commit');
      });
    } finally {
      await session.endSession();
    }
    // After the commit, not in the transaction: every push and pull updates this document, and
    // writing it inside made capture's 1,000-upsert transactions contend with them (20k documents
    // took 74 s to push instead of 24 s). A crash before it is covered by loadHlc, which also
    // reads the outbox. Most batches write nothing here: the saved position is a lease.
    await store.saveHlc(clock.state.l);
    await this.ctx.faults?.hit('capture:after-commit');
    this.lastSavedToken = JSON.stringify(token);
    this.lastSaveAt = Date.now();
    this.ctx.metrics.captured += captured;
    if (captured > 0) this.ctx.notifyPush();
  }

  /**
   * A document with no entry yet gets a plain insert, about three times cheaper than an upsert
   * on this mongod; one already queued keeps its first-seen time and attempts. Read in the
   * capture's transaction: an entry push removes meanwhile makes it a write conflict, retried.
   */
  private async outboxWrites(
    entries: OutboxDoc[],
    session: ClientSession,
  ): Promise<AnyBulkWriteOperation<OutboxDoc>[]> {
    // A few entries: upserts, without the read (a round trip costs more than they save).
    if (entries.length < UPSERT_BELOW) return entries.map((entry) => upsertEntry(entry));
    const queued = new Set(
      (
        await this.ctx.store.outbox
          .find({ _id: { $in: entries.map((e) => e._id) } }, { projection: { _id: 1 }, session })
          .toArray()
      ).map((entry) => idKey(entry._id)),
    );
    return entries.map((entry) =>
      queued.has(idKey(entry._id)) ? upsertEntry(entry) : { insertOne: { document: entry } },
    );
  }

  /** With no events the post-batch resume token still advances; keep it so resume is cheap. */
  private async saveIdleToken(token: ResumeToken): Promise<void> {
    this.lastSaveAt = Date.now();
    const serialized = JSON.stringify(token);
    if (serialized === this.lastSavedToken) return;
    await this.ctx.store.checkpoints.updateOne(
      { _id: this.checkpointId },
      { $set: { token, updatedAt: new Date() } },
    );
    this.lastSavedToken = serialized;
  }

  /**
   * At first start, every pushed collection's documents; at a later one, those of collections
   * pushed now and not at the last start (a rule turned them on, or they are new), whose documents
   * written meanwhile the stream did not take. The collections pushed are recorded each time, so
   * one turned off and on again is read again.
   */
  private async enqueueNewCollections(checkpoint: CheckpointDoc | null): Promise<void> {
    const { store, local, rules } = this.ctx;
    const pushed = (
      await local.db(this.db).listCollections({ type: 'collection' }, { nameOnly: true }).toArray()
    )
      .map((c) => c.name)
      .filter((name) => rules.pushes(this.db, name))
      .sort();
    const known = checkpoint?.enqueued;
    // Checkpoints from before this record: what is pushed now counts as read.
    const fresh = !checkpoint?.initialEnqueued
      ? pushed
      : known
        ? pushed.filter((name) => !known.includes(name))
        : [];
    if (fresh.length > 0) {
      const enqueued = await this.enqueueUnsynced(fresh);
      if (checkpoint?.initialEnqueued) {
        const read = {
          event: 'capture.collections-read',
          db: this.db,
          collections: fresh,
          enqueued,
        };
        this.ctx.logger.info(read);
        await store.log.insertOne({ at: new Date(), level: 'info', ...read });
      }
    }
    if (!checkpoint?.initialEnqueued || fresh.length > 0 || known?.join() !== pushed.join())
      await store.checkpoints.updateOne(
        { _id: this.checkpointId },
        { $set: { initialEnqueued: true, enqueued: pushed } },
      );
  }

  /**
   * Enqueues every document of `names` whose content differs from what was last synced, and
   * every synced document that disappeared.
   */
  async enqueueUnsynced(names: string[]): Promise<number> {
    const { local, store, clock } = this.ctx;
    const database = local.db(this.db);
    let enqueued = 0;
    for (const coll of names) {
      // Keyed by canonical Extended JSON so an ObjectId and its hex string stay distinct.
      const synced = new Map<string, { id: unknown; hash: string | null }>();
      for await (const meta of store.meta.find(
        { '_id.db': this.db, '_id.coll': coll },
        { projection: { hash: 1 } },
      )) {
        synced.set(BSON.EJSON.stringify(meta._id.id, { relaxed: false }), {
          id: meta._id.id,
          hash: meta.hash,
        });
      }
      let batch: Document[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        // The sequence is saved before the entries that use it: a start cut short must not issue
        // these numbers again, since push removes an entry by its sequence (see finishPushed).
        await store.checkpoints.updateOne(
          { _id: this.checkpointId },
          { $max: { seq: this.seq } },
          { upsert: true },
        );
        await store.outbox.bulkWrite(batch as never[], { ordered: false });
        // Push sends each batch while the scan goes on: a first start over a large database
        // starts syncing at once, not after the last collection is read.
        this.ctx.notifyPush();
        await this.ctx.faults?.hit('capture:after-enqueue-batch');
        enqueued += batch.length;
        batch = [];
      };
      const enqueue = async (id: unknown, op: OutboxDoc['op']) => {
        this.seq += 1;
        batch.push({
          updateOne: {
            filter: { _id: syncKey(this.db, coll, id) },
            update: {
              $set: { seq: this.seq, v: clock.now(), op },
              $setOnInsert: { firstAt: new Date(), nextAt: new Date(0), attempts: 0 },
            },
            upsert: true,
          },
        });
        if (batch.length >= this.ctx.tunables.batchSize) await flush();
      };
      for await (const doc of database.collection(coll).find({})) {
        const key = BSON.EJSON.stringify(doc._id, { relaxed: false });
        const known = synced.get(key);
        synced.delete(key);
        if (known?.hash !== contentHash(doc)) await enqueue(doc._id, 'upsert');
      }
      for (const { id, hash } of synced.values()) if (hash !== null) await enqueue(id, 'delete');
      await flush();
    }
    return enqueued;
  }
}

/** Batches this small skip the read of queued entries (see outboxWrites). */
const UPSERT_BELOW = 8;

/** An entry that keeps the first-seen time and attempts of one already queued. */
function upsertEntry({
  _id,
  seq,
  v,
  op,
  firstAt,
  nextAt,
  attempts,
}: OutboxDoc): AnyBulkWriteOperation<OutboxDoc> {
  return {
    updateOne: {
      filter: { _id },
      update: { $set: { seq, v, op }, $setOnInsert: { firstAt, nextAt, attempts } },
      upsert: true,
    },
  };
}

const LINGERED = Symbol('lingered');

/** `work`'s result, or LINGERED if it takes longer than `ms` (work goes on). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof LINGERED> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<typeof LINGERED>((resolve) => (timer = setTimeout(resolve, ms, LINGERED))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function operationTime(ctx: EngineContext): Promise<Timestamp> {
  const reply = await ctx.local.db('admin').command({ ping: 1 });
  return reply['operationTime'] as Timestamp;
}
