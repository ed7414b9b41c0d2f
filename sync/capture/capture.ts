import {
  BSON,
  type AnyBulkWriteOperation,
  type ChangeStreamDocument,
  type ChangeStreamOptions,
  type Document,
  type ResumeToken,
  type Timestamp,
} from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import { contentHash } from '../engine/hash.js';
import { idKey } from '../engine/apply.js';
import { syncKey, type OutboxDoc } from '../engine/store.js';
import { unlessStalled } from '../util/stall.js';

type Event = ChangeStreamDocument & {
  ns?: { db: string; coll?: string };
  documentKey?: { _id: unknown };
};

/**
 * Local change stream of one database -> central, or the outbox. Online, each batch of events is
 * pushed straight away and only what that leaves (conflicts, failures) becomes outbox entries;
 * offline or paused, the whole batch does. The entries and the resume token after the batch are
 * written in one local transaction, and the token only after the direct push, so a crash repeats
 * a batch at worst and loses nothing. Capture never reads documents: push reads them when it sends.
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
    // Above every queued entry as well: settling entries by their sequences (finishPushed)
    // needs them unique, and a first start cut short enqueues without saving its position.
    const newest = await store.outbox
      .find({ '_id.db': this.db }, { projection: { seq: 1 } })
      .sort({ seq: -1 })
      .limit(1)
      .next();
    this.seq = Math.max(checkpoint?.seq ?? 0, newest?.seq ?? 0);
    if (!checkpoint?.initialEnqueued) {
      await this.enqueueUnsynced();
      await store.checkpoints.updateOne(
        { _id: this.checkpointId },
        { $set: { initialEnqueued: true } },
      );
    }
    const options: ChangeStreamOptions = {
      batchSize: tunables.batchSize,
      maxAwaitTimeMS: tunables.maxAwaitTimeMs,
    };
    if (checkpoint?.token) options.startAfter = checkpoint.token;
    else if (checkpoint?.startAt) options.startAtOperationTime = checkpoint.startAt;
    const stream = local.db(this.db).watch<Document, Event>(
      [
        {
          $match: this.ctx.rules.captureMatch(this.db, this.ctx.apply.sessionIds),
        },
      ],
      options,
    );
    const close = () => void stream.close().catch(() => undefined);
    signal.addEventListener('abort', close, { once: true });
    try {
      let pending: Event[] = [];
      let firstAt = 0;
      let next: Promise<Event | null> | undefined;
      while (!signal.aborted) {
        // As in pull: a stream that neither answers nor fails for a minute is restarted.
        if (!next) {
          next = unlessStalled(stream.tryNext(), 60_000, 'The local change stream', close);
          next.catch(() => undefined); // awaited below, perhaps only after a flush
        }
        // A batch waits up to captureLingerMs for more events (the getMore stays in flight):
        // at till rates one push per few writes instead of per write, for a few ms of latency.
        const linger = pending.length > 0 ? firstAt + tunables.captureLingerMs - Date.now() : 0;
        const event =
          pending.length === 0 ? await next : linger > 0 ? await orTimeout(next, linger) : LINGERED;
        if (event !== LINGERED) {
          next = undefined;
          if (event) {
            if (pending.length === 0) firstAt = Date.now();
            pending.push(event);
            if (pending.length < tunables.batchSize) continue;
          }
        }
        if (pending.length > 0) {
          await this.flush(pending, stream.resumeToken);
          pending = [];
        } else if (stream.resumeToken && Date.now() - this.lastSaveAt > tunables.idleTokenSaveMs) {
          await this.saveIdleToken(stream.resumeToken);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    } finally {
      signal.removeEventListener('abort', close);
      await stream.close().catch(() => undefined);
    }
  }

  private async flush(events: Event[], token: ResumeToken): Promise<void> {
    const batch = { count: events.length, since: new Date() };
    this.ctx.capturing.add(batch);
    try {
      await this.send(events, token);
    } finally {
      this.ctx.capturing.delete(batch);
    }
  }

  private async send(events: Event[], token: ResumeToken): Promise<void> {
    const { store, local, clock } = this.ctx;
    const now = new Date(this.ctx.wallClock());
    // One entry per document: the latest event decides (push reads the document as it is now).
    const latest = new Map<string, OutboxDoc>();
    for (const event of events) {
      if (!event.ns?.coll || !event.documentKey) continue;
      this.seq += 1;
      const key = syncKey(this.db, event.ns.coll, event.documentKey._id);
      latest.set(`${key.coll}\u0000${idKey(key.id)}`, {
        _id: key,
        seq: this.seq,
        v: clock.now(),
        op: event.operationType === 'delete' ? 'delete' : 'upsert',
        firstAt: now,
        nextAt: new Date(0),
        attempts: 0,
      });
    }
    // Online, the batch goes straight to central; only what that leaves goes to the outbox.
    const queued = this.ctx.pushDirect
      ? await this.ctx.pushDirect([...latest.values()])
      : [...latest.values()];
    const writes: AnyBulkWriteOperation<OutboxDoc>[] = queued.map((entry) => ({
      updateOne: {
        filter: { _id: entry._id },
        update: {
          $set: { seq: entry.seq, v: entry.v, op: entry.op },
          $setOnInsert: { firstAt: now, nextAt: new Date(0), attempts: 0 },
        },
        upsert: true,
      },
    }));
    const position = { $set: { token, seq: this.seq, updatedAt: now } };
    if (writes.length === 0) {
      await this.ctx.faults?.hit('capture:before-commit');
      await store.checkpoints.updateOne({ _id: this.checkpointId }, position, { upsert: true });
    } else {
      const session = local.startSession();
      try {
        await session.withTransaction(async () => {
          await store.outbox.bulkWrite(writes, { session, ordered: false });
          await store.checkpoints.updateOne({ _id: this.checkpointId }, position, {
            upsert: true,
            session,
          });
          await this.ctx.faults?.hit('capture:before-commit');
        });
      } finally {
        await session.endSession();
      }
    }
    // After the commit, not in the transaction: every push and pull updates this document, and
    // writing it inside made capture's 1,000-upsert transactions contend with them (20k documents
    // took 74 s to push instead of 24 s). A crash before it is covered by loadHlc, which also
    // reads the outbox.
    await store.checkpoints.updateOne(
      { _id: 'hlc' },
      { $max: { l: clock.state.l } },
      { upsert: true },
    );
    await this.ctx.faults?.hit('capture:after-commit');
    this.lastSavedToken = JSON.stringify(token);
    this.lastSaveAt = Date.now();
    this.ctx.metrics.captured += latest.size;
    if (writes.length > 0) this.ctx.notifyPush();
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
   * Enqueues every local document whose content differs from what was last synced, and every
   * synced document that disappeared. Used at first start and after local oplog history is lost.
   */
  async enqueueUnsynced(): Promise<number> {
    const { local, store, rules, clock } = this.ctx;
    const database = local.db(this.db);
    const names = (
      await database.listCollections({ type: 'collection' }, { nameOnly: true }).toArray()
    )
      .map((c) => c.name)
      .filter((name) => rules.pushes(this.db, name));
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
        await store.outbox.bulkWrite(batch as never[], { ordered: false });
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
    await store.checkpoints.updateOne(
      { _id: this.checkpointId },
      { $set: { seq: this.seq } },
      { upsert: true },
    );
    if (enqueued > 0) this.ctx.notifyPush();
    return enqueued;
  }
}

async function operationTime(ctx: EngineContext): Promise<Timestamp> {
  const reply = await ctx.local.db('admin').command({ ping: 1 });
  return reply['operationTime'] as Timestamp;
}

const LINGERED = Symbol('lingered');

/** `work`'s result, or LINGERED once `ms` pass first (work goes on: await it later). */
async function orTimeout<T>(work: Promise<T>, ms: number): Promise<T | typeof LINGERED> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<typeof LINGERED>((resolve) => (timer = setTimeout(() => resolve(LINGERED), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
