/**
 * What the bridge calls return, as plain JSON: dates are ISO strings, documents are relaxed
 * Extended JSON. Type-only imports of files without Node dependencies: the renderer compiles this.
 */
import type { ErrorPayload } from '../errors.js';
import type { EngineState } from '../status/engine-state.js';

export type { EngineState, EngineStateName } from '../status/engine-state.js';
export type { HealthCheck, HealthCheckName, HealthReport, HealthStatus } from '../status/health.js';

/** A JSON object: a document in relaxed Extended JSON, a config, a merge patch. */
export type JsonObject = Record<string, unknown>;

export interface CountersView {
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
  lastPushAt: string | null;
  lastPullAt: string | null;
  lastPullLagMs: number | null;
}

export interface RatesView {
  pushedPerSecond: number;
  pulledPerSecond: number;
  failureRate: number | null;
  spanMs: number;
}

export interface LocalMongodView {
  state: string;
  ok: boolean;
  pid: number | null;
  port: number | null;
  uptimeMs: number | null;
  restarts: number;
  error: { code: string; message: string } | null;
  /** False when it accepts connections without a password (`local.auth`). */
  accessControl: boolean;
}

export interface StatusView {
  instanceId: string;
  state: EngineState;
  outboxDepth: number;
  oldestUnsyncedAgeMs: number | null;
  quarantined: number;
  openConflicts: number;
  counters: CountersView;
  rates: RatesView;
  centralRoundTripMs: number | null;
  clockSkewMs: number | null;
  lastSyncAt: string | null;
  /** Start of the current central outage, when central is unreachable. */
  offlineSince: string | null;
  bootstrap: { db: string; done: number; total: number }[];
  /** Databases whose sync waits for a backup or a re-queue before it starts (see engine). */
  preparing: { db: string; step: PreparingStep; since: string }[];
  duplicateInstance: { otherHostname: string; otherMachineHash: string; seenAt: string } | null;
  /** The supervised local mongod; null when this process does not run it. */
  localMongod: LocalMongodView | null;
}

export type PreparingStep =
  | 'backup-before-first-sync'
  | 'backup-before-new-central'
  | 'queueing-for-new-central'
  | 'reading-moved-central';

export interface CollectionView {
  db: string;
  coll: string;
  direction: string;
  strategy: string;
  local: number | null;
  /** Documents in this site's scope at central; null when central could not be asked. */
  central: number | null;
  /** Outbox entries (local changes not yet at central). */
  pending: number;
}

export type ConflictState = 'open' | 'resolved';

export interface ConflictSideView {
  doc: JsonObject | null;
  v: string | null;
  deleted: boolean;
  origin?: string | null;
}

export interface ConflictView {
  id: string;
  db: string;
  coll: string;
  docId: unknown;
  kind: string;
  strategy: string;
  state: ConflictState;
  /** Which version won ('site', 'central', 'merged' or 'renamed'), once resolved. */
  outcome: string | null;
  at: string;
  site: ConflictSideView;
  central: ConflictSideView;
  /** The version both sides started from (the last one this site synced); null doc when new. */
  base: { doc: JsonObject | null; v: string | null };
  /** Fields changed on both sides, when the strategy compared fields. */
  fields: string[];
  /** For a unique-key clash: the index and the clashing value, e.g. `{ sku: 'A-1' }`. */
  unique: { index: string; keyValue: JsonObject | null } | null;
}

export interface LogEntryView {
  at: string;
  event: string;
  level: 'info' | 'warn' | 'error';
  attributes: JsonObject;
}

/** A site registered at central, as `sites:list` shows it. */
export interface SiteView {
  db: string;
  instanceId: string;
  hostname: string;
  version: string;
  lastSeen: string;
  /** This instance. */
  self: boolean;
  /** Central keeps delete records until this site has read past them. */
  holdsTombstones: boolean;
}

/** What `quarantine:retry` did. */
export interface RetrySetAsideResult {
  /** Changes from this site queued to be sent again. */
  queued: number;
  /** Changes from central applied here now. */
  applied: number;
  /** Changes from central the site's database refused again (still set aside). */
  refusedAgain: number;
}

export interface QuarantineView {
  db: string;
  coll: string;
  docId: unknown;
  reason: string;
  code: number | string | null;
  direction: 'push' | 'pull';
  v: string | null;
  at: string;
}

/** What a "sync now and wait" did (`sync:run-now` with `wait`). */
export interface SyncRunView {
  /** Everything this site had to send was sent and central had nothing more, within the time. */
  complete: boolean;
  durationMs: number;
  /** Changes sent to central, received from it, conflicts met and failed tries meanwhile. */
  pushed: number;
  pulled: number;
  conflicts: number;
  failures: number;
  /** Changes from before the request still waiting (0 when complete). */
  waiting: number;
  /** What moved, by collection: only those where something did, by name. */
  collections: { db: string; coll: string; pushed: number; pulled: number; conflicts: number }[];
}

/** A change of this site waiting in the outbox to be sent to central. */
export interface OutboxEntryView {
  db: string;
  coll: string;
  docId: unknown;
  op: 'upsert' | 'delete';
  /** When the document first changed without being sent since. */
  since: string;
  /** Failed sends so far (0: not tried yet, or sent without error so far). */
  attempts: number;
  lastError: string | null;
  /** When the next try is due after a failure; null when due now. */
  nextAt: string | null;
  /** Waiting for the operator: its conflict is open (manual strategy). */
  parked: boolean;
}

export interface OutboxListView {
  entries: OutboxEntryView[];
  /** Entries that match the filter (the list holds at most `limit` of them). */
  total: number;
}

export interface ConfigView {
  /** The effective config, with the central connection string's credentials removed. */
  config: JsonObject;
  /** The file `config:update` writes; null when the instance runs without one. */
  file: string | null;
}

/** What a saved settings change did to the running instance. */
export interface AppliedConfig {
  /** Keys whose effective value changed and are in effect now (dotted, e.g. `databases`). */
  applied: string[];
  /** Keys whose effective value changed and that wait for a restart of Outpost. */
  restartFor: string[];
}

export interface ConfigUpdateResult extends AppliedConfig {
  file: string;
  /** The file's new content, redacted. */
  saved: JsonObject;
  /** Some of the change waits for a restart of Outpost (`restartFor`). */
  restartRequired: boolean;
}

export interface ConfigReloadResult extends AppliedConfig {
  /** The file read again (null in the desktop app, whose settings are not a file). */
  file: string | null;
  /** Some of the change waits for a restart of Outpost (`restartFor`). */
  restartRequired: boolean;
}

export interface ResolveConflictResult {
  id: string;
  state: ConflictState;
  outcome: string;
}

export interface AutoResolveResult {
  resolved: number;
  /** Looked at and left open: not a simple case (without a strategy). */
  skipped: number;
  /** Their resolution failed (central unreachable meanwhile, ...): still open. */
  failed: number;
  /** Open conflicts after the run, in every collection. */
  remaining: number;
}

/** `changed`: both sides hold it, with other content; `missing`: the site lacks it; `extra`: central does. */
export type VerifyDifferenceKind = 'changed' | 'missing' | 'extra';

/** What repair does for a difference (sync/verify/classify.ts has the rules). */
export type VerifyRepairAction = 'restore-from-central' | 'delete-local' | 'queue-push';

export interface VerifyDifferenceView {
  /** Relaxed Extended JSON. */
  id: unknown;
  kind: VerifyDifferenceKind;
  action: VerifyRepairAction;
  /** Done by this run (false in a report-only run, or when the document moved meanwhile). */
  repaired: boolean;
}

export interface VerifyCollectionReport {
  db: string;
  coll: string;
  compared: number;
  /** Documents that differ with no unsynced local change: drift. */
  differing: number;
  repaired: number;
  /** Ids of differing documents (relaxed Extended JSON), possibly truncated. */
  ids: unknown[];
  /** Documents that differ because of an unsynced local change: left to push, never repaired. */
  pending: number;
  pendingIds: unknown[];
  /** The differing documents with their kind and repair, truncated like `ids`. */
  differences: VerifyDifferenceView[];
  /** `ids`, `pendingIds` and `differences` were cut at the report's limit. */
  truncated: boolean;
}

export interface VerifyTotals {
  collections: number;
  compared: number;
  differing: number;
  repaired: number;
  pending: number;
  /** Differing and not repaired: what a script should act on. */
  remaining: number;
}

export interface VerifyReport {
  startedAt: string;
  finishedAt: string;
  repair: boolean;
  collections: VerifyCollectionReport[];
  totals: VerifyTotals;
}

export interface AppInfo {
  version: string;
  instanceId: string;
  headless: boolean;
  /** What the POS software connects to (the local mongod); null when it is not running. */
  localUri: string | null;
}

/** What went wrong when trying a central connection string, in one word. */
export type ConnectionProblem =
  | 'malformed'
  | 'dns'
  | 'unreachable'
  | 'timeout'
  | 'tls'
  | 'auth'
  | 'not-replica-set'
  | 'too-old'
  | 'other';

export interface ConnectionTestResult {
  ok: boolean;
  /** null when ok. */
  problem: ConnectionProblem | null;
  /** A sentence for the operator: what was found and, when it failed, what to check. */
  message: string;
  /** What was learned: hosts, topology, server version, the driver's error (credentials removed). */
  details: JsonObject;
  /**
   * What saving this string would do beyond connecting, when it works: a database that synced
   * with another central syncs anew (backed up first), or reads a copy on another cluster again.
   */
  afterSave?: string[] | undefined;
}

export type { ErrorPayload };

/** `outpost backup` (backup:create); the manifest is the report without its totals. */
export interface BackedUpCollection {
  name: string;
  type: 'collection' | 'view';
  documents: number;
  /** Bytes of the .bson file as written (compressed with gzip). */
  bytes: number;
  /** Files relative to the backup directory, with their sha256. */
  files: { path: string; sha256: string }[];
}

export interface BackupManifest {
  format: 'outpost-backup/1';
  /** When the snapshot was taken (or the backup started, without one). */
  at: string;
  /** Whether every collection was read at that one moment. */
  consistent: boolean;
  gzip: boolean;
  instanceId?: string | undefined;
  outpostVersion?: string | undefined;
  /**
   * Why Outpost made it by itself, if it did for a reason other than the schedule: before a
   * database first synced, or before it synced anew with another central than before. Such a
   * backup is never removed by the schedule's pruning.
   */
  reason?: BackupReason | undefined;
  databases: { name: string; collections: BackedUpCollection[] }[];
}

export const BACKUP_REASONS = ['before-first-sync', 'before-new-central'] as const;
export type BackupReason = (typeof BACKUP_REASONS)[number];

/** A complete backup in `<dataDir>/backups` (`backup:list`). */
export interface BackupListing {
  dir: string;
  /** When its snapshot was taken. */
  at: string;
  reason?: BackupReason | undefined;
}

export interface BackupReport extends BackupManifest {
  /** Where the backup was written. */
  dir: string;
  documents: number;
  bytes: number;
  durationMs: number;
}

/** `outpost restore` (backup:restore). */
export interface RestoredCollection {
  name: string;
  type: 'collection' | 'view';
  documents: number;
  indexes: number;
}

export interface RestoreReport {
  dir: string;
  /** An Outpost backup whose checksums matched; false for a mongodump directory (none to check). */
  verified: boolean;
  /** The backup's moment, when it has a manifest. */
  at: string | null;
  databases: { name: string; from: string; collections: RestoredCollection[] }[];
  documents: number;
  durationMs: number;
}

/** One document's standing with central (`documents:sync-state`). */
export interface DocumentStateView {
  /** As asked (extended JSON). */
  id: unknown;
  state: 'synced' | 'pending' | 'conflict' | 'set-aside' | 'not-synced' | 'unknown';
  /** Why it is not synced: the last error, the refusal, what it waits for. */
  reason?: string;
  /** Pending: when the change waiting began; set aside: when it was refused. */
  since?: string;
  /** Pending: failed tries so far. */
  attempts?: number;
  /** The central version this site last synced, and when central wrote it. */
  centralVersion?: string;
  centralAt?: string;
}
