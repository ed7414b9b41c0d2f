/**
 * What a settings change touches, and whether the running instance can take it at once.
 * Rules, the central connection string, sync tuning, health thresholds and the verify schedule
 * apply live (the sync engine is replaced: see api/live-engine.ts). What the local mongod, the
 * API listener and the log file were started with waits for a restart of Outpost.
 */
import type { Config } from './schema.js';
import { isPlainObject } from './merge.js';

/** Keys (or key prefixes) that only a restart of Outpost applies. */
const RESTART_KEYS = ['dataDir', 'local', 'api', 'log', 'health.rateWindowMs'] as const;
/** Keys that the sync engine is built from: a change replaces it. */
const ENGINE_KEYS = ['central', 'databases', 'exclude', 'siteId', 'sync'] as const;

export interface ConfigChanges {
  /** Every dotted key whose effective value changed (arrays compare whole). */
  changed: string[];
  /** Those applied without a restart. */
  live: string[];
  /** Those that wait for a restart of Outpost. */
  restart: string[];
  /** Whether the sync engine must be replaced for the live ones. */
  engine: boolean;
}

export function configChanges(before: Config, after: Config): ConfigChanges {
  const changed = changedKeys(before, after, '');
  const restart = changed.filter((key) => RESTART_KEYS.some((prefix) => under(key, prefix)));
  const live = changed.filter((key) => !restart.includes(key));
  return {
    changed,
    live,
    restart,
    engine: live.some((key) => ENGINE_KEYS.some((prefix) => under(key, prefix))),
  };
}

function under(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(`${prefix}.`);
}

function changedKeys(before: unknown, after: unknown, path: string): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys]
      .sort()
      .flatMap((key) => changedKeys(before[key], after[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path];
}
