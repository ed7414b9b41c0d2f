import {
  MongoServerError,
  Timestamp,
  type ChangeStreamDocument,
  type ChangeStreamOptions,
  type Document,
  type ResumeToken,
} from 'mongodb';
import { streamAwaitMs, type EngineContext } from '../engine/context.js';
import { TOMBSTONES } from '../engine/rules.js';
import type { CheckpointDoc } from '../engine/store.js';
import { adoptWrites, isForeignWrite, type ForeignWrite } from './adopt.js';
import { applyInbound, type Inbound } from './apply-inbound.js';
import { tokenClusterTime } from './token-time.js';
import { sleep } from '../util/backoff.js';
import { unlessStalled } from '../util/stall.js';
import { bootstrap, centralOperationTime, scanSince, tombstoneInScope } from './scan.js';

type Event = ChangeStreamDocument & {
  ns?: { db: string; coll?: string };
  documentKey?: { _id: unknown };
  fullDocument?: Document | null;
  clusterTime?: Timestamp;
  wallTime?: Date;
};

// The stream cannot resume from its token: catch up with a scan instead. 286 ChangeStreamHistoryLost,
// 260 InvalidResumeToken, 280 ChangeStreamFatalError, 136 CappedPositionLost.
const NEEDS_SCAN = new Set([286, 260, 280, 136]);

/** No answer from the stream for this long: restart the loop. */
const STALL_MS = 60_000;

export function needsScan(error: unknown): boolean {
  return (
    error instanceof MongoServerError &&
    typeof error.code === 'number' &&
    NEEDS_SCAN.has(error.code)
  );
}

/**
 * Central -> local for one database: bootstrap once, then a change stream filtered server-side to
 * this site's scope and to others' writes; the resume token is stored in the same local
 * transaction as the documents it covers. A lost token is recovered with an indexed scan of
 * `_sync.ct` from the last checkpoint minus a lookback window, never a full re-copy.
 */
export class Pull {
  private lastSaveAt = 0;
  private lastSavedToken: string | undefined;
  private woken = false;
  private endPause: (() => void) | undefined;
  /** Polls that found nothing more at central (everything before them applied). */
  caughtUp = 0;

  constructor(
    private readonly ctx: EngineContext,
    readonly db: string,
    private readonly onProgress?: (progress: { db: string; done: number; total: number }) => void,
  ) {}

  get checkpointId(): string {
    return `pull:${this.db}`;
  }

  /** "Sync now": ends the pause between polls, and the quiet pace with it. */
  wake(): void {
    this.woken = true;
    this.endPause?.();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { store } = this.ctx;
    await bootstrap(this.ctx, this.db, this.checkpointId, signal, this.onProgress);
    if (signal.aborted) return;
    let checkpoint = await store.checkpoints.findOne({ _id: this.checkpointId });
    while (!signal.aborted) {
      try {
        await this.stream(checkpoint, signal);
        return;
      } catch (error) {
        if (signal.aborted) return;
        if (!needsScan(error)) throw error;
        this.ctx.logger.warn({
          event: 'pull.catch-up-scan',
          db: this.db,
          code: (error as MongoServerError).code,
        });
        // The position the stream reached, not the one it opened at.
        await this.catchUp(await store.checkpoints.findOne({ _id: this.checkpointId }));
        checkpoint = await store.checkpoints.findOne({ _id: this.checkpointId });
      }
    }
  }

  /** Scans from the last applied cluster time minus the lookback, then restarts the stream. */
  async catchUp(checkpoint: CheckpointDoc | null): Promise<void> {
    const { ctx } = this;
    const startAt = await centralOperationTime(ctx);
    const last = checkpoint?.ct ?? checkpoint?.startAt ?? new Timestamp({ t: 0, i: 0 });
    const from = new Timestamp({
      t: Math.max(0, last.t - Math.ceil(ctx.tunables.lookbackMs / 1000)),
      i: 0,
    });
    const scanned = await scanSince(ctx, this.db, from, this.checkpointId);
    await ctx.store.checkpoints.updateOne(
      { _id: this.checkpointId },
      { $set: { token: null, startAt, ct: startAt, updatedAt: new Date() } },
    );
    await ctx.store.log.insertOne({
      at: new Date(),
      event: 'pull.caught-up',
      level: 'warn',
      db: this.db,
      from,
      scanned,
    });
    ctx.logger.info({ event: 'pull.caught-up', db: this.db, scanned });
  }

  private async stream(checkpoint: CheckpointDoc | null, signal: AbortSignal): Promise<void> {
    const { ctx } = this;
    const { pullPollMs } = ctx.tunables;
    const options: ChangeStreamOptions = {
      fullDocument: 'updateLookup',
      batchSize: ctx.tunables.pullBatchSize,
      maxAwaitTimeMS: streamAwaitMs(pullPollMs, ctx.tunables),
    };
    if (checkpoint?.token) options.startAfter = checkpoint.token;
    else if (checkpoint?.startAt) options.startAtOperationTime = checkpoint.startAt;
    const pipeline = ctx.rules.pullPipeline(this.db, ctx.instanceId);
    const stream = ctx.central.db(this.db).watch<Document, Event>(pipeline, options);
    const close = () => void stream.close().catch(() => undefined);
    signal.addEventListener('abort', close, { once: true });
    try {
      let pending: Event[] = [];
      let lastEventAt = Date.now();
      while (!signal.aborted) {
        if (this.woken) {
          this.woken = false;
          lastEventAt = Date.now();
        }
        // tryNext returns within maxAwaitTimeMS, or fails once server selection gives up; past
        // a minute the stream is stuck: closed here, the loop is restarted from its token.
        const event = await unlessStalled(
          stream.tryNext(),
          STALL_MS,
          'The central change stream',
          close,
        );
        ctx.reportCentral(true);
        if (event) {
          pending.push(event);
          lastEventAt = Date.now();
          if (pending.length < ctx.tunables.pullBatchSize && stream.bufferedCount() > 0) continue;
        }
        const full = pending.length >= ctx.tunables.pullBatchSize;
        if (pending.length > 0) {
          // Not abandoned when slow: a batch left running keeps its session in a transaction,
          // and every batch after it would fail. The clients' socket timeout bounds a silent
          // connection instead (see SOCKET_TIMEOUT_MS).
          await this.flush(pending, stream.resumeToken);
          pending = [];
        } else if (
          stream.resumeToken &&
          Date.now() - this.lastSaveAt > ctx.tunables.idleTokenSaveMs
        ) {
          await this.saveIdleToken(stream.resumeToken);
        }
        if (!event) this.caughtUp += 1;
        // As in capture: only a full batch is followed by another read at once. A stream that
        // has been quiet for a while is polled less often (see pullIdlePollMs).
        if (pullPollMs > 0 && !full) {
          const { pullIdlePollMs, pullIdleAfterMs } = ctx.tunables;
          const quiet = Date.now() - lastEventAt >= pullIdleAfterMs;
          if (!this.woken)
            await sleep(
              quiet ? Math.max(pullPollMs, pullIdlePollMs) : pullPollMs,
              signal,
              (wake) => (this.endPause = wake),
            );
        }
      }
    } finally {
      signal.removeEventListener('abort', close);
      await stream.close().catch(() => undefined);
    }
  }

  private async flush(events: Event[], token: ResumeToken): Promise<void> {
    const inbound: Inbound[] = [];
    const foreign: ForeignWrite[] = [];
    for (const event of events) {
      const item = toInbound(this.ctx, this.db, event);
      if (!item) continue;
      inbound.push(item);
      if (isForeignWrite(event, item)) {
        const wallTime = event.wallTime?.getTime() ?? (event.clusterTime?.t ?? 0) * 1000;
        foreign.push({ item, wallTime: wallTime || Date.now() });
      }
    }
    // Before the batch is applied and its token saved: a crash in between reads these again.
    // Adopted writes come back stamped in events of their own; the refused are applied as they are.
    const refused = new Set(await adoptWrites(this.ctx, this.db, foreign));
    const adopted = new Set(foreign.map((write) => write.item));
    const items = inbound.filter((item) => !adopted.has(item) || refused.has(item));
    const last = events[events.length - 1]!;
    await applyInbound(this.ctx, this.db, items, {
      id: this.checkpointId,
      set: { token, ...(last.clusterTime ? { ct: last.clusterTime } : {}) },
    });
    if (last.wallTime)
      this.ctx.metrics.lastPullLagMs = Math.max(0, Date.now() - last.wallTime.getTime());
    this.lastSavedToken = JSON.stringify(token);
    this.lastSaveAt = Date.now();
  }

  private async saveIdleToken(token: ResumeToken): Promise<void> {
    this.lastSaveAt = Date.now();
    const serialized = JSON.stringify(token);
    if (serialized === this.lastSavedToken) return;
    // Everything up to the token's time has been seen (the stream filtered the rest out).
    const ct = tokenClusterTime(token);
    await this.ctx.store.checkpoints.updateOne(
      { _id: this.checkpointId },
      { $set: { token, updatedAt: new Date(), ...(ct ? { ct } : {}) } },
    );
    this.lastSavedToken = serialized;
  }
}

/** A change event as an Inbound change, or undefined when it is not for this site. */
function toInbound(ctx: EngineContext, db: string, event: Event): Inbound | undefined {
  const coll = event.ns?.coll;
  if (!coll) return undefined;
  if (coll === TOMBSTONES) {
    const tombstone = event.fullDocument;
    if (!tombstone) return undefined;
    const key = tombstone['_id'] as { coll: string; id: unknown };
    if (!ctx.rules.pulls(db, key.coll) || !tombstoneInScope(ctx, db, key.coll, tombstone))
      return undefined;
    return {
      coll: key.coll,
      id: key.id,
      doc: null,
      v: tombstone['v'] as string,
      ct: tombstone['ct'] as Timestamp,
    };
  }
  if (!ctx.rules.pulls(db, coll)) return undefined;
  if (event.operationType === 'delete')
    return { coll, id: event.documentKey?._id, doc: null, v: null };
  const doc = event.fullDocument;
  if (!doc) return undefined; // deleted since: its delete event follows
  const sync = doc['_sync'] as { v?: string; ct?: Timestamp } | undefined;
  return { coll, id: doc['_id'], doc, v: sync?.v ?? null, ct: sync?.ct ?? null };
}
