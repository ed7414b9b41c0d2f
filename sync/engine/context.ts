import type { EventEmitter } from 'node:events';
import type { ClientSession, MongoClient } from 'mongodb';
import type { Logger } from '../logging/logger.js';
import type { BackoffPolicy } from '../util/backoff.js';
import type { HybridClock } from './hlc.js';
import type { SyncRules } from './rules.js';
import type { LocalStore } from './store.js';
import { SOCKET_TIMEOUT_MS } from './client-options.js';
import type { CentralBinding } from '../central/identity.js';

/** Named points where tests inject a crash (`kill -9`) or an error. */
export type FaultPoint =
  | 'capture:before-commit'
  | 'capture:after-commit'
  | 'capture:after-enqueue-batch'
  | 'push:before-central-write'
  | 'push:after-central-write'
  | 'push:after-tombstones'
  | 'push:after-meta'
  | 'pull:before-apply'
  | 'pull:after-apply'
  | 'bootstrap:after-batch'
  | 'central:after-forget';

export interface Faults {
  hit(point: FaultPoint): void | Promise<void>;
}

export interface EngineTunables {
  batchSize: number;
  pullBatchSize: number;
  pushIntervalMs: number;
  /** The longest an idle push loop sleeps before it looks at the outbox again. */
  pushIdleMs: number;
  lookbackMs: number;
  idleTokenSaveMs: number;
  maxAwaitTimeMs: number;
  /**
   * Pause between polls of central's change stream; 0 leaves each getMore waiting on the server
   * (maxAwaitTimeMs) instead. A waiting cursor is woken by every write to central's oplog, so
   * with many sites central's cost grows with sites x writes; polled, with sites x polls, and a
   * poll reads everything written since the last one in one pass.
   */
  pullPollMs: number;
  /**
   * Pause between polls of central's change stream once nothing has come for pullIdleAfterMs
   * (no effect unless longer than pullPollMs). Every poll costs central a getMore, about 0.5 ms
   * of its CPU on this machine even when empty, so at 4 a second a fleet of 500 quiet sites
   * would keep a core of central busy; at 1 a second a quarter. The first change after a quiet
   * spell arrives up to this much later; the first one read (or "sync now") puts the stream back
   * to pullPollMs.
   */
  pullIdlePollMs: number;
  /** How long a stream must have read nothing to count as quiet. */
  pullIdleAfterMs: number;
  /**
   * Pause between reads of the local change stream, as pullPollMs for central. An awaiting read
   * is woken by every local write, the engine's own included, and each wake costs the site's
   * mongod the time a POS write waits for; polled, one read takes everything since the last.
   * With 0, reads wait on the mongod and captureLingerMs keeps a batch open after an event.
   * 200 ms by default: at 200 sales a second the till's mean insert took 5-13% longer with sync
   * on at 200 ms, 17-22% at 100 ms, for a propagation p99 of 555 ms instead of 437 ms.
   */
  capturePollMs: number;
  /**
   * With capturePollMs 0 only: how long capture keeps a batch open for more events once one
   * arrived, so that a steady trickle of POS writes makes one transaction (and one push round)
   * per few events instead of per event. A poll already takes everything since the last one.
   */
  captureLingerMs: number;
  heartbeatMs: number;
  /** Central failing for this long with no success in between makes the engine `offline`. */
  offlineAfterMs: number;
  /** Socket timeout of the client pull applies through (see SOCKET_TIMEOUT_MS). */
  socketTimeoutMs: number;
  /** Tombstones are collected every this many heartbeats. */
  tombstoneGcEveryBeats: number;
  backoff: BackoffPolicy;
}

export const DEFAULT_TUNABLES: EngineTunables = {
  batchSize: 500,
  pullBatchSize: 500,
  pushIntervalMs: 200,
  pushIdleMs: 2_000,
  lookbackMs: 60_000,
  idleTokenSaveMs: 5_000,
  maxAwaitTimeMs: 1_000,
  pullPollMs: 250,
  pullIdlePollMs: 1_000,
  pullIdleAfterMs: 10_000,
  capturePollMs: 200,
  captureLingerMs: 50,
  heartbeatMs: 10_000,
  offlineAfterMs: 5_000,
  socketTimeoutMs: SOCKET_TIMEOUT_MS,
  tombstoneGcEveryBeats: 10,
  backoff: { initialMs: 500, maxMs: 60_000 },
};

/**
 * How long one read of a change stream may wait on the server: with polling (`pollMs` > 0) it
 * returns at once and the caller sleeps `pollMs` after any read that did not fill a batch;
 * otherwise it waits up to maxAwaitTimeMs for a change. "At once" is 0, not 1: a getMore given
 * 1 ms still arms the server's wait for new oplog entries, and on this machine's mongod that
 * made each empty read cost about 0.9 ms of CPU instead of 0.5 (25 streams polled 5 times a
 * second, nothing written). An absent limit would be the server's default wait of 1 s.
 */
export function streamAwaitMs(pollMs: number, tunables: EngineTunables): number {
  return pollMs > 0 ? 0 : tunables.maxAwaitTimeMs;
}

/** What every part of the engine shares; built once by createSyncEngine. */
export interface EngineContext {
  instanceId: string;
  local: MongoClient;
  central: MongoClient;
  store: LocalStore;
  rules: SyncRules;
  clock: HybridClock;
  wallClock: () => number;
  logger: Logger;
  tunables: EngineTunables;
  faults: Faults | undefined;
  metrics: EngineCounters;
  /**
   * Pull applies through a client of its own, one session per database. Every server session in
   * that client's pool is an apply session, so capture can filter their changes out on the server
   * (`lsid.id`) without ever hiding an application write; echo suppression by hash covers the
   * rest. Without a local URI, applies use the main client and are dropped by hash instead.
   */
  apply: {
    client: MongoClient;
    store: LocalStore;
    sessions: Map<string, ClientSession>;
    sessionIds: unknown[];
  };
  /** Engine events beyond state changes: `conflict-opened` (key) when one awaits the operator. */
  events: EventEmitter;
  /** Wakes the push loop (capture calls it after each batch). */
  notifyPush(): void;
  /** Records a central failure or success for offline detection. */
  reportCentral(ok: boolean, error?: unknown): void;
  /**
   * Whether a database's bookkeeping belongs to the central this engine talks to (see
   * central/identity.ts): pull, push, the heartbeat and verify wait for it before using central.
   */
  centralBinding: CentralBinding;
}

export interface EngineCounters {
  captured: number;
  pushed: number;
  pulled: number;
  echoesDropped: number;
  conflicts: number;
  quarantined: number;
  pushFailures: number;
  pullFailures: number;
  retries: number;
  centralWrites: number;
  localApplies: number;
  lastPushAt?: Date | undefined;
  lastPullAt?: Date | undefined;
  /** Propagation lag of the last pulled change (now - wallTime at central), ms. */
  lastPullLagMs?: number | undefined;
  /** `pushed`, `pulled` and `conflicts` by collection (`db.coll`), for a sync run's report. */
  byCollection: Record<string, CollectionCounters>;
}

export interface CollectionCounters {
  pushed: number;
  pulled: number;
  conflicts: number;
}

/** Adds to one collection's counters. */
export function countFor(
  counters: EngineCounters,
  db: string,
  coll: string,
  add: Partial<CollectionCounters>,
): void {
  const entry = (counters.byCollection[`${db}.${coll}`] ??= { pushed: 0, pulled: 0, conflicts: 0 });
  entry.pushed += add.pushed ?? 0;
  entry.pulled += add.pulled ?? 0;
  entry.conflicts += add.conflicts ?? 0;
}

export function newCounters(): EngineCounters {
  return {
    captured: 0,
    pushed: 0,
    pulled: 0,
    echoesDropped: 0,
    conflicts: 0,
    quarantined: 0,
    pushFailures: 0,
    pullFailures: 0,
    retries: 0,
    centralWrites: 0,
    localApplies: 0,
    byCollection: {},
  };
}
