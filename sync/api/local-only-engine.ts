/**
 * What the API talks to when an instance has no engine (no central configured, or no database
 * to sync): a SyncEngine that reports the `local-only` state with the reason and zero counters,
 * so that status and health answer plainly instead of the API being absent.
 */
import type { EngineStatus, SyncEngine } from '../engine/create-engine.js';
import { newCounters } from '../engine/context.js';
import { ErrorCode, OutpostError } from '../errors.js';
import type { EngineState } from '../status/engine-state.js';

export function localOnlyEngine(instanceId: string, reason: string): SyncEngine {
  const state: EngineState = { name: 'local-only', since: new Date().toISOString(), reason };
  const refuse = (action: string) =>
    Promise.reject(
      new OutpostError(ErrorCode.InvalidState, `Sync cannot be ${action}: ${reason}`, {
        details: { state: state.name },
      }),
    );
  const status = (): EngineStatus => ({
    instanceId,
    state,
    outboxDepth: 0,
    oldestUnsyncedAgeMs: null,
    quarantined: 0,
    openConflicts: 0,
    counters: newCounters(),
    centralRoundTripMs: null,
    clockSkewMs: null,
    lastSyncAt: null,
    bootstrap: [],
    preparing: [],
    duplicateInstance: null,
    loops: {},
  });
  return {
    instanceId,
    context: undefined,
    conflicts: undefined,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    pause: () => refuse('paused'),
    resume: () => refuse('resumed'),
    // Nothing to push: "sync now" answers with the state, which says why.
    syncNow: () => undefined,
    caughtUp: () => ({}),
    status: () => Promise.resolve(status()),
    // The state never changes, and no conflict can open without an engine.
    onStateChange: () => () => undefined,
    onConflictOpened: () => () => undefined,
  };
}
