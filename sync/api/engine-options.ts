import type { Config } from '../config/index.js';
import type { EngineTunables } from '../engine/context.js';
import type { CollectionRule, DatabaseRules, RulesInput } from '../engine/rules.js';

/** The parts of the engine's options that follow from the config alone (no clients, no ids). */
export interface ConfiguredEngineOptions {
  rules: RulesInput;
  metaDatabase: string;
  tunables: Partial<EngineTunables>;
}

/**
 * Maps the validated config onto createSyncEngine's options. Pure, so the mapping is unit-tested
 * without a mongod. Everything is copied: the engine never holds a reference into the frozen
 * config, and a later config reload cannot change a running engine under it.
 */
export function engineOptionsFromConfig(config: Config): ConfiguredEngineOptions {
  const databases: DatabaseRules[] = config.databases.map((db) => ({
    name: db.name,
    collections: Object.fromEntries(
      Object.entries(db.collections).map(([name, rule]) => [name, collectionRule(rule)]),
    ),
  }));
  return {
    rules: { databases, exclude: [...config.exclude], siteId: config.siteId },
    metaDatabase: config.local.metaDatabase,
    tunables: {
      batchSize: config.sync.batchSize,
      pullBatchSize: config.sync.pullBatchSize,
      pullPollMs: config.sync.pullPollMs,
      pullIdlePollMs: config.sync.pullIdlePollMs,
      pushIntervalMs: config.sync.pushIntervalMs,
      captureLingerMs: config.sync.captureLingerMs,
      capturePollMs: config.sync.capturePollMs,
      offlineAfterMs: config.sync.offlineAfterMs,
      lookbackMs: config.sync.lookbackMs,
      backoff: { initialMs: config.sync.backoff.initialMs, maxMs: config.sync.backoff.maxMs },
    },
  };
}

function collectionRule(rule: Config['databases'][number]['collections'][string]): CollectionRule {
  return {
    direction: rule.direction,
    strategy: rule.strategy,
    counters: [...rule.counters],
    ...(rule.scope
      ? { scope: { field: rule.scope.field, includeGlobal: rule.scope.includeGlobal } }
      : {}),
    mergeFallback: rule.mergeFallback,
    deleteVsUpdate: rule.deleteVsUpdate,
  };
}

/**
 * Site database -> the central database it syncs with, for those named otherwise at central
 * (`databases[].centralName`, or `central.database` when one database syncs).
 */
export function centralNames(config: Config): Map<string, string> {
  const names = new Map<string, string>();
  for (const db of config.databases) {
    const central =
      db.centralName ?? (config.databases.length === 1 ? config.central.database : undefined);
    if (central !== undefined && central !== db.name) names.set(db.name, central);
  }
  return names;
}

/** Whether this instance can sync at all, and why not. */
export type SyncMode =
  | { enabled: true; centralUri: string }
  | { enabled: false; reason: 'no-central-uri' | 'no-databases'; message: string };

/**
 * A site without a central connection string still runs its local mongod (the POS keeps
 * working); it just has nothing to sync with. Same with no database listed: nothing to sync.
 */
export function syncMode(config: Config): SyncMode {
  if (config.central.uri === undefined) {
    return {
      enabled: false,
      reason: 'no-central-uri',
      message:
        'No central connection string is configured (central.uri or OUTPOST_CENTRAL_URI): ' +
        'local-only mode, nothing is synced.',
    };
  }
  if (config.databases.length === 0) {
    return {
      enabled: false,
      reason: 'no-databases',
      message:
        'No database is listed in the config (databases, or --db): local-only mode, nothing is synced.',
    };
  }
  return { enabled: true, centralUri: config.central.uri };
}
