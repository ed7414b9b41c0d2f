/**
 * Prometheus metrics of one instance, in their own registry (never prom-client's global one, so
 * two instances in one process or a test never share series). Values are computed on scrape from
 * the engine's status, its store and the supervisor; scrapes are serialised so that one scrape's
 * values are never mixed with another's.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { EngineCounters } from '../engine/context.js';
import { EngineStateName } from './engine-state.js';
import type { CollectionStat } from './collections.js';
import type { Rates } from './rates.js';
import type { StatusSource } from './status-source.js';

export interface OutpostMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The exposition text, computed now. */
  scrape(): Promise<string>;
}

interface Snapshot {
  state: EngineStateName;
  outboxDepth: number;
  oldestUnsyncedAgeMs: number | null;
  counters: EngineCounters;
  rates: Rates;
  openConflicts: number;
  autoResolvedConflicts: number;
  quarantined: number;
  lastSyncAt: string | null;
  centralRoundTripMs: number | null;
  clockSkewMs: number | null;
  offlineSince: string | null;
  duplicate: boolean;
  uptimeMs: number | null;
  storage: { db: string; bytes: number }[];
  collections: CollectionStat[];
}

export function createMetrics(
  source: StatusSource,
  info: { instanceId: string; version: string },
): OutpostMetrics {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers });
  const counter = (name: string, help: string) => new Counter({ name, help, registers });

  const m = {
    info: gauge('outpost_info', 'Always 1; labels identify the instance.', [
      'instance_id',
      'version',
    ]),
    state: gauge('outpost_engine_state', '1 for the state the sync engine is in.', ['state']),
    outbox: gauge('outpost_outbox_depth', 'Local changes waiting to be pushed.'),
    oldest: gauge('outpost_oldest_unsynced_age_seconds', 'Age of the oldest unpushed change.'),
    pushed: counter('outpost_pushed_total', 'Documents pushed to central.'),
    pulled: counter('outpost_pulled_total', 'Documents pulled from central and applied.'),
    captured: counter('outpost_captured_total', 'Local changes captured into the outbox.'),
    pushRate: gauge('outpost_push_rate', 'Documents pushed per second over the rate window.'),
    pullRate: gauge('outpost_pull_rate', 'Documents pulled per second over the rate window.'),
    lag: gauge('outpost_propagation_lag_seconds', 'Central write to local apply, last change.'),
    pushFailures: counter('outpost_push_failures_total', 'Push attempts that failed (entries).'),
    pullFailures: counter('outpost_pull_failures_total', 'Pull loop failures.'),
    failureRate: gauge('outpost_failure_rate', 'Failed / all push and pull attempts, 0..1.'),
    retries: counter('outpost_retries_total', 'Push batches retried after a failure.'),
    open: gauge('outpost_conflicts_open', 'Conflicts waiting for an operator decision.'),
    auto: gauge('outpost_conflicts_auto_resolved', 'Recorded conflicts resolved by strategy.'),
    quarantined: gauge('outpost_quarantined', 'Documents in quarantine.'),
    lastSync: gauge('outpost_last_sync_timestamp_seconds', 'Unix time of the last push or pull.'),
    rtt: gauge('outpost_central_round_trip_seconds', 'Round trip of a hello to central.'),
    skew: gauge('outpost_clock_skew_seconds', 'This clock minus central clock.'),
    offline: gauge('outpost_central_offline_seconds', 'Length of the current outage, 0 if none.'),
    duplicate: gauge('outpost_duplicate_instance', '1 when another site uses this instance ID.'),
    uptime: gauge('outpost_local_mongod_uptime_seconds', 'Uptime of the supervised mongod.'),
    storage: gauge('outpost_local_storage_bytes', 'Storage and index size per local db.', ['db']),
    local: gauge('outpost_collection_local_documents', 'Local documents.', ['db', 'collection']),
    central: gauge(
      'outpost_collection_central_documents',
      'Documents at central in this site scope.',
      ['db', 'collection'],
    ),
    pending: gauge('outpost_collection_pending', 'Outbox entries.', ['db', 'collection']),
  };

  const setCounter = (metric: Counter, value: number) => {
    metric.reset();
    metric.inc(value);
  };
  // An unknown value (not measured yet) is left out rather than exposed as 0 or NaN.
  const setSeconds = (metric: Gauge, ms: number | null | undefined) => {
    if (ms === null || ms === undefined) metric.remove({});
    else metric.set(ms / 1_000);
  };

  function apply(s: Snapshot): void {
    for (const metric of Object.values(m)) if (metric instanceof Gauge) metric.reset();
    m.info.set({ instance_id: info.instanceId, version: info.version }, 1);
    for (const name of Object.values(EngineStateName))
      m.state.set({ state: name }, name === s.state ? 1 : 0);
    m.outbox.set(s.outboxDepth);
    m.oldest.set(s.oldestUnsyncedAgeMs === null ? 0 : s.oldestUnsyncedAgeMs / 1_000);
    setCounter(m.pushed, s.counters.pushed);
    setCounter(m.pulled, s.counters.pulled);
    setCounter(m.captured, s.counters.captured);
    m.pushRate.set(s.rates.pushedPerSecond);
    m.pullRate.set(s.rates.pulledPerSecond);
    setSeconds(m.lag, s.counters.lastPullLagMs);
    setCounter(m.pushFailures, s.counters.pushFailures);
    setCounter(m.pullFailures, s.counters.pullFailures);
    m.failureRate.set(s.rates.failureRate ?? 0);
    setCounter(m.retries, s.counters.retries);
    m.open.set(s.openConflicts);
    m.auto.set(s.autoResolvedConflicts);
    m.quarantined.set(s.quarantined);
    setSeconds(m.lastSync, s.lastSyncAt === null ? null : Date.parse(s.lastSyncAt));
    setSeconds(m.rtt, s.centralRoundTripMs);
    setSeconds(m.skew, s.clockSkewMs);
    m.offline.set(s.offlineSince === null ? 0 : (Date.now() - Date.parse(s.offlineSince)) / 1_000);
    m.duplicate.set(s.duplicate ? 1 : 0);
    setSeconds(m.uptime, s.uptimeMs);
    for (const { db, bytes } of s.storage) m.storage.set({ db }, bytes);
    for (const c of s.collections) {
      const labels = { db: c.db, collection: c.coll };
      if (c.local !== null) m.local.set(labels, c.local);
      if (c.central !== null) m.central.set(labels, c.central);
      m.pending.set(labels, c.pending);
    }
  }

  let queue: Promise<unknown> = Promise.resolve();
  return {
    registry,
    contentType: registry.contentType,
    scrape() {
      const next = queue.then(async () => {
        apply(await snapshot(source));
        return registry.metrics();
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

async function snapshot(source: StatusSource): Promise<Snapshot> {
  const [status, mongod] = await Promise.all([source.engineStatus(), source.localMongod()]);
  const ctx = source.engine.context;
  const reachable = status.state.name === 'syncing' || status.state.name === 'idle';
  const [autoResolved, storage, collections] = ctx
    ? await Promise.all([
        ctx.store.conflicts.countDocuments({
          state: 'resolved',
          resolvedBy: { $ne: 'operator' },
        }),
        Promise.all(
          [...ctx.rules.databases, ctx.store.outbox.dbName].map(async (db) => {
            const stats = await ctx.local.db(db).stats();
            return {
              db,
              bytes: Number(stats['storageSize'] ?? 0) + Number(stats['indexSize'] ?? 0),
            };
          }),
        ),
        source.collections.list(ctx, { centralReachable: reachable }),
      ])
    : [0, [], []];
  return {
    state: status.state.name,
    outboxDepth: status.outboxDepth,
    oldestUnsyncedAgeMs: status.oldestUnsyncedAgeMs,
    counters: status.counters,
    rates: source.rates(),
    openConflicts: status.openConflicts,
    autoResolvedConflicts: autoResolved,
    quarantined: status.quarantined,
    lastSyncAt: status.lastSyncAt,
    centralRoundTripMs: status.centralRoundTripMs,
    clockSkewMs: status.clockSkewMs,
    offlineSince: source.offline.current?.since ?? null,
    duplicate: status.duplicateInstance !== null,
    uptimeMs: mongod?.uptimeMs ?? null,
    storage,
    collections,
  };
}
