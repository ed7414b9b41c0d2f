/**
 * The capture barrier of verify (see settle.ts): a POS write that capture has not turned into an
 * outbox entry yet looks exactly like drift, so verify first waits until capture has processed
 * every local write made before it judges.
 */
import type { Timestamp } from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import { ErrorCode, OutpostError } from '../errors.js';
import { tokenClusterTime } from '../pull/token-time.js';
import { sleep } from '../util/backoff.js';

export function verifyCheckpointId(db: string): string {
  return `verify:${db}`;
}

/**
 * Waits until capture of `db` has processed every local write up to now (see the file comment).
 * Capture stores its position with each batch and, while idle, every `idleTokenSaveMs`.
 */
export async function waitForCapture(
  ctx: EngineContext,
  db: string,
  signal?: AbortSignal,
): Promise<void> {
  // A write of our own (always a change), so the target is an oplog entry after every write the
  // scan saw, and a capture position at or after it covers them all, whole transactions included.
  await ctx.store.checkpoints.updateOne(
    { _id: verifyCheckpointId(db) },
    [{ $set: { updatedAt: '$$NOW', barriers: { $add: [{ $ifNull: ['$barriers', 0] }, 1] } } }],
    { upsert: true },
  );
  const reply = await ctx.local.db('admin').command({ ping: 1 });
  const target = reply['operationTime'] as Timestamp;
  const { idleTokenSaveMs, maxAwaitTimeMs } = ctx.tunables;
  const timeoutMs = Math.max(10_000, 3 * idleTokenSaveMs + 2 * maxAwaitTimeMs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const checkpoint = await ctx.store.checkpoints.findOne({ _id: `capture:${db}` });
    const reached = [tokenClusterTime(checkpoint?.token), checkpoint?.startAt ?? undefined].some(
      (at) => at !== undefined && atOrAfter(at, target),
    );
    if (reached) return;
    signal?.throwIfAborted();
    if (Date.now() > deadline) {
      throw new OutpostError(
        ErrorCode.InvalidState,
        `Verify stopped: capture of the local database ${db} has not caught up with local writes ` +
          `within ${Math.round(timeoutMs / 1000)} s, so unsynced sales could not be told apart ` +
          'from drift. Check that the engine is running (outpost status) and try again.',
        { details: { db, timeoutMs } },
      );
    }
    await sleep(100, signal);
  }
}

function atOrAfter(a: Timestamp, b: Timestamp): boolean {
  return a.t > b.t || (a.t === b.t && a.i >= b.i);
}
