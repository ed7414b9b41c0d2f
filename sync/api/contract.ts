/**
 * The bridge contract: every call the UI can make and every event it can receive, in one type.
 * The Electron preload and the HTTP client both implement it; the main side derives its handlers
 * from it (sync/api/handlers.ts, with one zod schema per call in sync/api/schemas.ts). The
 * renderer imports this file with `import type` only.
 */
import type { ErrorPayload } from '../errors.js';
import type {
  AppInfo,
  AutoResolveResult,
  BackupReport,
  CollectionView,
  DocumentStateView,
  ConnectionTestResult,
  ConfigReloadResult,
  ConfigUpdateResult,
  ConfigView,
  ConflictState,
  ConflictView,
  EngineState,
  HealthReport,
  JsonObject,
  LogEntryView,
  OutboxListView,
  SyncRunView,
  QuarantineView,
  ResolveConflictResult,
  RestoreReport,
  BackupListing,
  RetrySetAsideResult,
  SiteView,
  StatusView,
  VerifyReport,
} from './views.js';

export type * from './views.js';

export interface ListCollectionsArgs {
  db?: string;
}

export interface ListConflictsArgs {
  /** Default 'open'. */
  state?: ConflictState | 'all';
  db?: string;
  coll?: string;
  /** 1 to 500, default 50; newest first. */
  limit?: number;
}

/**
 * Keep the site's or central's version, write an edited merge, or (for a unique-key clash) give
 * the site's document a new value for the clashing field and push it again.
 */
export type ResolveConflictArgs =
  | { id: string; keep: 'site' | 'central' }
  | { id: string; keep: 'merged'; doc: JsonObject }
  | { id: string; keep: 'renamed'; field: string; value: unknown };

export interface AutoResolveArgs {
  db?: string;
  coll?: string;
  /**
   * Default: only the simple cases (the same content on both sides, central newer by HLC, a
   * unique clash on a document made here within the hour, renamed); the rest stays open. Given:
   * every open conflict goes by this strategy.
   */
  strategy?: 'lww' | 'site-wins' | 'central-wins';
  /** How many open conflicts to look at, oldest first (1 to 10000, default 100). */
  max?: number;
}

export interface ListLogArgs {
  /** 1 to 1000, default 100; newest first. */
  limit?: number;
  level?: 'info' | 'warn' | 'error';
  event?: string;
  /** ISO date-time: only entries at or after it. */
  since?: string;
}

export interface ListQuarantineArgs {
  db?: string;
  coll?: string;
  limit?: number;
}

export interface RunNowArgs {
  /** Wait until what this site had is sent and central has nothing more, and report it. */
  wait?: boolean;
  /** How long to wait at most, ms (1000 to 600000, default 60000). */
  timeoutMs?: number;
}

export interface TestAlertArgs {
  /** Where to send the test; default the configured `alerts.webhookUrl`. */
  url?: string;
}

export interface ListOutboxArgs {
  db?: string;
  coll?: string;
  /** Only changes that failed at least once (with their last error). */
  failing?: boolean;
  /** 1 to 1000, default 100; oldest first. */
  limit?: number;
}

/** Which set-aside changes to try again; none given: all of them. */
export interface RetrySetAsideArgs {
  db?: string | undefined;
  coll?: string | undefined;
  /** The document's `_id` as `quarantine:list` shows it (Extended JSON). */
  docId?: unknown;
}

export interface UpdateConfigArgs {
  /** A JSON merge patch (RFC 7396) of the config file: `null` removes a key. */
  patch: JsonObject;
}

export interface VerifyArgs {
  db?: string;
  colls?: string[];
  repair?: boolean;
}

export interface DocumentStatesArgs {
  db: string;
  coll: string;
  /** The documents' `_id`s in extended JSON (`{"$oid": "..."}` for an ObjectId); 1 to 1,000. */
  ids: unknown[];
}

export interface BackupArgs {
  /** An absolute path that does not exist yet; default `<dataDir>/backups/<date and time>`. */
  dir?: string;
  /** Default every database but mongod's own and Outpost's metadata. */
  databases?: string[];
  gzip?: boolean;
}

export interface RestoreArgs {
  /** An absolute path: an Outpost backup, or a directory mongodump wrote. */
  dir: string;
  /** Default every database in the backup. */
  databases?: string[];
  /** Restore the one database under this name. */
  as?: string;
}

export interface TestConnectionArgs {
  /** A central connection string (mongodb:// or mongodb+srv://) to try, not saved. */
  uri: string;
}

export interface BridgeCalls {
  'app:get-info': { args: void; result: AppInfo };
  'sync:get-status': { args: void; result: StatusView };
  'sync:get-health': { args: void; result: HealthReport };
  'sync:run-now': { args: RunNowArgs | void; result: { state: EngineState; run?: SyncRunView } };
  'sync:pause': { args: void; result: { state: EngineState } };
  'sync:resume': { args: void; result: { state: EngineState } };
  'sync:verify': { args: VerifyArgs; result: VerifyReport };
  'collections:list': { args: ListCollectionsArgs; result: { collections: CollectionView[] } };
  'conflicts:list': { args: ListConflictsArgs; result: { conflicts: ConflictView[] } };
  'conflicts:resolve': { args: ResolveConflictArgs; result: ResolveConflictResult };
  'conflicts:auto-resolve': { args: AutoResolveArgs; result: AutoResolveResult };
  'log:list': { args: ListLogArgs; result: { entries: LogEntryView[] } };
  'outbox:list': { args: ListOutboxArgs; result: OutboxListView };
  'quarantine:list': { args: ListQuarantineArgs; result: { items: QuarantineView[] } };
  'quarantine:retry': { args: RetrySetAsideArgs; result: RetrySetAsideResult };
  'sites:list': { args: void; result: { sites: SiteView[] } };
  'sites:retire': {
    args: { instanceId: string };
    result: { instanceId: string; databases: number };
  };
  'config:get': { args: void; result: ConfigView };
  'config:update': { args: UpdateConfigArgs; result: ConfigUpdateResult };
  /** Reads the config file (and the other layers) again and applies what changed. */
  'config:reload': { args: void; result: ConfigReloadResult };
  'settings:test-connection': { args: TestConnectionArgs; result: ConnectionTestResult };
  /** Where given documents stand with central (for the POS software). */
  'documents:sync-state': {
    args: DocumentStatesArgs;
    result: { documents: DocumentStateView[] };
  };
  /** Writes a backup of the site's databases (mongodump's layout) on this machine. */
  'backup:create': { args: BackupArgs; result: BackupReport };
  /** Fills empty collections from a backup; refuses, writing nothing, when one is not empty. */
  'backup:restore': { args: RestoreArgs; result: RestoreReport };
  /** The backups in `<dataDir>/backups`, newest first: by hand, scheduled, before a first sync. */
  'backup:list': { args: void; result: { backups: BackupListing[] } };
  'alerts:test': { args: TestAlertArgs; result: { ok: boolean; message: string } };
}

export interface BridgeEvents {
  'app:error-raised': ErrorPayload;
  /** The engine changed state (also sent once, with the current state, to each new listener). */
  'sync:status-changed': { state: EngineState };
}

export type BridgeCallName = keyof BridgeCalls;
export type BridgeEventName = keyof BridgeEvents;

/** What a transport exposes to the renderer. `on` returns its unsubscribe function. */
export interface BridgeContract {
  invoke<K extends BridgeCallName>(
    name: K,
    args: BridgeCalls[K]['args'],
  ): Promise<BridgeCalls[K]['result']>;
  on<K extends BridgeEventName>(name: K, listener: (payload: BridgeEvents[K]) => void): () => void;
}

/** Call names as a runtime list, for transports that validate what they are asked. */
export const BRIDGE_CALLS = [
  'app:get-info',
  'sync:get-status',
  'sync:get-health',
  'sync:run-now',
  'sync:pause',
  'sync:resume',
  'sync:verify',
  'collections:list',
  'conflicts:list',
  'conflicts:resolve',
  'conflicts:auto-resolve',
  'log:list',
  'outbox:list',
  'quarantine:list',
  'quarantine:retry',
  'sites:list',
  'sites:retire',
  'config:get',
  'config:update',
  'config:reload',
  'settings:test-connection',
  'documents:sync-state',
  'backup:create',
  'backup:restore',
  'backup:list',
  'alerts:test',
] as const satisfies readonly BridgeCallName[];

export const BRIDGE_EVENTS = [
  'app:error-raised',
  'sync:status-changed',
] as const satisfies readonly BridgeEventName[];

export function isBridgeCallName(name: string): name is BridgeCallName {
  return (BRIDGE_CALLS as readonly string[]).includes(name);
}

// Compile-time check that BRIDGE_CALLS lists every call of BridgeCalls.
type UnlistedCall = Exclude<BridgeCallName, (typeof BRIDGE_CALLS)[number]>;
const everyCallListed: [UnlistedCall] extends [never] ? true : UnlistedCall = true;
void everyCallListed;
