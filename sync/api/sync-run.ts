/**
 * "Sync now, and tell me when it is done": what `outpost sync --wait` and `sync:run-now` with
 * `wait` do. Wakes push and pull, then waits until every change this site had when asked has
 * left the outbox (sent, or settled as a conflict) and every synced database has polled central
 * and found nothing more, and reports what moved meanwhile. It stops early, incomplete, when the
 * engine cannot sync (paused, error, local-only, or still offline 5 s after the request: the
 * request itself retries central at once), and at the time limit.
 */
import type { EngineCounters } from '../engine/context.js';
import type { SyncEngine } from '../engine/create-engine.js';
import { sleep } from '../util/backoff.js';
import type { SyncRunView } from './views.js';

const CANNOT_SYNC = new Set(['paused', 'error', 'stopped', 'local-only']);
/** An engine still offline this long after the request has had its retries: central is down. */
const OFFLINE_GRACE_MS = 5_000;

export async function syncRun(
  engine: SyncEngine,
  options: { timeoutMs: number; pollMs?: number },
): Promise<SyncRunView> {
  const started = Date.now();
  const before = (await engine.status()).counters;
  const marks = engine.caughtUp();
  const cutoff = new Date();
  engine.syncNow();
  let complete = false;
  let waiting = await waitingSince(engine, cutoff);
  while (Date.now() - started < options.timeoutMs) {
    await sleep(options.pollMs ?? 100);
    const state = (await engine.status()).state.name;
    waiting = await waitingSince(engine, cutoff);
    // Checked first: a local-only or paused engine has nothing waiting and polls nothing.
    if (CANNOT_SYNC.has(state)) break;
    if (waiting === 0 && pulledSince(marks, engine.caughtUp())) {
      complete = true;
      break;
    }
    if (state === 'offline' && Date.now() - started > OFFLINE_GRACE_MS) break;
  }
  const after = await engine.status();
  const delta = (pick: (c: typeof before) => number) =>
    Math.max(0, pick(after.counters) - pick(before));
  return {
    complete,
    durationMs: Date.now() - started,
    pushed: delta((c) => c.pushed),
    pulled: delta((c) => c.pulled),
    conflicts: delta((c) => c.conflicts),
    failures: delta((c) => c.pushFailures + c.pullFailures),
    waiting,
    collections: movedByCollection(before.byCollection, after.counters.byCollection),
  };
}

/** Per collection, what the counters gained; a count that went down is a new engine's. */
export function movedByCollection(
  before: EngineCounters['byCollection'],
  after: EngineCounters['byCollection'],
): SyncRunView['collections'] {
  const zero = { pushed: 0, pulled: 0, conflicts: 0 };
  return Object.keys(after)
    .sort()
    .map((key) => {
      const was = before[key] ?? zero;
      const now = after[key]!;
      const gained = (pick: keyof typeof zero) =>
        now[pick] >= was[pick] ? now[pick] - was[pick] : now[pick];
      const dot = key.indexOf('.');
      return {
        db: key.slice(0, dot),
        coll: key.slice(dot + 1),
        pushed: gained('pushed'),
        pulled: gained('pulled'),
        conflicts: gained('conflicts'),
      };
    })
    .filter((c) => c.pushed + c.pulled + c.conflicts > 0);
}

/** Changes of this site from before `cutoff` still in the outbox, not counting parked ones. */
async function waitingSince(engine: SyncEngine, cutoff: Date): Promise<number> {
  const store = engine.context?.store;
  if (!store) return 0;
  return store.outbox.countDocuments({ parked: { $ne: true }, firstAt: { $lte: cutoff } });
}

/**
 * Every database polled central twice since `marks` and found nothing more (the first such poll
 * may have begun before the request). A count lower than its mark is a new engine (a settings
 * change): two of its own then.
 */
function pulledSince(marks: Record<string, number>, now: Record<string, number>): boolean {
  return Object.entries(now).every(([db, count]) => {
    const mark = marks[db] ?? 0;
    return count < mark ? count >= 2 : count >= mark + 2;
  });
}
