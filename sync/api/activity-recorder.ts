/**
 * Writes the state changes a shop manager cares about to the sync log (the Activity view and
 * `log:list`): central lost, central back (with how long it was gone), and sync stopped by an
 * error. The engine logs every transition to the process log; syncing <-> idle flips many times
 * a minute and would flood the capped log, so only these three are kept here.
 */
import type { SyncEngine } from '../engine/create-engine.js';
import type { LogDoc } from '../engine/store.js';
import type { Logger } from '../logging/logger.js';
import type { EngineState } from '../status/engine-state.js';

export interface Activity {
  event: string;
  level: LogDoc['level'];
  [attribute: string]: unknown;
}

/** What to write for a transition from `previous` to `next`, if anything. */
export function activityFor(
  previous: EngineState | undefined,
  next: EngineState,
  offlineSince: string | null,
): Activity | undefined {
  if (next.name === 'offline' && previous?.name !== 'offline' && offlineSince === null) {
    return { event: 'sync.went-offline', level: 'warn', reason: next.reason };
  }
  if ((next.name === 'syncing' || next.name === 'idle') && offlineSince !== null) {
    const durationMs = Date.parse(next.since) - Date.parse(offlineSince);
    return { event: 'sync.back-online', level: 'info', durationMs: Math.max(0, durationMs) };
  }
  if (next.name === 'error') {
    return {
      event: 'sync.failed',
      level: 'error',
      code: next.error.code,
      message: next.error.message,
    };
  }
  return undefined;
}

/** Subscribes to the engine's states; returns the unsubscribe function. */
export function recordActivity(engine: SyncEngine, logger: Logger): () => void {
  let previous: EngineState | undefined;
  let offlineSince: string | null = null;
  return engine.onStateChange((next) => {
    const entry = activityFor(previous, next, offlineSince);
    if (next.name === 'offline') offlineSince ??= next.since;
    else if (next.name === 'syncing' || next.name === 'idle' || next.name === 'stopped')
      offlineSince = null;
    previous = next;
    const log = engine.context?.store.log;
    if (!entry || !log) return;
    log
      .insertOne({ at: new Date(), ...entry })
      .catch((error: unknown) => logger.debug({ event: 'api.activity-write-failed', error }));
  });
}
